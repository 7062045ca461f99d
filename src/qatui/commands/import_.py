"""`qatui import FILE.md [-o FILE.yaml]` — turn a plain Markdown checklist into qatui YAML.

The YAML goes to stdout (so it can be piped or redirected) unless `-o` names a file; an
existing file is never overwritten without `--force`, because the YAML is what people edit by
hand after an import. A summary (sections per priority, items, probes, what was already ticked,
the environment variables that replace literal passwords, commands not kept exactly as written,
task boxes against items) goes to stderr so it never mixes with the YAML. The output is loaded back through the YAML
loader before it is written: an import that would not validate is reported, not saved.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from qatui.core.errors import QatuiError

if TYPE_CHECKING:
    from qatui.core.markdown_import import ImportReport


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    parser.add_argument("file", metavar="FILE.md", help="a Markdown checklist with `- [ ]` task boxes")
    parser.add_argument("-o", "--output", metavar="FILE.yaml", help="write the YAML here instead of stdout")
    parser.add_argument("--force", action="store_true", help="overwrite the output file if it exists")
    from qatui.commands._common import env_help

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = env_help(
        "no QATUI_* variable applies",
        "exit status: 0 imported, 1 not imported (or the output exists), 2 no such file",
    )


def run(args: argparse.Namespace) -> int:
    from qatui.commands._common import write_utf8
    from qatui.core.errors import ChecklistError
    from qatui.core.files import refusal
    from qatui.core.loader import load_checklist, summary
    from qatui.core.markdown_import import environment_names, import_markdown_report
    from qatui.core.yaml_writer import dump_checklist

    source = Path(args.file)
    if source.is_dir():
        print(f"qatui import: {source} is a folder, not a Markdown file", file=sys.stderr)
        return 1
    refused = refusal(source)  # a shell's pipe (`<(…)`, /dev/stdin) is read, up to the size limit
    if refused is not None:  # a named FIFO, a device, a socket, a link loop: said, never opened
        print(f"qatui import: {source}: {refused.reason}", file=sys.stderr)
        return 2 if refused.missing else 1
    output = Path(args.output) if args.output else None
    if output is not None and output.is_dir():
        print(f"qatui import: -o {output} is a folder; name the YAML file to write", file=sys.stderr)
        return 1
    if output is not None and output.exists() and not args.force:
        print(f"qatui import: {output} already exists; not overwriting it (add --force to replace it)",
              file=sys.stderr)
        return 1
    try:
        checklist, report = import_markdown_report(source)
    except ChecklistError as error:
        for problem in error.problems:
            print(problem, file=sys.stderr)
        return 1
    header = f"Imported by `qatui import` from {source.name}. Edit freely: this file is the checklist now."
    text = dump_checklist(checklist, header=header)

    from qatui.core.yamlpos import MAX_BYTES

    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        # not a bug to report: the Markdown was within the limit, its YAML is not (YAML spells
        # out ids, kinds and priorities a Markdown box leaves implicit)
        print(f"qatui import: the YAML for {source.name} would be {size / 1024 / 1024:.1f} MB, over the "
              f"{MAX_BYTES / 1024 / 1024:g} MB a checklist may be ({len(checklist.items())} items); "
              "split the Markdown into smaller checklists", file=sys.stderr)
        return 1
    # Prove the YAML loads before anyone relies on it. Shell variables of the Markdown's curl
    # lines (`$TOKEN`) become `${TOKEN}` read from the environment: they need not be set now.
    needed = environment_names(checklist)
    env: dict[str, str] = dict.fromkeys(needed, "") | dict(getattr(args, "env_vars", None) or os.environ)
    with tempfile.TemporaryDirectory(prefix="qatui-import-") as folder:
        probe_path = Path(folder) / "imported.yaml"
        probe_path.write_text(text, encoding="utf-8")
        try:
            loaded = load_checklist(probe_path, env=env)
        except ChecklistError as error:
            print("qatui import: the converted checklist does not validate (please report this):",
                  file=sys.stderr)
            for problem in error.problems:
                print(f"  {problem}", file=sys.stderr)
            return 1

    if output is None:
        write_utf8(text)
    else:
        try:
            _write(output, text)
        except OSError as error:
            raise QatuiError(f"cannot write {output}: {error.strerror or error}", title="Import failed") from error
    ticked = len(checklist.initial_status)
    where = f" → {output}" if output else ""
    print(f"imported {source}{where}", file=sys.stderr)
    print(summary(loaded), file=sys.stderr)
    if needed:
        print(f"its probes read these from the environment: {', '.join(needed)}", file=sys.stderr)
    for line in report_lines(report):
        print(line, file=sys.stderr)
    if ticked:
        print(f"{ticked} item(s) were already ticked [x] in the Markdown; they are listed in a "
              "comment at the top (a YAML checklist starts untested)", file=sys.stderr)
    return 0


def report_lines(report: ImportReport) -> list[str]:
    """What the import could not keep as written: secrets to set, commands kept differently,
    task boxes that did not become items (a count always, so "all of them" is said too)."""
    lines: list[str] = []
    if report.secrets:
        lines.append("literal passwords and tokens were moved out of the YAML; "
                     "set these before running its probes:")
        for found in report.secrets:
            why = f"; {found.remark}" if found.remark else ""
            lines.append(f"  {found.env}  (used as ${{{found.name}}}, from {found.where}{why})")
    if report.remarks:
        lines.append("notes on imported commands (what was kept as curl would send it, or not translated):")
        lines.extend(f"  {remark}" for remark in report.remarks)
    lines.append(f"{report.items} of {report.boxes} task boxes became items")
    lines.extend(f"  {dropped}" for dropped in report.dropped)
    return lines


def _write(path: Path, text: str) -> None:
    """Write through a temporary file in the same folder, so a failure leaves no half file."""
    folder = path.parent if str(path.parent) else Path(".")
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
