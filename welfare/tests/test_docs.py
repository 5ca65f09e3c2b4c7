"""docs/welfare.md shows the workflow tables generated from the code; this keeps them together."""

from pathlib import Path

from union_office.workflow import markdown_table
from welfare.services.aid import AID
from welfare.services.campaign import STUDENT

DOC = Path(__file__).resolve().parents[2] / "docs" / "welfare.md"


def test_the_aid_table_in_the_docs_is_the_code_table():
    assert markdown_table(AID) in DOC.read_text(encoding="utf-8")


def test_the_campaign_table_in_the_docs_is_the_code_table():
    assert markdown_table(STUDENT) in DOC.read_text(encoding="utf-8")
