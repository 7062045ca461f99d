"""`qatui completion bash|zsh|fish`: a shell completion script made from the parser itself.

The script is generated from the same argparse parser that parses the command line, so a new
command or option completes the day it is added, and no list can drift from `--help`. What
each word completes to is decided once, in `Shape`: the commands (with their one-line help),
each command's options, the choices of an option that has them (`--format text|json`), and
file names where a file is expected (a checklist, a record, `--record PATH`, `-o FILE.yaml`).
A first word that is not a command is a checklist for `open` (as on the command line), so
`qatui <tab>` offers the commands and the files.

Install: `source <(qatui completion bash)` in `~/.bashrc`; for zsh, the same line after
`compinit` in `~/.zshrc`; for fish, `qatui completion fish > ~/.config/fish/completions/qatui.fish`.
No dependency: the scripts use each shell's own completion system.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

SHELLS = ("bash", "zsh", "fish")

#: Arguments that name a file: positional destinations and option metavars.
FILE_DESTS = frozenset({"checklist", "record", "file", "files", "baseline", "against", "output"})


@dataclass(frozen=True)
class Option:
    """One option of a command as the completion scripts offer it: its spellings, help and values."""

    flags: tuple[str, ...]  # every spelling: ("-e", "--env")
    help: str
    takes_value: bool
    choices: tuple[str, ...] = ()
    file: bool = False


@dataclass(frozen=True)
class Command:
    """One subcommand as the completion scripts offer it: its name, help, options and whether it takes files."""

    name: str
    help: str
    options: tuple[Option, ...]
    file_args: bool  # its positional arguments are files


@dataclass(frozen=True)
class Shape:
    """What the command line accepts, as completion needs it."""

    top: tuple[Option, ...]
    commands: tuple[Command, ...] = field(default_factory=tuple)

    def command(self, name: str) -> Command:
        return next(command for command in self.commands if command.name == name)


def register(parser: argparse.ArgumentParser, env: Mapping[str, str]) -> None:
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    parser.epilog = (
        "install: bash: `source <(qatui completion bash)` in ~/.bashrc; zsh: the same line after "
        "compinit in ~/.zshrc; fish: `qatui completion fish > ~/.config/fish/completions/qatui.fish`"
    )


def run(args: argparse.Namespace) -> int:
    from qatui.cli import build_parser

    shape = shape_of(build_parser(getattr(args, "env_vars", None) or {}))
    sys.stdout.write(SCRIPTS[args.shell](shape))
    return 0


# ------------------------------------------------------------------ the parser, read


def _options(parser: argparse.ArgumentParser) -> tuple[Option, ...]:
    found = []
    for action in parser._actions:  # argparse keeps no public list (pinned by a canary test)
        if not action.option_strings or action.help == argparse.SUPPRESS:
            continue
        takes_value = action.nargs != 0
        dest = (action.metavar if isinstance(action.metavar, str) else "") or action.dest
        found.append(Option(
            flags=tuple(action.option_strings),
            help=(action.help or "").split("(")[0].strip().replace("%%", "%"),
            takes_value=takes_value,
            choices=tuple(str(choice) for choice in action.choices or ()),
            file=takes_value and (action.dest in FILE_DESTS or dest.upper() in ("PATH", "OLD.MD", "FILE.YAML")),
        ))
    return tuple(found)


def shape_of(parser: argparse.ArgumentParser) -> Shape:
    subparsers = next(
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    helps = {choice.dest: choice.help or "" for choice in subparsers._choices_actions}
    commands = []
    for name, sub in subparsers.choices.items():
        positionals = [action for action in sub._actions if not action.option_strings]
        commands.append(Command(
            name=name,
            help=helps.get(name, ""),
            options=_options(sub),
            file_args=any(action.dest in FILE_DESTS for action in positionals),
        ))
    return Shape(top=_options(parser), commands=tuple(commands))


# ------------------------------------------------------------------ bash


def _words(values: list[str] | tuple[str, ...]) -> str:
    return " ".join(values)


def bash(shape: Shape) -> str:
    """A `complete -F` function: the command is the first word after `qatui` that is not an
    option (a word that is no command means `open`); the word before the cursor says whether
    an option's value is being typed."""
    cases = []
    for command in shape.commands:
        values = []
        for option in command.options:
            if not option.takes_value:
                continue
            pattern = "|".join(option.flags)
            if option.choices:
                values.append(f'            {pattern}) COMPREPLY=($(compgen -W "{_words(option.choices)}" -- "$cur")); return;;')
            elif option.file:
                values.append(f"            {pattern}) _qatui_files; return;;")
            else:
                values.append(f"            {pattern}) return;;")
        flags = _words([flag for option in command.options for flag in option.flags])
        rest = "_qatui_files" if command.file_args else "return"
        cases.append("\n".join([
            f"    {command.name})",
            *(['        case "$prev" in', *values, "        esac"] if values else []),
            f'        if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "{flags}" -- "$cur")); return; fi',
            f"        {rest};;",
        ]))
    names = _words([command.name for command in shape.commands])
    top = _words([flag for option in shape.top for flag in option.flags])
    return f"""# qatui completion for bash, made by `qatui completion bash` from qatui's own parser.
# Install: source <(qatui completion bash)   (in ~/.bashrc)
_qatui_files() {{
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
}}
_qatui() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local command="" i
    COMPREPLY=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${{COMP_WORDS[i]}}" in
            -*) ;;
            *) command="${{COMP_WORDS[i]}}"; break;;
        esac
    done
    if [[ -z "$command" ]]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "{top} $(_qatui_open_flags)" -- "$cur"))
        else
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -W "{names}" -- "$cur") $(compgen -f -- "$cur"))
        fi
        return
    fi
    case " {names} " in
        *" $command "*) ;;
        *) command=open;;
    esac
    case "$command" in
{chr(10).join(cases)}
    esac
}}
_qatui_open_flags() {{
    echo "{_words([flag for option in shape.command('open').options for flag in option.flags])}"
}}
complete -F _qatui qatui
"""


# ------------------------------------------------------------------ zsh


def _zsh_quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace("'", "'\\''").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")


def _zsh_specs(options: tuple[Option, ...]) -> list[str]:
    specs = []
    for option in options:
        help_text = _zsh_quote(option.help)
        if option.takes_value:
            if option.choices:
                action = f":value:({' '.join(option.choices)})"
            elif option.file:
                action = ":file:_files"
            else:
                action = ":value: "
        else:
            action = ""
        flags = option.flags
        if len(flags) > 1:
            exclusive = " ".join(flags)
            specs.append(f"'({exclusive})'{{{','.join(flags)}}}'[{help_text}]{action}'")
        else:
            specs.append(f"'{flags[0]}[{help_text}]{action}'")
    return specs


def zsh(shape: Shape) -> str:
    """`_arguments` specs per command; the state machine hands the words after the command
    to that command's specs (`*:: :->args`), as zsh's own completions for git-like tools do."""
    described = "\n".join(f"        '{command.name}:{_zsh_quote(command.help)}'" for command in shape.commands)
    cases = []
    for command in shape.commands:
        specs = _zsh_specs(command.options)
        if command.file_args:
            specs.append("'*:file:_files'")
        cases.append(f"        {command.name})\n            _arguments -s {' '.join(specs)};;")
    open_specs = " ".join(_zsh_specs(shape.command("open").options))
    return f"""#compdef qatui
# qatui completion for zsh, made by `qatui completion zsh` from qatui's own parser.
# Install: source <(qatui completion zsh)   (in ~/.zshrc, after compinit)
_qatui() {{
    local curcontext="$curcontext" state line
    local -a commands
    commands=(
{described}
    )
    _arguments -C '(- *)'{{-V,--version}}'[show the version]' '(- *)'{{-h,--help}}'[show help]' \\
        '1: :->command' '*:: :->args'
    case $state in
    command)
        _describe -t commands 'qatui command' commands
        _files;;
    args)
        case $line[1] in
{chr(10).join(cases)}
        *)
            _arguments -s {open_specs};;
        esac;;
    esac
}}
if [[ "$funcstack[1]" = "_qatui" ]]; then
    _qatui "$@"
else
    compdef _qatui qatui
fi
"""


# ------------------------------------------------------------------ fish


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_option(condition: str, option: Option) -> str:
    parts = ["complete -c qatui", f"-n {_fish_quote(condition)}"]
    for flag in option.flags:
        parts.append(f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1:]}")
    if option.takes_value:
        if option.choices:
            parts.append(f"-x -a {_fish_quote(' '.join(option.choices))}")
        elif option.file:
            parts.append("-r -F")
        else:
            parts.append("-x")
    parts.append(f"-d {_fish_quote(option.help)}")
    return " ".join(parts)


def fish(shape: Shape) -> str:
    """`complete -c qatui` lines, each guarded by the command it belongs to."""
    names = " ".join(command.name for command in shape.commands)
    lines = [
        "# qatui completion for fish, made by `qatui completion fish` from qatui's own parser.",
        "# Install: qatui completion fish > ~/.config/fish/completions/qatui.fish",
        "complete -c qatui -e",
        "complete -c qatui -f",
    ]
    first = "__fish_use_subcommand"
    for option in shape.top:
        lines.append(_fish_option(first, option))
    for command in shape.commands:
        lines.append(f"complete -c qatui -n {first} -a {command.name} -d {_fish_quote(command.help)}")
    lines.append(f"complete -c qatui -n {first} -F")  # a checklist opens with no command
    for command in shape.commands:
        condition = f"__fish_seen_subcommand_from {command.name}"
        if command.name == "open":  # also after a checklist given without a command
            condition = f"not __fish_seen_subcommand_from {names}; and not {first}"
            for option in command.options:
                lines.append(_fish_option("__fish_seen_subcommand_from open", option))
        for option in command.options:
            lines.append(_fish_option(condition, option))
        if command.file_args:
            lines.append(f"complete -c qatui -n {_fish_quote(condition)} -F")
    return "\n".join(lines) + "\n"


SCRIPTS = {"bash": bash, "zsh": zsh, "fish": fish}
