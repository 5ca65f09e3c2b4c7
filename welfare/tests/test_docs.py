"""docs/welfare.md draws the workflow table from the code; this keeps them together."""

from pathlib import Path

from welfare.workflow import TRANSITIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "welfare.md"


def test_every_transition_is_in_the_docs():
    text = DOC.read_text(encoding="utf-8")
    for t in TRANSITIONS:
        sources = ", ".join(str(s.label) for s in t.sources)
        assert f"| {t.action} {t.label} | {sources} | {t.target.label} |" in text, t.action
