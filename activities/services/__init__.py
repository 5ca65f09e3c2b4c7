"""Every write of activities that has a rule: events, sign-ups, groups and money.

Each function takes keyword-only arguments, runs in one transaction, locks what it changes (the
event row first, then sign-ups), checks the state, writes, records an audit entry and schedules its
side effects on commit. A refused move raises ActivityError with a message the user can read.
"""

from .common import ActivityError
from .events import event_create, event_transition, event_update, result_record, sub_event_add
from .groups import group_create, group_join, group_leave, group_plan_save, group_plan_transition
from .money import expense_book, policy_findings, policy_rule_create, policy_rule_delete, policy_rule_update
from .schedules import schedule_create, schedule_skip, schedule_unskip
from .signups import check_in, ineligibility_reason, item_enter, item_withdraw, signup_cancel, signup_create

__all__ = [
    "ActivityError",
    "check_in",
    "event_create",
    "event_transition",
    "event_update",
    "expense_book",
    "group_create",
    "group_join",
    "group_leave",
    "group_plan_save",
    "group_plan_transition",
    "ineligibility_reason",
    "item_enter",
    "item_withdraw",
    "policy_findings",
    "policy_rule_create",
    "policy_rule_delete",
    "policy_rule_update",
    "result_record",
    "schedule_create",
    "schedule_skip",
    "schedule_unskip",
    "signup_cancel",
    "signup_create",
    "sub_event_add",
]
