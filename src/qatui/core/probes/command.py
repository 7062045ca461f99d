"""Command probes: run a local program (argv, or a line for /bin/sh) and check its output.

The process gets its own session (process group) and a mark in its environment
(`qatui.core.procs`), so on timeout or cancellation qatui ends everything it started — a shell
line's children, and a `setsid … &` that left the group — with SIGTERM, then SIGKILL. Nothing
a command probe started outlives the probe: processes it left running after it exited are
ended too, and the detail says how many. Output is read as
it comes into `BoundedText` buffers, so `yes` running for ten seconds never grows memory past
the cap. `outcome_from_output` is shared with exec probes: the expectations are the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import time
import weakref
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from qatui.core.checklist import ProbeSpec
from qatui.core.probes import explain
from qatui.core.probes.base import (
    BoundedText,
    Outcome,
    ProbeContext,
    cap_detail,
    excerpt,
    fail_summary,
    last_lines,
    with_where,
)
from qatui.core.probes.captures import capture
from qatui.core.probes.expectations import check_output, checks_text, first_failure
from qatui.core.probes.schema import KindSchema
from qatui.core.procs import Ended, ProcessTree, members_of
from qatui.core.session import ProbeStatus

if TYPE_CHECKING:
    from qatui.core.load.probe_checker import ProbeChecker


def command_line(cfg: Mapping[str, Any]) -> str:
    """The command as a tester would type it (for details and `qatui trust`)."""
    if "argv" in cfg:
        return shlex.join(str(a) for a in cfg["argv"])
    return str(cfg.get("run", ""))


def _expected_code(expect: Mapping[str, Any]) -> int:
    try:
        return int(expect.get("exit_code", 0))
    except (TypeError, ValueError):  # the loader reports it; the explanation must not crash
        return 0


def outcome_from_output(
    spec: ProbeSpec,
    cfg: Mapping[str, Any],
    *,
    exit_code: int,
    stdout: str,
    stderr: str,
    elapsed_ms: float,
    header: str,
    note: str = "",
    mask: Callable[[str], str] = str,
) -> Outcome:
    """`mask` hides secrets before anything is cut (the kind passes `ctx.masker.mask`)."""
    expect: Mapping[str, Any] = cfg.get("expect") or {}
    checks = check_output(expect, exit_code=exit_code, stdout=stdout, stderr=stderr, elapsed_ms=elapsed_ms)
    both = stdout + ("\n" if stdout and stderr else "") + stderr
    captured = capture(cfg.get("capture"), texts={"stdout": stdout, "stderr": stderr, "both": both})
    detail = f"{header}\nexit {exit_code} after {elapsed_ms:.0f} ms\n" + (f"{note}\n" if note else "")
    if stdout:
        detail += f"--- stdout\n{excerpt(mask(stdout))}\n"
    if stderr:
        detail += f"--- stderr\n{excerpt(mask(stderr), 800)}\n"
    detail = cap_detail(mask(detail + checks_text(checks)))
    failed = first_failure(checks)
    if failed is not None:
        explanation = ""
        if failed.key == "expect.exit_code":
            explanation = explain.unexpected_exit(exit_code, _expected_code(expect), last_lines(mask(stderr or stdout)))
        elif failed.key == "expect.max_ms":
            explanation = "the command did its job but took longer than the checklist allows"
        else:
            explanation = f"the output is not what the checklist expects; last output:\n{last_lines(mask(both))}"
        return Outcome(
            ProbeStatus.FAILED,
            fail_summary(spec, failed.key, failed.actual, failed.expected),
            explanation,
            detail,
            captured.values,
            captured.secret,
            elapsed_ms,
        )
    if captured.missing:
        name, why = next(iter(captured.missing.items()))
        return Outcome(
            ProbeStatus.FAILED,
            with_where(spec, f"capture.{name}", f"exit {exit_code}, nothing to capture for {name}"),
            f"could not capture ${{{name}}}: {why}",
            detail,
            captured.values,
            captured.secret,
            elapsed_ms,
        )
    summary = f"exit {exit_code} in {elapsed_ms:.0f} ms"
    if captured.values:
        summary += "; " + ", ".join(f"{k} = {v}" for k, v in captured.values.items())
    return Outcome(ProbeStatus.PASSED, summary, "", detail, captured.values, captured.secret, elapsed_ms)


async def _pump(stream: asyncio.StreamReader | None, sink: BoundedText) -> None:
    if stream is None:
        return
    while chunk := await stream.read(65536):
        sink.feed(chunk)


async def _stop(process: asyncio.subprocess.Process, pumps: asyncio.Future[Any], tree: ProcessTree) -> Ended:
    """SIGTERM to everything the command started, SIGKILL after a second to what is left (in a
    worker thread: it waits); then drain the pipes to their end so the transport closes now,
    not when garbage-collected."""
    ended = await asyncio.shield(asyncio.to_thread(tree.end))
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await process.wait()
    try:
        async with asyncio.timeout(1.0):
            await pumps
    except (TimeoutError, asyncio.CancelledError):
        pumps.cancel()
        for pipe in (process.stdout, process.stderr):
            transport = getattr(pipe, "_transport", None)
            if transport is not None:
                transport.close()
    return ended


class _LeftoverCheck:
    """After commands exit, whether they left anything running: one /proc scan for all the
    commands of a loop that exited in the same turn of it (`procs.members_of`), made on the
    loop's thread. It reads a few small /proc files (~0.5 ms); a scan per command in a worker
    thread each made 50 `true` commands take 250 ms against a 45 ms floor, the threads
    fighting over the GIL. Only a command that did leave something is ended in a thread
    (`ProcessTree.end` waits for SIGTERM to take effect)."""

    def __init__(self) -> None:
        self._waiting: dict[ProcessTree, asyncio.Future[set[int]]] = {}

    async def members(self, tree: ProcessTree) -> set[int]:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[set[int]] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._scan)
        self._waiting[tree] = answer
        return await answer

    def _scan(self) -> None:
        waiting, self._waiting = self._waiting, {}
        try:
            found = members_of(list(waiting))
        except Exception as error:  # never leave a probe waiting
            for answer in waiting.values():
                if not answer.done():
                    answer.set_exception(error)
            return
        for answer, members in zip(waiting.values(), found, strict=True):
            if not answer.done():
                answer.set_result(members)


_checks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LeftoverCheck] = weakref.WeakKeyDictionary()


async def _end_leftovers(tree: ProcessTree) -> Ended | None:
    """After the command exited: end what it left running (`daemon &` with its output elsewhere)."""
    loop = asyncio.get_running_loop()
    check = _checks.get(loop)
    if check is None:
        check = _checks[loop] = _LeftoverCheck()
    try:
        left = await check.members(tree)
    except asyncio.CancelledError:  # stopped meanwhile: still end what it left, in a worker
        loop.run_in_executor(None, tree.end)
        raise
    if left:
        return await asyncio.to_thread(tree.end)
    tree.forget()
    return None


async def run(spec: ProbeSpec, cfg: Mapping[str, Any], ctx: ProbeContext) -> Outcome:
    if "argv" in cfg:
        argv = [str(a) for a in cfg["argv"]]
    else:
        argv = ["/bin/sh", "-c", str(cfg.get("run", ""))]
    if not argv or not argv[0]:
        return Outcome(ProbeStatus.ERROR, with_where(spec, "run", "no command given"), "the probe needs `run` or `argv`")
    cwd = ctx.checklist_dir / str(cfg["cwd"]) if cfg.get("cwd") else ctx.checklist_dir
    tree = ProcessTree()
    env = tree.env(ctx.process_env)
    env.update({str(k): str(v) for k, v in (cfg.get("env") or {}).items()})
    header = f"$ {command_line(cfg)}" + (f"   (in {cwd})" if cfg.get("cwd") else "")
    seconds = spec.timeout

    started = time.perf_counter()
    creating = asyncio.ensure_future(asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=str(cwd),
        env=env,
        start_new_session=True,
    ))
    try:
        process = await asyncio.shield(creating)
    except asyncio.CancelledError:
        # Cancelled while asyncio was still connecting the new process's pipes (the process may
        # already be running). asyncio's own clean-up of a cancelled start can wait forever for
        # an exit it has missed (Ctrl-C hung `qatui probe` in 5 of 12 tries under load), so the
        # start is shielded: let it finish, then end the process and all it started.
        with contextlib.suppress(Exception):
            process = await creating
            tree.started(process.pid)
            drains = asyncio.gather(_pump(process.stdout, BoundedText(1024)), _pump(process.stderr, BoundedText(1024)))
            await _stop(process, drains, tree)
        raise
    except FileNotFoundError as error:
        if error.filename and str(error.filename) == str(cwd):
            return Outcome(ProbeStatus.ERROR, with_where(spec, "cwd", "folder not found"), f"the working folder {cwd} does not exist")
        found = explain.command_not_found(argv[0])
        return Outcome(ProbeStatus.ERROR, with_where(spec, "argv", found.actual), found.explanation, header)
    except NotADirectoryError:
        return Outcome(ProbeStatus.ERROR, with_where(spec, "cwd", "not a folder"), f"{cwd} is not a folder")
    except PermissionError as error:
        return Outcome(ProbeStatus.ERROR, with_where(spec, "argv", "permission denied"), f"cannot run {argv[0]}: {error.strerror}")
    tree.started(process.pid)

    out, err = BoundedText(), BoundedText()
    pumps = asyncio.gather(_pump(process.stdout, out), _pump(process.stderr, err))
    try:
        async with asyncio.timeout(seconds):
            await pumps
            exit_code = await process.wait()
    except TimeoutError:
        ended = await _stop(process, pumps, tree)
        elapsed_ms = (time.perf_counter() - started) * 1000
        found = explain.command_timeout(seconds, ended.words())
        detail = ctx.cap_detail(
            f"{header}\nqatui {ended.words()} after {elapsed_ms:.0f} ms; {out.total} bytes on stdout, {err.total} on stderr\n"
            f"--- last output\n{ctx.last_lines(out.text() + err.text(), 8)}"
        )
        return Outcome(ProbeStatus.TIMEOUT, with_where(spec, "timeout", found.actual), found.explanation, detail, duration_ms=elapsed_ms)
    except asyncio.CancelledError:
        await _stop(process, pumps, tree)
        raise
    elapsed_ms = (time.perf_counter() - started) * 1000
    left = await _end_leftovers(tree)
    stdout, stderr = out.text(), err.text()
    note = f"qatui ended {left.signalled} process(es) the command left running" if left and left.signalled else ""
    program = explain.missing_program(stderr) if exit_code == 127 and "argv" not in cfg else None
    if program is not None:
        found = explain.command_not_found(program)
        return Outcome(
            ProbeStatus.ERROR,
            with_where(spec, "run", f"exit 127, {found.actual}"),
            found.explanation,
            ctx.cap_detail(f"{header}\n{ctx.excerpt(stderr, 800)}"),
            duration_ms=elapsed_ms,
        )
    return outcome_from_output(
        spec, cfg, exit_code=exit_code, stdout=stdout, stderr=stderr, elapsed_ms=elapsed_ms, header=header, note=note,
        mask=ctx.masker.mask,
    )


# ----- schema -----------------------------------------------------------------------------

#: Expectations of programs' output, shared with `exec`.
OUTPUT_EXPECT = ("exit_code", "stdout_contains", "stderr_contains", "output_matches", "not_contains", "max_ms")


def check(c: ProbeChecker) -> None:
    """`run` or `argv`, `cwd`, `env`."""
    c.command_line()
    c.text("cwd")
    c.string_map("env")


SCHEMA = KindSchema(
    name="command",
    keys=("run", "argv", "cwd", "env"),
    expect=OUTPUT_EXPECT,
    capture=("regex",),
    capture_options=("stream",),
    defaults={"expect.exit_code": 0},
    check=check,
)
