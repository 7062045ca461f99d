"""A tester's part of a checklist: which items `--only`, `--section`, `--tag` or `assign:` choose.

A release checklist of a hundred items is worked by several people; each opens only their part
and writes a record of only that part, under their own name, so two testers never write the
same file. Both faces ask this module: the screen (`qatui CHECKLIST --only critical`) and
`qatui probe` (`--only critical --section api`), so the same options choose the same items in
both, and the record says which part it covers (`Session.part`, written in the record header).

The rules, in one place:

* within one option the names are alternatives (`--section api,websockets`: either section);
  across options they narrow (`--only critical --tag channels`: critical items tagged channels);
* a name that is no priority, section or tag of the checklist is a usage error with the nearest
  spelling, never an empty part that looks like a finished one;
* with none of the three options, a tester who is named in the checklist's `assign:` gets the
  items assigned to them (an item's own entry wins over its section's), and the screen says so;
  `everything=True` (`--all`) opens the whole checklist anyway;
* a part that holds no item is an error that says which options emptied it.

A record's part is a list of specs read as their union: a merged record covers the parts of
the records it was made from (`union`), and an empty list means the whole checklist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from qatui.core.checklist import PRIORITY_SYNONYMS, Checklist, Item, Priority, Section
from qatui.core.datatypes import datatype
from qatui.core.errors import QatuiError
from qatui.core.session import (
    ItemResult,
    PartSpec,
    SectionResult,
    Session,
    describe_part,
    union_parts,
)
from qatui.core.suggest import did_you_mean


class PartError(QatuiError):
    """`--only`, `--section`, `--tag` name nothing in the checklist, or choose no item."""

    title = "No such part"


@datatype
class Choice:
    """What the options chose: the specs (empty: the whole checklist) and how they were chosen."""

    specs: list[PartSpec]
    #: True when no option was given and the part is what `assign:` gives the tester.
    by_assignment: bool = False

    @property
    def whole(self) -> bool:
        return not self.specs

    def describe(self) -> str:
        return describe(self.specs)


def words(text: str | Iterable[str] | None) -> list[str]:
    """`"api, websockets"` (or several such strings) → `["api", "websockets"]`, order kept."""
    if text is None:
        return []
    parts = [text] if isinstance(text, str) else list(text)
    found: list[str] = []
    for part in parts:
        for word in part.split(","):
            word = word.strip()
            if word and word not in found:
                found.append(word)
    return found


def priority_word(word: str) -> Priority | None:
    """`critical`, `Crit`, `p0`, `nice-to-have` … → the priority; None for another word."""
    return PRIORITY_SYNONYMS.get(word.strip().lower())


def owner(checklist: Checklist, item: Item) -> str:
    """Who `assign:` gives `item` to: its own entry, else its section's; "" for nobody."""
    assign = checklist.assign
    return assign.get(item.id) or assign.get(item.section_id, "")


def same_tester(a: str, b: str) -> bool:
    """Names compared the way people type them: case and surrounding spaces do not count."""
    return a.strip().casefold() == b.strip().casefold() != ""


def assigned_items(checklist: Checklist, tester: str) -> list[str]:
    """Ids of the items `assign:` gives to `tester`, in checklist order."""
    if not tester.strip() or not checklist.assign:
        return []
    return [item.id for item in checklist.items() if same_tester(owner(checklist, item), tester)]


def choose(
    checklist: Checklist,
    *,
    only: str | Iterable[str] | None = None,
    sections: str | Iterable[str] | None = None,
    tags: str | Iterable[str] | None = None,
    tester: str = "",
    everything: bool = False,
) -> Choice:
    """The part the options choose for `tester` (see the module docstring). Raises `PartError`
    for a name the checklist does not have or a part without items."""
    spec = spec_from_options(checklist, only=only, sections=sections, tags=tags)
    if spec is not None:
        if everything:
            raise PartError("--all opens the whole checklist; leave out --only, --section and --tag with it",
                            title="--all with a part")
        _require_items(checklist, spec)
        return Choice([spec])
    if not everything and assigned_items(checklist, tester):
        return Choice([PartSpec(assigned=_assignee_spelling(checklist, tester))], by_assignment=True)
    return Choice([])


def spec_from_options(
    checklist: Checklist,
    *,
    only: str | Iterable[str] | None = None,
    sections: str | Iterable[str] | None = None,
    tags: str | Iterable[str] | None = None,
) -> PartSpec | None:
    """The spec the three options describe, each name checked; None when none was given."""
    priorities = [_priority(checklist, word) for word in words(only)]
    section_ids = [_section(checklist, word) for word in words(sections)]
    tag_names = [_tag(checklist, word) for word in words(tags)]
    if not (priorities or section_ids or tag_names):
        return None
    return PartSpec(
        priorities=tuple(dict.fromkeys(p.value for p in priorities)),
        sections=tuple(section_ids),
        tags=tuple(tag_names),
    )


def _priority(checklist: Checklist, word: str) -> Priority:
    found = priority_word(word)
    if found is not None:
        return found
    hint = did_you_mean(word, [p.value for p in Priority])
    if not hint and any(section.id == word for section in checklist.sections):
        hint = f" ({word!r} is a section: use --section {word})"
    raise PartError(
        f"--only takes priorities (critical, important, nice), not {word!r}{hint}",
        title="Unknown priority",
    )


def _section(checklist: Checklist, word: str) -> str:
    ids = [section.id for section in checklist.sections]
    if word in ids:
        return word
    lowered = {section_id.casefold(): section_id for section_id in ids}
    if word.casefold() in lowered:
        return lowered[word.casefold()]
    raise PartError(
        f"the checklist has no section {word!r}{did_you_mean(word, ids)}; its sections: {', '.join(ids) or 'none'}",
        title="Unknown section",
    )


def _tag(checklist: Checklist, word: str) -> str:
    known = sorted({tag for item in checklist.items() for tag in item.tags})
    if word in known:
        return word
    lowered = {tag.casefold(): tag for tag in known}
    if word.casefold() in lowered:
        return lowered[word.casefold()]
    listed = ", ".join(known) if known else "none (items take `tags: [name, …]`)"
    raise PartError(
        f"no item has the tag {word!r}{did_you_mean(word, known)}; the tags in this checklist: {listed}",
        title="Unknown tag",
    )


def _assignee_spelling(checklist: Checklist, tester: str) -> str:
    """The name as the checklist writes it (`assign: {api: Ben}` and `--tester ben` → Ben)."""
    for name in checklist.assign.values():
        if same_tester(name, tester):
            return name
    return tester.strip()


def _require_items(checklist: Checklist, spec: PartSpec) -> None:
    if not any(matches(checklist, spec, section, item) for section in checklist.sections for item in section.items):
        raise PartError(f"no item is {describe([spec])}: the options together choose nothing",
                        title="Empty part")


def matches(checklist: Checklist, spec: PartSpec, section: Section, item: Item) -> bool:
    """Whether `item` (of `section`) is in the part `spec` describes."""
    if spec.priorities and section.priority.value not in spec.priorities:
        return False
    if spec.sections and section.id not in spec.sections:
        return False
    if spec.tags and not any(tag in spec.tags for tag in item.tags):
        return False
    return not spec.assigned or same_tester(owner(checklist, item), spec.assigned)


def item_ids(checklist: Checklist, specs: Iterable[PartSpec]) -> set[str]:
    """Ids of the items in the union of `specs`; every item for no spec (the whole checklist)."""
    specs = list(specs)
    return {
        item.id
        for section in checklist.sections
        for item in section.items
        if not specs or any(matches(checklist, spec, section, item) for spec in specs)
    }


def narrow(checklist: Checklist, keep: set[str]) -> Checklist:
    """The checklist with only the items in `keep` (sections without one are left out); every
    other field, its content hash included, is the checklist's own, so a part's record is a
    record of this checklist and version."""
    sections = [
        replace(section, items=kept)
        for section in checklist.sections
        if (kept := [item for item in section.items if item.id in keep])
    ]
    return replace(checklist, sections=sections)


def for_screen(checklist: Checklist, specs: list[PartSpec], record_items: Iterable[str] = ()) -> Checklist:
    """The checklist the screen shows: the part's items and the items the record already holds
    (a record resumed with another part, or a merged one, keeps every item it has: nothing a
    tester ticked disappears from view). No spec and no record: the whole checklist."""
    held = set(record_items)
    if not specs and not held:
        return checklist
    keep = item_ids(checklist, specs) if specs else set()
    return narrow(checklist, keep | held)


def widen(session: Session, checklist: Checklist) -> list[str]:
    """Add to `session`, untested and in the checklist's order, the items of `checklist` (a
    narrowed one) it lacks; the ids added. A record resumed with a wider part grows, and never
    loses an item it holds (items the checklist lacks stay where they were)."""
    have = {item.id for item in session.items()}
    added: list[str] = []
    by_id = {section.id: section for section in session.sections}
    order = {section.id: index for index, section in enumerate(checklist.sections)}
    for section in checklist.sections:
        missing = [item for item in section.items if item.id not in have]
        if not missing:
            continue
        result = by_id.get(section.id)
        if result is None:
            result = SectionResult(id=section.id, title=section.title, priority=section.priority)
            by_id[section.id] = result
            session.sections.append(result)
        positions = {item.id: index for index, item in enumerate(section.items)}
        for item in missing:
            result.items.append(ItemResult(id=item.id, title=item.title, fingerprint=item.fingerprint()))
            added.append(item.id)
        result.items.sort(key=lambda entry: positions.get(entry.id, len(positions)))
    if added:
        session.sections.sort(key=lambda entry: order.get(entry.id, len(order)))
    return added


def union(*parts: list[PartSpec]) -> list[PartSpec]:
    """The part a merge of records covers (`session.union_parts`, which the team merge uses)."""
    return union_parts(*parts)


def describe(specs: Iterable[PartSpec]) -> str:
    """`critical · sections api, websockets`; see `session.describe_part`."""
    return describe_part(specs)


def options_of(spec: PartSpec) -> list[str]:
    """The command-line options that choose `spec` again (`--only critical --section api`)."""
    args: list[str] = []
    if spec.priorities:
        args += ["--only", ",".join(spec.priorities)]
    if spec.sections:
        args += ["--section", ",".join(spec.sections)]
    if spec.tags:
        args += ["--tag", ",".join(spec.tags)]
    return args


@datatype
class Opening:
    """What a face opens for a tester: the checklist it shows (narrowed to the part and the
    record's own items), the part the record covers, and how the part was chosen."""

    checklist: Checklist
    part: list[PartSpec]
    choice: Choice


def opening(full: Checklist, choice: Choice, record: Session | None = None) -> Opening:
    """The checklist and the record's part when `choice` opens on `record` (None: a new one).

    A new record covers the chosen part. A record that covers the whole checklist stays whole.
    A part record opened with another part grows to cover both (its items stay: a resumed or
    merged record never hides what it holds); opened with none, it keeps its own part.
    """
    if record is None:
        return Opening(for_screen(full, choice.specs), list(choice.specs), choice)
    if not record.part:
        return Opening(full, [], choice)
    held = [item.id for item in record.items()]
    asked = [] if choice.by_assignment else choice.specs  # a record keeps its own part by default
    part = union(record.part, asked) if asked else list(record.part)
    return Opening(for_screen(full, part, held), part, choice)


def cover(session: Session, opened: Opening) -> bool:
    """Make `session` say the part it covers and hold every item the opened checklist shows
    (added untested); whether it changed (the caller saves)."""
    changed = session.part != opened.part
    session.part = list(opened.part)
    return bool(widen(session, opened.checklist)) or changed
