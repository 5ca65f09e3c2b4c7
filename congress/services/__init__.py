"""Every write of the congress app that has a rule (STYLE.md: services).

Each function takes keyword-only arguments, runs in one transaction, locks what it changes (the
session row before any motion row; motion rows in ascending pk), checks the state against
congress/workflow.py, writes, and records an audit entry in the same transaction. An illegal move
raises CongressError with a message the user can read.
"""

from .common import CongressError, motion_step
from .compilations import compilation_request, compilation_run
from .handling import motion_assign, motion_close, motion_rate, motion_reply, motion_set_flags
from .motions import (
    cosigner_confirm,
    cosigner_decline,
    cosigners_invite,
    motion_create,
    motion_merge,
    motion_move,
    motion_register,
    motion_reject,
    motion_update,
    suggestion_adopt,
    suggestion_answer,
    suggestion_create,
)
from .sessions import delegates_import, session_save
from .votes import ballot_cast, ballot_close, ballot_create, ballot_open

__all__ = [
    "CongressError",
    "ballot_cast",
    "ballot_close",
    "ballot_create",
    "ballot_open",
    "compilation_request",
    "compilation_run",
    "cosigner_confirm",
    "cosigner_decline",
    "cosigners_invite",
    "delegates_import",
    "motion_assign",
    "motion_close",
    "motion_create",
    "motion_merge",
    "motion_move",
    "motion_rate",
    "motion_register",
    "motion_reject",
    "motion_reply",
    "motion_set_flags",
    "motion_step",
    "motion_update",
    "session_save",
    "suggestion_adopt",
    "suggestion_answer",
    "suggestion_create",
]
