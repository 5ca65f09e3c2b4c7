"""Welfare models, one module per area: attachments (private uploads), hardship files, aid
applications, 慰问 visits. A 金秋助学 campaign module joins them as campaign.py."""

from .aid import AidApplication, AidKind, AidState, AidStep, Objection
from .attachments import Attachment
from .campaign import (
    Campaign,
    CampaignTier,
    StudentApplication,
    StudentObjection,
    StudentPayment,
    StudentState,
)
from .hardship import FamilyMember, FileEvent, HardshipCause, HardshipFile, HardshipLevel, HardshipStatus
from .visits import Visit, VisitCause, VisitKind, VisitRule, causes_of

__all__ = [
    "AidApplication",
    "AidKind",
    "AidState",
    "AidStep",
    "Attachment",
    "Campaign",
    "CampaignTier",
    "StudentApplication",
    "StudentObjection",
    "StudentPayment",
    "StudentState",
    "FamilyMember",
    "FileEvent",
    "HardshipCause",
    "HardshipFile",
    "HardshipLevel",
    "HardshipStatus",
    "Objection",
    "Visit",
    "causes_of",
    "VisitCause",
    "VisitKind",
    "VisitRule",
]
