"""Secrets masked out of every free text of a session or a probe result.

Split out of `recorder.py`: the `Recorder` masks each text as it is stored; these helpers
mask what arrives whole (a session handed over from elsewhere, a probe's results), so a
secret a probe echoes never reaches the record.
"""

from __future__ import annotations

from dataclasses import replace

from qatui.core.secrets import Masker
from qatui.core.session import ProbeResult, Session
from qatui.core.text import inert


def mask_probe(result: ProbeResult, masker: Masker) -> ProbeResult:
    def mask(text: str) -> str:
        return inert(masker.mask(text))

    return replace(
        result,
        summary=mask(result.summary),
        explanation=mask(result.explanation),
        detail=mask(result.detail),
        captures={name: mask(value) for name, value in result.captures.items()},
        where=mask(result.where),
    )


def mask_session(session: Session, masker: Masker) -> None:
    """Mask every free text already in a session (one handed over from elsewhere)."""

    def mask(text: str) -> str:
        return inert(masker.mask(text))

    session.tester = mask(session.tester)
    session.host, session.target = mask(session.host), mask(session.target)
    session.build, session.commit = mask(session.build), mask(session.commit)
    session.description = mask(session.description)
    session.notes = [replace(note, title=mask(note.title), text=mask(note.text)) for note in session.notes]
    session.facts = {mask(k): mask(v) for k, v in session.facts.items()}
    for item in session.items():
        if item.note:
            item.note = mask(item.note)
        item.evidence = [
            replace(evidence, text=mask(evidence.text), source=mask(evidence.source))
            for evidence in item.evidence
        ]
        item.probes = [mask_probe(result, masker) for result in item.probes]
        if item.history:
            item.history = [
                replace(entry, tester=mask(entry.tester), note=mask(entry.note)) for entry in item.history
            ]
    for metric in session.metrics:
        metric.notes = mask(metric.notes)
    if session.signoff is not None:
        signoff = session.signoff
        session.signoff = replace(
            signoff,
            name=mask(signoff.name),
            role=mask(signoff.role),
            meaning=mask(signoff.meaning),
            comment=mask(signoff.comment),
        )
