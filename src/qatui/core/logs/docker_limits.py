"""The Docker log source's labels, timings and limits (why each value: beside it, and the
flood design in `docker_source.py`'s docstring)."""

from __future__ import annotations

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
ONEOFF_LABEL = "com.docker.compose.oneoff"
DEFAULT_HOST = "unix:///var/run/docker.sock"

BATCH_SECONDS = 0.1
#: Raw lines kept per container until `follow()` takes them; in a flood the oldest beyond this
#: are skipped (counted, and said in a notice) and never decoded: only what can be shown costs.
MAX_PENDING = 2000
#: When nothing may be skipped (`qatui logs`, the logs probe), a reader waits once this many
#: raw lines are queued: enough for one `BATCH_SECONDS` of the engine's top speed (~140 k
#: lines/s here), so the wait paces the engine without capping the rate below it; a few MB.
MAX_QUEUED = 25_000
#: While `follow()` is behind, a reader waits this long between reads, so that each read is a
#: large bulk walked in one go instead of many small ones competing with the screen.
BEHIND_PAUSE = 0.025
#: Skipped lines are said at most this often (with the count since the last notice).
SKIP_NOTICE_SECONDS = 1.0
#: In a flood (lines were skipped while streaming) a reader stops streaming and asks the engine
#: for the newest FLOOD_TAIL lines every FLOOD_POLL_SECONDS; it streams again once a poll
#: returns fewer than half of that.
FLOOD_POLL_SECONDS = 0.25
FLOOD_TAIL = 200
BACKLOG_SECONDS = 1.0
RESCAN_SECONDS = 1.0
RETRY_SECONDS = 1.0
API_TIMEOUT = 10
