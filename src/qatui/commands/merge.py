"""`qatui merge A.md B.md … -o release.md` and the git merge driver `qatui merge --git %O %A %B`.

Joins the records of one checklist version and environment item by item (the rules are in
`core/record/merge.py`) and writes the result atomically. It prints who worked how many items,
every conflict (id, title and the competing verdicts) and what else a person should know
(facts or metrics the records disagree on, a sign-off that does not carry over).

Exit status: 0 merged cleanly; 1 merged, but items are in conflict and need a decision (they
are marked in the written record); 2 nothing written: a record could not be read, or the
records are not of one checklist version and environment (the message says which).

As a git merge driver (`--git`, installed by `qatui git-setup`) it merges the common ancestor
`%O`, ours `%A` and theirs `%B` three-way and writes the result into `%A`, as git expects. A
conflict is written into the record, never as `<<<<<<<` markers, which would make the file
unreadable; the exit status is non-zero only when an item needs a decision, so `git merge`
stops and says so, and the tester decides in qatui, then `git add` and `git commit`. When the
sides cannot be merged at all, `%A` is left as it was (ours) and the reason is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qatui.core.errors import QatuiError
from qatui.core.session import Session

if TYPE_CHECKING:
    from qatui.core.record.merge import MergeResult

EXIT_CLEAN = 0
EXIT_CONFLICTS = 1
EXIT_REFUSED = 2


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    parser.add_argument("records", metavar="RECORD", nargs="+",
                        help="records of one checklist version and environment (with --git: %%O %%A %%B)")
    parser.add_argument("-o", "--output", metavar="FILE",
                        help="where to write the merged record (may be one of the records: its decisions are kept)")
    parser.add_argument("--force", action="store_true",
                        help="replace FILE even when it exists and is not one of the records merged")
    parser.add_argument("--git", action="store_true",
                        help="work as git's merge driver: RECORDS are %%O %%A %%B, the result goes into %%A")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = (
        "exit status: 0 merged cleanly, 1 merged with conflicts to decide (marked in the record), "
        "2 nothing written (unreadable record, or records of different checklist versions or environments)"
    )


def run(args: argparse.Namespace) -> int:
    from qatui.core.runtime import paused_gc

    # Reading and merging build large acyclic structures: without the cyclic collector
    # rescanning them, reading 10 records of 5,000 items is several times faster (benchmarks/merge.py).
    with paused_gc():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    if args.git:
        if len(args.records) != 3 or args.output:
            print("qatui merge: --git takes exactly three files, %O %A %B (as git's merge driver), and no -o",
                  file=sys.stderr)
            return EXIT_REFUSED
        return _run_git(*args.records)
    if not args.output:
        print("qatui merge: say where to write the merged record: -o FILE", file=sys.stderr)
        return EXIT_REFUSED
    return _run_files(args.records, Path(args.output), force=args.force, env=getattr(args, "env_vars", None) or {})


def _load(path: str) -> tuple[Session, str]:
    """The session and the sha256 of the file's bytes."""
    from qatui.core.record.store import RecordFile

    record = RecordFile(path)
    session = record.load()
    assert record.stamp is not None  # set by load
    return session, record.stamp.sha256


def source_name(record: Path, output: Path) -> str:
    """How the merged record names a record it was made from: relative to its own folder (so
    `qatui report` finds it beside the merged record), with `/` on every system."""
    try:
        relative = os.path.relpath(record.resolve(), output.resolve().parent)
    except ValueError:  # another drive (Windows)
        relative = str(record.resolve())
    return Path(relative).as_posix()


def _run_files(paths: Sequence[str], output: Path, *, force: bool, env: Mapping[str, str]) -> int:
    from qatui import __version__
    from qatui.core.fsutil import write_atomic
    from qatui.core.record.merge import MergeRefused, merge
    from qatui.core.record.render import render_bytes
    from qatui.core.session import SourceRef

    output_is_input = any(_same_file(Path(path), output) for path in paths)
    if output.exists() and not output_is_input and not force:
        print(f"qatui merge: {output} exists and is not one of the records merged; name it among the "
              "records to merge into it (the decisions in it are kept), or --force to replace it",
              file=sys.stderr)
        return EXIT_REFUSED
    sessions: list[Session] = []
    sources: list[SourceRef | None] = []
    try:
        for path in paths:
            session, digest = _load(path)
            if not session.sources and _same_file(Path(path), output):
                from qatui.core.text import inert

                owner = inert(session.tester, one_line=True) or "a tester"
                print(f"qatui merge: {path} is {owner}'s own record, not a merged one; "
                      "write the merged record to another file (-o)", file=sys.stderr)
                return EXIT_REFUSED
            sessions.append(session)
            # A merged record is listed by what it was made from, not by itself.
            sources.append(None if session.sources else
                           SourceRef(source_name(Path(path), output), digest, session.tester))
        result = merge(sessions, names=list(paths), sources=sources, order=_checklist_order(sessions, paths, env),
                       qatui_version=__version__)
    except MergeRefused as error:
        print(f"qatui merge: {error.title}: {error.message}", file=sys.stderr)
        return EXIT_REFUSED
    except QatuiError as error:
        print(f"qatui merge: {error.message}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        write_atomic(output, render_bytes(result.session))
    except OSError as error:
        print(f"qatui merge: cannot write {output}: {error.strerror or error}", file=sys.stderr)
        return EXIT_REFUSED
    print(format_summary(result, list(zip(paths, sessions, strict=True)), str(output)))
    return EXIT_CONFLICTS if result.conflicts else EXIT_CLEAN


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _checklist_order(
    sessions: Sequence[Session], paths: Sequence[str], env: Mapping[str, str]
) -> list[tuple[str, list[str]]]:
    """The checklist's order of sections and items, when the records cover different parts and
    the checklist they name is at hand (same content hash); else none (the records' own order)."""
    first = [(s.id, [i.id for i in s.items]) for s in sessions[0].sections]
    if all([(s.id, [i.id for i in s.items]) for s in session.sections] == first for session in sessions[1:]):
        return []
    head = sessions[0]
    if not head.checklist_path or not head.checklist_hash:
        return []
    candidates = [Path(head.checklist_path)]
    for path in paths:
        folder = Path(path).resolve().parent
        candidates.extend(parent / head.checklist_path for parent in (folder, *folder.parents))
    from qatui.core.checklist_cache import load_checklist

    for candidate in candidates:
        if not candidate.is_file():
            continue
        try:
            checklist = load_checklist(candidate, env=env)
        except (QatuiError, OSError):
            continue
        if checklist.content_hash == head.checklist_hash:
            return [(section.id, [item.id for item in section.items]) for section in checklist.sections]
    return []


def _run_git(base_path: str, ours_path: str, theirs_path: str) -> int:
    """The git merge driver: %O %A %B, result into %A."""
    from qatui import __version__
    from qatui.core.fsutil import write_atomic
    from qatui.core.record.merge import merge
    from qatui.core.record.render import render_bytes

    base: Session | None = None
    try:
        ours, _ = _load(ours_path)
        theirs, _ = _load(theirs_path)
        if Path(base_path).is_file() and Path(base_path).stat().st_size:
            try:
                base, _ = _load(base_path)
            except QatuiError:
                base = None  # no usable common ancestor (an add/add merge): a two-way merge
        result = merge([ours, theirs], names=["ours", "theirs"], base=base, qatui_version=__version__)
    except QatuiError as error:
        print(f"qatui merge (git driver): {error.title}: {error.message}; the file is left as ours",
              file=sys.stderr)
        return EXIT_REFUSED
    try:
        write_atomic(Path(ours_path), render_bytes(result.session))
    except OSError as error:
        print(f"qatui merge (git driver): cannot write the result: {error.strerror or error}", file=sys.stderr)
        return EXIT_REFUSED
    print(format_summary(result, [("ours", ours), ("theirs", theirs)], ours_path, git=True))
    return EXIT_CONFLICTS if result.conflicts else EXIT_CLEAN


def format_summary(result: MergeResult, inputs: Sequence[tuple[str, Session]], output: str, *,
                   git: bool = False) -> str:
    """What the merge did, for the person who ran it (plain text, control characters inert)."""
    from qatui.core.record.merge import verdict_words
    from qatui.core.text import inert

    session = result.session
    lines: list[str] = []
    what = "merged ours and theirs" if git else f"merged {len(inputs)} record(s)"
    lines.append(f"{what} of {session.title!r} (version {session.checklist_version or '—'}, "
                 f"environment {session.environment}) into {output}")
    if not git:
        for name, record in inputs:
            worked = sum(1 for item in record.items() if item.status.value != "untested" or item.history)
            lines.append(f"  {name}: {record.tester or '—'}, {worked} of {len(record.items())} item(s) worked")
    if result.by_tester:
        lines.append("items with a verdict, by tester: "
                     + ", ".join(f"{tester or '—'} {count}" for tester, count in result.by_tester.items()))
    total = len(session.items())
    untested = sum(1 for item in session.items() if item.status.value == "untested" and not item.conflict)
    lines.append(f"{total} item(s) in the merged record, {untested} untested")
    if result.conflicts:
        lines.append(f"conflicts ({len(result.conflicts)}) — testers gave different verdicts; a new verdict "
                     "decides each (open the record in qatui):")
        for conflict in result.conflicts:
            lines.append(f"  {conflict.item_id} — {conflict.title} ({conflict.priority.value}): "
                         f"{verdict_words(conflict.verdicts)}")
    else:
        lines.append("no conflicts")
    for warning in result.warnings:
        lines.append(f"warning: {warning}")
    return "\n".join(inert(line, one_line=True) for line in lines)

