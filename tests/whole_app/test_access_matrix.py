"""The access matrix: every URL of the project, as every persona, on their own unit and another one.

One test per URL name. Each calls the view (GET, and POST for a write; the body is empty or the
minimum a view needs before it decides — the form is not what is tested, the access decision is)
as anonymous and as each persona of members.models.Role, on an object of the personas' own
school and on the same kind of object of the hospital (tests/whole_app/world.py), and compares
the outcome with TABLE below. Rules asserted for every URL (docs/access.md, DESIGN.md §1):

- no 500 anywhere;
- anonymous → the login page, except the PUBLIC views;
- another unit's object → 404 for everyone (we do not confirm it exists), whatever they may do
  at their own unit;
- a write to something one may only read → 403 (经审: read-only; the chair and 经审 on the books);
- the wrong method → 405;
- every HTML response carries the Content-Security-Policy header, and the pages that show
  personal data (NO_STORE) send Cache-Control: no-store;
- no text response and no log line shows a full 身份证号 (but the audited reveal);
- a URL name missing from TABLE fails, naming it: a new view is in the matrix the day it is routed.

Who calls what (about 1,800 requests, so the whole matrix stays fast on PostgreSQL): at the own
unit every persona where the roles make a difference (see `callers`), at the other unit one persona
per outcome they had at their own (`representatives`), anonymous once, the wrong method once.

Outcomes: "ok" (any 2xx/3xx other than the login redirect, and 400/409 for an empty form: the
request got past the access decision), "login", "403", "404", "405". A refusal that a service
reports as a message on a redirect (workflow state, "only the proposer may …") reads "ok" here;
those rules are tested in each app's own tests.
"""

from dataclasses import dataclass, field

import pytest

from . import sweep
from .world import PERSONA_ROLES

PERSONAS = tuple(PERSONA_ROLES)  # member, chair, committee, treasurer, auditor, women, motions, handler


@dataclass(frozen=True)
class Access:
    """Expected outcome per persona at their own unit, and at the other unit."""

    own: dict[str, str]
    other: dict[str, str] = field(default_factory=lambda: dict.fromkeys(PERSONAS, "404"))


def allow(*who: str, denied: str = "404", other: str = "404", **exceptions: str) -> Access:
    """`who` get through ("all": everyone); the rest get `denied`, except the personas named in
    `exceptions`. At the other unit everyone gets `other`: "404", or "own" (the same as at their
    own unit: a public page, a secret token), or "role-first" (the view refuses a persona without
    the role anywhere before it looks the object up: 403 wherever, nothing confirmed; 404 for the
    others)."""
    everyone = PERSONAS if who == ("all",) else who
    own = {p: "ok" if p in everyone else exceptions.get(p, denied) for p in PERSONAS}
    if other == "own":
        return Access(own, dict(own))
    if other == "role-first":
        return Access(own, {p: "403" if own[p] == "403" else "404" for p in PERSONAS})
    return Access(own, dict.fromkeys(PERSONAS, other))


# --- Access classes (docs/access.md's permission table, per kind of view) ---------------------
EVERYONE = allow("all")  # own account, own notifications, member-facing reads (they reach up)
LOGOUT = Access(dict.fromkeys(PERSONAS, "login"))  # logging out ends on the login page
ROSTER_READ = allow("chair", "committee", "treasurer", "auditor", "women")  # members.view_member
# members.change_member on a record: read-only roster roles 403, the rest do not see it (404).
ROSTER_WRITE = allow("chair", "committee", treasurer="403", auditor="403", women="403")
ROSTER_WRITE_NEW = allow("chair", "committee", denied="403")  # no object yet: decided by role
# members.manage_roles on a record (issuing a two-step enrolment code): the chair; roster readers 403.
ROSTER_MANAGE_ROLES = allow("chair", committee="403", treasurer="403", auditor="403", women="403")
ROSTER_EXPORT = allow("chair", "committee", "treasurer", "auditor", "women", denied="403")
# members.manage_roles: the organisation pages. The roster's read-only roles see the unit (403).
ORG_KEEP_ALL = allow("chair")  # the tree and the role overview: no object, hidden from the rest
ORG_KEEP = allow("chair", committee="403", treasurer="403", auditor="403", women="403")
CREATOR_ONLY = allow("chair")  # a roster export: its creator (the chair) only, 404 to anyone else
# Withdrawing a membership change is the requester's act (the world's was filed by another user).
REQUESTER_ONLY = allow(chair="403", committee="403", treasurer="403", auditor="403", women="403")
FINANCE_READ = allow("chair", "treasurer", "auditor")  # finance.view_ledger; hidden from the rest
FINANCE_WRITE = allow("treasurer", chair="403", auditor="403")  # finance.change_ledger
FINANCE_APPROVE = allow("chair", treasurer="403", auditor="403")  # finance.approve_budget
AUDIT_LOG = allow("chair", "auditor")  # audit.view_log: the 审计日志 page and its export; hidden from the rest
PRIVATE_WELFARE = allow("chair", "committee")  # welfare.view_aid: hardship files, applications
# 金秋 applications on 公示 or paid: also the treasurer of the union that pays them (issue 16).
WELFARE_PAYER = allow("chair", "committee", "treasurer")
# The printed 金秋 form: the paying treasurer reads the application but the form is the reviewers'.
WELFARE_PAYER_FORM = allow("chair", "committee", treasurer="403")
EVENTS_MANAGE = allow("chair", "committee", "women", denied="403")  # activities.manage_events
EVENTS_MANAGE_ROLE_FIRST = allow("chair", "committee", "women", denied="403", other="role-first")
# The rules pages (issue 21): organisers read them, the chair alone sets them. A stranger's rule is
# looked up only after the organiser check, so non-organisers get 403 wherever, organisers 404.
RULES_SET = Access(
    allow("chair", denied="403").own,
    {p: "404" if p in ("chair", "committee", "women") else "403" for p in PERSONAS},
)
EVENT_EXPENSE = allow("treasurer", denied="403")  # an event's spending is booked by the treasurer
GROUPS_APPROVE = allow("chair", "committee", denied="403")  # activities.approve_group_plans
CONGRESS_REVIEW = allow("chair", "motions", denied="403")  # congress.review_motions
CONGRESS_REVIEW_HIDDEN = allow("chair", "motions")  # review pages not shown to others at all
# The delegate list and a suggestion's page: the committee and the session's delegates (chair, women).
CONGRESS_DELEGATE_READ = allow("chair", "motions", "women")
CONGRESS_DELEGATES = allow("chair", "women", denied="403")  # delegates propose (chair, women)
PROPOSER_ONLY = allow(denied="403")  # the proposer / an invited co-signer: no persona is one
HANDLER_ONLY = allow("handler")  # 承办部门: the motions assigned to their department
PLAN_EDIT = allow("chair", "committee", denied="403")  # plans.edit_plan
TOKEN = allow("all", other="own")  # the calendar feed: the secret token is the credential
PUBLIC_PAGE = allow("all", other="own")  # login, password reset: the same for anyone

# Reached without logging in (docs/authentication.md); everything else sends anonymous to login.
PUBLIC = {
    "login",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "members:login_activate",  # the emailed activation link: the member has no password yet
    "activities:ics_feed",
    "health",
}

# URL name → (access class, methods the view accepts). Every routed name must be here.
G, P, GP = ("GET",), ("POST",), ("GET", "POST")
TABLE: dict[str, tuple[Access, tuple[str, ...]]] = {
    "dashboard": (EVERYONE, G),
    "login": (PUBLIC_PAGE, GP),
    "logout": (LOGOUT, P),
    "password_change": (EVERYONE, GP),
    "password_change_done": (EVERYONE, G),
    "password_reset": (PUBLIC_PAGE, GP),
    "password_reset_done": (PUBLIC_PAGE, G),
    "password_reset_confirm": (PUBLIC_PAGE, GP),
    "password_reset_complete": (PUBLIC_PAGE, G),
    # The load balancer's and compose's healthcheck (union_office/health.py): no login, no data.
    "health": (PUBLIC_PAGE, G),
    "accounts:two_factor": (EVERYONE, GP),
    "accounts:two_factor_enrol": (EVERYONE, GP),
    "accounts:two_factor_verify": (EVERYONE, GP),
    "accounts:two_factor_backup_codes": (EVERYONE, GP),
    "accounts:two_factor_backup_codes_renew": (EVERYONE, P),
    "accounts:two_factor_disable": (EVERYONE, P),
    # notifications: each user's own; another user's message is a 404
    "notifications:inbox": (EVERYONE, G),
    "notifications:badge": (EVERYONE, G),
    "todo_badge": (EVERYONE, G),
    "notifications:mark_all_read": (EVERYONE, P),
    "notifications:open": (EVERYONE, P),
    "notifications:read": (EVERYONE, P),
    "notifications:upcoming": (EVERYONE, G),
    "notifications:mute": (EVERYONE, P),
    # members
    "members:member_list": (EVERYONE, G),  # a plain member sees their own record only
    "members:member_detail": (ROSTER_READ, G),
    "members:member_edit": (ROSTER_WRITE, GP),
    "members:member_reveal_id_number": (ROSTER_WRITE, P),  # members.view_full_id_number
    "members:member_two_factor_code": (ROSTER_MANAGE_ROLES, P),  # members.manage_roles
    "members:unit_list": (EVERYONE, G),
    "members:unit_detail": (ROSTER_READ, G),
    "members:login_create": (ROSTER_WRITE_NEW, GP),
    "members:organisation": (ORG_KEEP_ALL, G),
    "members:role_overview": (ORG_KEEP_ALL, G),
    "members:organisation_unit": (ORG_KEEP, G),
    "members:organisation_unit_add": (ORG_KEEP, P),
    "members:organisation_unit_rename": (ORG_KEEP, P),
    "members:organisation_unit_move": (ORG_KEEP, P),
    "members:organisation_unit_merge": (ORG_KEEP, P),
    "members:organisation_grant_add": (ORG_KEEP, P),
    "members:organisation_grant_revoke": (ORG_KEEP, P),
    "members:department_list": (ORG_KEEP_ALL, GP),
    "members:login_activate": (PUBLIC_PAGE, GP),
    "members:my_contact": (allow("all", other="own"), GP),  # one's own record, wherever
    "members:contact_corrections": (allow("chair", "committee", other="own"), G),  # no object: by role
    "members:contact_correction_act": (allow("chair", "committee"), P),
    "members:department_manage": (ORG_KEEP, G),
    "members:department_rename": (ORG_KEEP, P),
    "members:department_retire": (ORG_KEEP, P),
    "members:department_restore": (ORG_KEEP, P),
    "members:department_handler_add": (ORG_KEEP, P),
    "members:export_xlsx": (ROSTER_EXPORT, G),
    "members:export_list": (EVERYONE, G),  # one's own exports
    "members:export_detail": (CREATOR_ONLY, G),
    "members:export_progress": (CREATOR_ONLY, G),
    "members:export_download": (CREATOR_ONLY, G),
    "members:unit_roster_pdf": (ROSTER_READ, G),
    "members:audit_log": (AUDIT_LOG, G),
    "members:audit_log_export": (AUDIT_LOG, G),
    "members:member_create": (ROSTER_WRITE_NEW, GP),
    "members:join_apply": (EVERYONE, GP),  # anyone may hand in an application to join
    "members:transfer_in": (ROSTER_WRITE_NEW, GP),
    "members:change_new": (ROSTER_WRITE, GP),
    "members:change_inbox": (ROSTER_WRITE_NEW, G),
    "members:change_approve": (ROSTER_WRITE, P),
    "members:change_reject": (ROSTER_WRITE, P),
    "members:change_withdraw": (REQUESTER_ONLY, P),
    "members:change_cancel": (ROSTER_WRITE, P),
    "members:import_list": (ROSTER_WRITE_NEW, G),
    "members:import_new": (ROSTER_WRITE_NEW, GP),
    "members:import_template": (ROSTER_WRITE_NEW, G),
    "members:import_detail": (ROSTER_WRITE, G),
    "members:import_progress": (ROSTER_WRITE, G),
    "members:import_commit": (ROSTER_WRITE, P),
    # finance: invisible (404) without finance.view_ledger
    "finance:index": (FINANCE_READ, G),
    "finance:entry_create": (FINANCE_WRITE, GP),
    "finance:entry_detail": (FINANCE_READ, G),
    "finance:entry_reverse": (FINANCE_WRITE, P),
    "finance:months": (FINANCE_READ, G),
    "finance:month_close": (FINANCE_WRITE, P),
    "finance:budget_list": (FINANCE_READ, G),
    "finance:budget_create": (FINANCE_WRITE, P),
    "finance:budget_detail": (FINANCE_READ, G),
    "finance:budget_lines": (FINANCE_WRITE, P),
    "finance:budget_transition": (FINANCE_APPROVE, P),  # "approve"
    "finance:budget_adjust": (FINANCE_APPROVE, P),
    "finance:dues": (FINANCE_READ, G),
    "finance:dues_create": (FINANCE_WRITE, P),
    "finance:dues_detail": (FINANCE_READ, G),
    "finance:reports": (FINANCE_READ, G),
    "finance:report": (FINANCE_READ, G),
    "finance:report_xlsx": (FINANCE_READ, G),
    "finance:report_pdf": (FINANCE_READ, G),
    "finance:ledger_export": (FINANCE_READ, G),
    "finance:ledger_import": (FINANCE_WRITE, GP),
    # 上年结余 (issue 18): the treasurer records it, the chair (finance.approve_budget) confirms it.
    "finance:opening_balances": (FINANCE_READ, G),
    "finance:opening_balance_record": (FINANCE_WRITE, P),
    "finance:opening_balance_confirm": (FINANCE_APPROVE, P),
    # welfare: private files for the chair and the committee; anyone applies and sees the 公示
    "welfare:index": (EVERYONE, G),
    "welfare:aid_list": (EVERYONE, G),  # one's own applications, or those one reviews
    "welfare:student_list": (EVERYONE, G),  # 金秋 applications one may read, across campaigns
    "welfare:aid_create": (EVERYONE, GP),
    "welfare:aid_detail": (PRIVATE_WELFARE, G),
    "welfare:aid_act": (PRIVATE_WELFARE, P),
    "welfare:aid_upload": (PRIVATE_WELFARE, P),
    "welfare:aid_pdf": (PRIVATE_WELFARE, G),
    "welfare:file_list": (PRIVATE_WELFARE, G),
    "welfare:file_create": (PRIVATE_WELFARE, GP),
    "welfare:file_detail": (PRIVATE_WELFARE, G),
    "welfare:file_act": (PRIVATE_WELFARE, P),
    "welfare:attachment": (PRIVATE_WELFARE, G),
    "welfare:notice": (EVERYONE, G),
    "welfare:notice_pdf": (EVERYONE, G),
    "welfare:objection_raise": (EVERYONE, P),  # anyone who sees the 公示 may object
    "welfare:objection_resolve": (PRIVATE_WELFARE, P),
    "welfare:visits": (PRIVATE_WELFARE, GP),
    "welfare:visit_rules": (PRIVATE_WELFARE, GP),  # POST (setting a standard): see POST_CLASS
    "welfare:visit_rule_clear": (allow("chair", committee="403"), P),
    "welfare:report": (PRIVATE_WELFARE, G),
    "welfare:campaign_list": (EVERYONE, G),
    "welfare:campaign_create": (allow("chair", denied="403"), GP),  # welfare.decide_aid, by role
    "welfare:campaign_detail": (EVERYONE, G),
    "welfare:student_apply": (EVERYONE, GP),
    "welfare:student_pdf": (WELFARE_PAYER_FORM, G),
    "welfare:campaign_notice": (EVERYONE, G),
    "welfare:student_detail": (WELFARE_PAYER, G),
    "welfare:student_act": (WELFARE_PAYER, P),
    "welfare:student_objection_raise": (EVERYONE, P),
    "welfare:student_objection_resolve": (PRIVATE_WELFARE, P),
    "welfare:payment_act": (WELFARE_PAYER, P),
    # activities: everyone reads the calendar and signs up; organisers manage
    "activities:index": (EVERYONE, G),
    "activities:event_create": (EVENTS_MANAGE, GP),
    "activities:event_detail": (EVERYONE, G),
    "activities:event_edit": (EVENTS_MANAGE, GP),
    "activities:event_transition": (EVENTS_MANAGE, P),
    "activities:item_add": (EVENTS_MANAGE, P),
    "activities:results": (EVENTS_MANAGE, GP),  # GET is the results board (everyone): see GET_ONLY
    "activities:expense_create": (EVENT_EXPENSE, P),
    "activities:signup": (EVERYONE, P),
    "activities:cancel": (EVERYONE, P),
    "activities:signup_for": (EVENTS_MANAGE, P),
    "activities:item_toggle": (EVERYONE, P),
    "activities:check_in_page": (EVENTS_MANAGE, G),
    "activities:check_in": (EVENTS_MANAGE, P),
    "activities:roster_print": (EVENTS_MANAGE, G),
    "activities:roster_export": (EVENTS_MANAGE, G),
    "activities:calendar": (EVERYONE, G),
    "activities:feed_settings": (EVERYONE, G),
    "activities:feed_renew": (EVERYONE, P),
    "activities:feed_revoke": (EVERYONE, P),
    "activities:ics_feed": (TOKEN, G),
    "activities:schedules": (EVERYONE, G),
    "activities:schedule_create": (EVENTS_MANAGE, GP),
    "activities:schedule_detail": (EVERYONE, G),
    "activities:schedule_skip": (EVENTS_MANAGE, P),
    "activities:occurrence_detail": (EVERYONE, G),
    "activities:occurrence_signup": (EVERYONE, P),  # refused by the service when there is no capacity
    "activities:occurrence_check_in": (EVERYONE, GP),  # the QR page: the audience is checked by the service
    "activities:occurrence_tick": (EVENTS_MANAGE, P),  # or the activity's 负责人
    "activities:attendance_export": (EVENTS_MANAGE, G),
    "activities:member_attendance": (EVENTS_MANAGE, G),
    "activities:groups": (EVERYONE, G),
    "activities:group_create": (EVENTS_MANAGE, GP),
    "activities:group_detail": (EVERYONE, G),
    "activities:group_membership": (EVERYONE, P),  # join / leave
    "activities:group_plan_save": (EVERYONE, P),  # the leader or an organiser (service)
    "activities:group_plan_transition": (GROUPS_APPROVE, P),  # "approve"
    "activities:policies": (EVENTS_MANAGE, GP),
    "activities:policy_delete": (RULES_SET, P),
    "activities:policy_edit": (RULES_SET, GP),
    # congress: every member reads the motions; the motions committee reviews
    "congress:index": (EVERYONE, G),
    "congress:inbox": (HANDLER_ONLY, G),
    "congress:session_create": (CONGRESS_REVIEW_HIDDEN, GP),
    "congress:session_detail": (EVERYONE, G),
    "congress:session_edit": (CONGRESS_REVIEW, GP),
    "congress:delegates": (CONGRESS_DELEGATE_READ, GP),  # POST (the list's import): see POST_CLASS
    "congress:composition": (EVERYONE, G),
    "congress:suggestions": (EVERYONE, GP),  # any member suggests
    "congress:suggestion_detail": (CONGRESS_DELEGATE_READ, GP),  # a delegate may take it up as a motion
    "congress:motion_list": (EVERYONE, G),
    "congress:motions": (EVERYONE, G),  # across sessions: what the 统计年报's figures count
    "congress:motion_create": (CONGRESS_DELEGATES, GP),
    "congress:ballots": (EVERYONE, GP),  # POST (a new ballot): see POST_CLASS
    "congress:statistics": (EVERYONE, G),
    "congress:compilation_request": (EVERYONE, P),
    "congress:compilation_detail": (EVERYONE, G),
    "congress:compilation_download": (EVERYONE, G),
    "congress:handling_xlsx": (EVERYONE, G),
    "congress:motion_detail": (EVERYONE, G),
    "congress:motion_edit": (PROPOSER_ONLY, GP),
    # 办结 (the swept move) is the committee's: the kernel answers who may act before the state.
    "congress:motion_act": (CONGRESS_REVIEW, P),
    "congress:cosigners_invite": (EVERYONE, P),  # the proposer (service)
    "congress:cosign": (PROPOSER_ONLY, P),
    "congress:motion_flags": (CONGRESS_REVIEW, P),
    "congress:motion_attachment": (EVERYONE, G),
    "congress:reply_attachment": (EVERYONE, G),
    "congress:ballot_detail": (EVERYONE, GP),  # POST (a vote): delegates only, see POST_CLASS
    "congress:ballot_status": (CONGRESS_REVIEW, P),
    # plans: everyone reads (reaching up); the chair and the committee draft
    "plans:index": (EVERYONE, G),
    "plans:detail": (EVERYONE, G),
    "plans:transition": (PLAN_EDIT, P),  # "submit"
    "plans:new_version": (PLAN_EDIT, P),
    "plans:follow": (EVERYONE, G),
    "plans:schedule_event": (EVENTS_MANAGE, P),
    "plans:recurring_activity": (EVENTS_MANAGE, P),
    "plans:item_progress": (PLAN_EDIT, P),  # the item's owner or an editor
    "plans:compare": (EVERYONE, G),
    "plans:export_pdf": (EVERYONE, G),
    "plans:export_docx": (EVERYONE, G),
    "plans:create": (PLAN_EDIT, GP),
    "plans:paste": (PLAN_EDIT, GP),
    "plans:editor": (PLAN_EDIT, G),
    "plans:header_edit": (PLAN_EDIT, GP),
    "plans:section_add": (PLAN_EDIT, GP),
    "plans:item_add": (PLAN_EDIT, GP),
    "plans:node_move": (PLAN_EDIT, P),
    "plans:deadline_preview": (PLAN_EDIT, G),
    "plans:owner_suggest": (PLAN_EDIT, G),
    "plans:section_indent": (PLAN_EDIT, P),
    "plans:section_outdent": (PLAN_EDIT, P),
    "plans:schedule_add": (PLAN_EDIT, GP),
    "plans:schedule_move": (PLAN_EDIT, P),
    "plans:schedule_edit": (PLAN_EDIT, GP),
    "plans:schedule_delete": (PLAN_EDIT, P),
    "plans:node_edit": (PLAN_EDIT, GP),
    "plans:node_delete": (PLAN_EDIT, P),
    # yearend: the summary is read like the plan, drafted by its editors; the statistics by those
    # who draft for a 基层工会; the county view only at a 上级工会 (no persona of the world holds one)
    "yearend:index": (EVERYONE, G),
    "yearend:draft": (PLAN_EDIT, P),
    "yearend:summary": (EVERYONE, G),
    "yearend:redraft": (PLAN_EDIT, P),
    "yearend:transition": (PLAN_EDIT, P),  # "submit"
    "yearend:export_pdf": (EVERYONE, G),
    "yearend:export_docx": (EVERYONE, G),
    "yearend:section_edit": (PLAN_EDIT, P),
    "yearend:statistics": (allow("chair", "committee"), G),
    "yearend:statistics_xlsx": (allow("chair", "committee"), G),
    "yearend:county": (allow(), G),
    "yearend:remind": (allow(), P),
    "yearend:search": (EVERYONE, G),
}

# Views whose GET and POST differ in who may: the GET is read by everyone, the POST is the class.
GET_EVERYONE = {"activities:results"}
# Views whose GET is the class above and whose POST is decided by another class.
POST_CLASS = {
    "activities:policies": allow("chair", denied="403"),  # a new rule: the chair
    "welfare:visit_rules": allow("chair", committee="403"),  # a standard: the chair
    "congress:ballots": CONGRESS_REVIEW,  # a new ballot
    "congress:ballot_detail": CONGRESS_DELEGATES,  # casting a vote: the session's delegates only
    "congress:delegates": allow("chair", "motions", women="403"),  # importing the list: the committee
}

# Pages that show personal data and promise `Cache-Control: no-store` (docs/architecture.md).
NO_STORE = {
    "yearend:search",  # members by name and 身份证号 tail
    "members:login_create",  # the first-time codes
    "members:member_list",
    "members:member_detail",
    "members:member_edit",
    "members:export_xlsx",
    "members:export_detail",
    "members:export_download",
    "members:unit_roster_pdf",
    "members:audit_log",
    "members:audit_log_export",
    "finance:dues_detail",  # each member's wage base
    "welfare:aid_detail",
    "welfare:aid_pdf",
    "welfare:file_detail",
    "welfare:attachment",
    "welfare:student_detail",
    "welfare:student_pdf",
    "activities:check_in_page",  # participants' names and phone numbers
    "activities:roster_print",
    "activities:roster_export",
    "congress:delegates",
}

# The audited "显示完整号码" answers with the full number to the chair and the committee (docs/access.md);
# every other text response of the sweep, as any persona and method, must not contain one.
FULL_ID_NUMBER_SHOWN = {"members:member_reveal_id_number"}

ROUTES = sweep.url_patterns()


def expected_for(name: str, method: str) -> Access:
    access, _methods = TABLE[name]
    if method == "GET" and name in GET_EVERYONE:
        return EVERYONE
    if method == "POST" and name in POST_CLASS:
        return POST_CLASS[name]
    return access


def callers(access: Access, *, same_as_first: bool) -> list[str]:
    """Who calls the view at their own unit. Every persona where the roles make a difference; where
    they make none (everyone gets the same answer) the least and the most privileged persona; and on
    a form's POST, decided as its GET was, every persona refused plus the first allowed one — the
    refusals are what must hold on both methods."""
    if len(set(access.own.values())) == 1:
        return ["member", "chair"]
    if same_as_first:
        allowed = [p for p in PERSONAS if access.own[p] == "ok"][:1]
        return [p for p in PERSONAS if access.own[p] != "ok" or p in allowed]
    return list(PERSONAS)


def representatives(access: Access, *, every_method: bool) -> list[str]:
    """Who calls the other unit's object: one persona per outcome they get at their own unit (the one
    who may, the one who may only read, the one who may not) and the chair, who may most; on the
    view's second method the chair alone. Fewer requests, the same decisions covered."""
    if not every_method:
        return ["chair"]
    first: dict[str, str] = {}
    for persona in PERSONAS:
        first.setdefault(access.own[persona], persona)
    return sorted({"chair", *first.values()}, key=PERSONAS.index)


def check_headers(name: str, response, problems: list[str], label: str) -> None:
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html") and not response.has_header("Content-Security-Policy"):
        problems.append(f"{label}: HTML without a Content-Security-Policy header")
    if name in NO_STORE and response.status_code == 200 and "no-store" not in response.get("Cache-Control", ""):
        problems.append(f"{label}: personal page without Cache-Control: no-store")


def test_every_routed_view_is_in_the_table():
    names = {route.name for route in ROUTES}
    missing = sorted(names - set(TABLE))
    assert not missing, f"URL names missing from the access matrix (tests/whole_app/test_access_matrix.py): {missing}"
    stale = sorted(set(TABLE) - names)
    assert not stale, f"the access matrix lists URL names that are no longer routed: {stale}"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.name in TABLE], ids=lambda r: r.name)
def test_access(route, app_world, db, pdf_sources, log_lines):
    _access, methods = TABLE[route.name]
    problems: list[str] = []

    def expect(persona: str, method: str, side_name: str, wanted: str) -> None:
        side = getattr(app_world, side_name)
        url = sweep.url_for(route, app_world, side, persona)
        result = sweep.call(app_world, persona, method, url, sweep.params_for(route, app_world, side, persona))
        label = f"{method} {url} as {persona} ({side_name})"
        if result.outcome != wanted:
            problems.append(f"{label}: expected {wanted}, got {result.outcome}")
        if result.response is not None:
            check_headers(route.name, result.response, problems, label)
            if route.name not in FULL_ID_NUMBER_SHOWN and result.response.get("Content-Type", "").startswith("text/"):
                response = result.response
                body = response.streamed if response.streaming else response.content
                for number in sweep.leaks(body.decode(errors="replace"), app_world.id_numbers):
                    problems.append(f"{label}: the page shows the full ID number {number}")

    other_differs = bool(route.params) and sweep.url_for(route, app_world, app_world.own, "chair") != sweep.url_for(
        route, app_world, app_world.other, "chair"
    )
    for index, method in enumerate(methods):
        access = expected_for(route.name, method)
        if index == 0:
            expect("anonymous", method, "own", "ok" if route.name in PUBLIC else "login")
        same_as_first = index > 0 and access is expected_for(route.name, methods[0])
        for persona in callers(access, same_as_first=same_as_first):
            expect(persona, method, "own", access.own[persona])
        if other_differs:
            for persona in representatives(access, every_method=method == methods[0]):
                expect(persona, method, "other", access.other[persona])
    for method in {"GET", "POST"} - set(methods):
        expect("chair", method, "own", "405")
    for line in log_lines:
        for number in sweep.leaks(line, app_world.id_numbers):
            problems.append(f"the log shows the full ID number {number}: {line[:200]}")
    assert not problems, f"{route.name} ({route.route}):\n" + "\n".join(problems)
