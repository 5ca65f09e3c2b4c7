from pathlib import Path

from members.access import PERMISSIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "access.md"


def test_access_doc_lists_every_permission():
    text = DOC.read_text(encoding="utf-8")
    missing = [code for code in PERMISSIONS if f"`{code}`" not in text]
    assert missing == [], "add these to docs/access.md"


def test_organisation_doc_has_the_contact_correction_table():
    from members.contact import CONTACT
    from union_office.workflow import markdown_table

    text = (Path(__file__).resolve().parents[2] / "docs" / "organisation.md").read_text(encoding="utf-8")
    assert markdown_table(CONTACT) in text
