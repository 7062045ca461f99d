"""Canaries for every private API qatui reaches into.

pyproject.toml pins textual, docker and urllib3 below their next major version, but a minor
release may still move a private name. Each test here names one thing we touch and fails loudly
when it moves, instead of the screen silently slowing down or the log reader silently taking
its slow path. When one fails: read the new upstream code, adapt the caller named in the test,
then widen the pin.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest


def params(func: object) -> list[str]:
    return [name for name in inspect.signature(func).parameters if name != "self"]  # type: ignore[arg-type]


def test_textual_app_check_bindings() -> None:
    """ui/app.py `on_event` asks `_check_bindings(key)` to order the main screen's keys."""
    from textual.app import App

    assert params(App._check_bindings)[:2] == ["key", "priority"]


def test_textual_log_sizing_and_pruning() -> None:
    """ui/widgets/log_tail.py overrides `_update_size` and calls `_update_maximum_width`;
    ui/widgets/log_selection.py overrides `_prune_max_lines`."""
    from textual.widgets import Log

    assert params(Log._update_size) == ["updates", "lines"]
    assert params(Log._update_maximum_width) == ["updates", "size"]
    assert params(Log._prune_max_lines) == []
    # our overrides are actually reached: Log calls them by these names
    source = inspect.getsource(Log)
    assert "self._update_size(" in source and "self._prune_max_lines(" in source


def test_textual_scroll_update() -> None:
    """ui/widgets/rich_pane.py calls `_scroll_update(size)` instead of setting virtual_size."""
    from textual.scroll_view import ScrollView

    assert params(ScrollView._scroll_update) == ["virtual_size"]


def test_docker_api_request_helpers() -> None:
    """core/logs/docker_stream.py `LogStream` streams logs with the SDK's own request helpers."""
    from docker.api.client import APIClient

    for name in ("_get", "_url", "_raise_for_status"):
        assert callable(getattr(APIClient, name, None)), f"docker.APIClient.{name} moved"
    assert params(APIClient._url)[0] == "pathfmt"


@pytest.mark.docker
def test_the_docker_log_reader_takes_its_fast_path(docker_client: Any, run_container: Callable[..., Any]) -> None:
    """The bulk de-chunking reader depends on urllib3's `raw._fp.fp` and `chunk_left`; if they
    move, `LogStream` falls back to the SDK's slow reads. This says so, on a real engine."""
    from qatui.core.logs.docker_stream import LogStream

    container = run_container("for i in 1 2 3; do echo line $i; done; sleep 30")
    stream = LogStream(docker_client, container.id, {"stdout": 1, "stderr": 1, "follow": 0, "timestamps": 1})
    try:
        frames = [frame for bulk in stream.bulks(tty=False) for frame in bulk]
        assert stream.path == "dechunked", "urllib3 moved: the docker log reader took the SDK's slow path"
    finally:
        stream.close()
    assert any(b"line 3" in frame for frame in frames)


def test_argparse_parser_internals_for_completion() -> None:
    """commands/completion.py reads `parser._actions`, `argparse._SubParsersAction` and its
    `_choices_actions` (the commands' help) to generate the shell scripts from the parser."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--x", "-x")
    sub = parser.add_subparsers()
    sub.add_parser("one", help="the one")
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert [(c.dest, c.help) for c in action._choices_actions] == [("one", "the one")]
    assert any(a.option_strings == ["--x", "-x"] for a in parser._actions)


def test_textual_character_to_key() -> None:
    """ui/keymap.py builds the key names a keymap may use from `textual.keys._character_to_key`."""
    from textual.keys import _character_to_key

    assert _character_to_key("?") == "question_mark" and _character_to_key("x") == "x"


def test_websockets_proxy_lookup() -> None:
    """core/probes/websocket.py asks `websockets.proxy.get_proxy` once per host and hands the
    answer to `connect(proxy=…)`: it must be the lookup `connect` itself makes, with the same
    argument, or a probe would connect another way than websockets would."""
    from websockets.asyncio import client
    from websockets.proxy import get_proxy
    from websockets.uri import parse_uri

    assert client.get_proxy is get_proxy
    assert params(get_proxy) == ["uri"]
    assert "proxy" in params(client.connect.__init__)
    assert "get_proxy(self.ws_uri)" in inspect.getsource(client.connect)
    assert get_proxy(parse_uri("ws://127.0.0.1:9/x")) is None or isinstance(get_proxy(parse_uri("ws://127.0.0.1:9/x")), str)
