"""Every URL pattern of the project, the arguments to call it with, and one request as one persona.

`url_patterns()` walks `django.urls.get_resolver()` (into every include), so a new view is in the
sweep the moment it is routed; only the machinery listed in SKIPPED is left out. `KWARGS` fills a
pattern's arguments from the world (tests/whole_app/world.py) for one side — the personas' own
school or the other unit, the hospital — and `call()` turns a response into the outcome the
matrix compares: "ok", "login", "403", "404", "405" (or "500 …" with the exception).
"""

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from members.idcard import check_digit
from members.models import RoleGrant

# Left out of the sweep, each with its reason. Matched against the URL name, or the namespace.
SKIPPED_NAMESPACES = {
    "admin": "Django's admin: superusers only (the IT staff), Django's own permission checks and tests",
}
SKIPPED_NAMES = {
    "set_language": "i18n machinery: Django's language switch, public on purpose (login page), no data",
}
# Static and media files: served by WhiteNoise / the web server, never routed (checked below).
SKIPPED_PREFIXES = tuple(p.lstrip("/") for p in (settings.STATIC_URL, settings.MEDIA_URL) if p and p != "/")


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    route: str  # the pattern, for messages
    params: tuple[str, ...]  # its keyword arguments


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, prefix + str(entry.pattern), entry, namespace


def url_patterns() -> list[Route]:
    """Every routed view except the SKIPPED machinery; an unnamed view fails (it cannot be reversed)."""
    routes = []
    for name, route, entry, namespace in _walk(get_resolver()):
        if namespace.split(":")[0] in SKIPPED_NAMESPACES or name in SKIPPED_NAMES:
            continue
        if SKIPPED_PREFIXES and route.startswith(SKIPPED_PREFIXES):
            continue
        assert name, f"the URL pattern {route!r} has no name: the access matrix cannot reverse it"
        routes.append(Route(name, route, tuple(entry.pattern.regex.groupindex)))
    return routes


Side = SimpleNamespace
KwargsFn = Callable[[Any, Side, str], dict[str, Any]]


def _pk(attr: str) -> KwargsFn:
    return lambda world, side, persona: {"pk": getattr(side, attr).pk}


def _pk_action(attr: str, action: str) -> KwargsFn:
    return lambda world, side, persona: {"pk": getattr(side, attr).pk, "action": action}


def _plan_node(attr: str, key: str, **extra: Any) -> KwargsFn:
    return lambda world, side, persona: {"pk": side.plan.pk, key: getattr(side, attr).pk, **extra}


def _notification(world, side, persona):
    # "Own" is the persona's own message; "other" is the hospital chair's.
    who = persona if side is world.own and persona in world.notifications else "hospital_chair"
    return {"pk": world.notifications[who].pk}


def _feed(world, side, persona):
    who = persona if side is world.own and persona in world.feeds else "hospital_chair"
    return {"token": world.feeds[who].token}


# How to fill each parametrised pattern for one side. A pattern with parameters that is missing here
# fails the sweep with its name.
KWARGS: dict[str, KwargsFn] = {
    "password_reset_confirm": lambda world, side, persona: {"uidb64": "MQ", "token": "set-password"},
    "members:login_activate": lambda world, side, persona: {"uidb64": "MQ", "token": "set-password"},
    "notifications:open": _notification,
    "notifications:read": _notification,
    # members
    "members:member_detail": _pk("person"),
    "members:member_edit": _pk("person"),
    "members:member_reveal_id_number": _pk("person"),
    "members:member_two_factor_code": _pk("applicant"),
    "members:unit_detail": _pk("unit"),
    "members:unit_roster_pdf": _pk("unit"),
    "members:organisation_unit": _pk("unit"),
    "members:organisation_unit_add": _pk("unit"),
    "members:organisation_unit_rename": _pk("unit"),
    "members:organisation_unit_move": _pk("unit"),
    "members:organisation_unit_merge": _pk("unit"),
    "members:organisation_grant_add": _pk("unit"),
    "members:organisation_grant_revoke": lambda world, side, persona: {
        "pk": side.unit.pk,
        "grant_pk": RoleGrant.objects.filter(org_unit=side.unit).order_by("pk").values_list("pk", flat=True)[0],
    },
    "members:department_manage": _pk("department"),
    "members:department_rename": _pk("department"),
    "members:department_retire": _pk("department"),
    "members:department_restore": _pk("department"),
    "members:department_handler_add": _pk("department"),
    "members:contact_correction_act": lambda world, side, persona: {"pk": side.correction.pk, "action": "approve"},
    "members:export_detail": _pk("export"),
    "members:export_progress": _pk("export"),
    "members:export_download": _pk("export"),
    "members:change_new": lambda world, side, persona: {"member_pk": side.person.pk},
    "members:change_approve": _pk("change"),
    "members:change_reject": _pk("change"),
    "members:change_withdraw": _pk("change"),
    "members:change_cancel": _pk("change"),
    "members:import_detail": _pk("roster_import"),
    "members:import_progress": _pk("roster_import"),
    "members:import_commit": _pk("roster_import"),
    # finance
    "finance:entry_detail": _pk("entry"),
    "finance:entry_reverse": _pk("entry"),
    "finance:budget_detail": _pk("budget"),
    "finance:budget_lines": _pk("budget_next"),
    "finance:budget_transition": _pk_action("budget_next", "approve"),
    "finance:budget_adjust": _pk("budget"),
    "finance:dues_detail": _pk("dues"),
    "finance:opening_balance_confirm": _pk("opening_balance"),
    "finance:report": lambda world, side, persona: {"key": "income-expense"},
    "finance:report_xlsx": lambda world, side, persona: {"key": "income-expense"},
    "finance:report_pdf": lambda world, side, persona: {"key": "income-expense"},
    # welfare
    "welfare:aid_detail": _pk("aid"),
    "welfare:aid_act": _pk_action("aid", "screen"),
    "welfare:aid_upload": _pk("aid"),
    "welfare:aid_pdf": _pk("aid"),
    "welfare:notice_pdf": lambda world, side, persona: {  # the unit whose board shows it (set on publish)
        "unit_pk": type(side.aid_notice).objects.values_list("notice_unit", flat=True).get(pk=side.aid_notice.pk)
    },
    "welfare:file_detail": _pk("hardship"),
    "welfare:file_act": _pk_action("hardship", "review"),
    "welfare:attachment": _pk("attachment"),
    "welfare:objection_raise": _pk("aid_notice"),
    "welfare:objection_resolve": _pk("objection"),
    "welfare:campaign_detail": _pk("campaign"),
    "welfare:student_apply": _pk("campaign"),
    "welfare:campaign_notice": _pk("campaign"),
    "welfare:student_detail": _pk("student"),
    "welfare:student_pdf": _pk("student"),
    "welfare:student_act": _pk_action("student", "pay"),
    "welfare:student_objection_raise": _pk("student"),
    "welfare:student_objection_resolve": _pk("student_objection"),
    "welfare:payment_act": _pk_action("payment", "pay"),
    # activities
    "activities:event_detail": _pk("event"),
    "activities:event_edit": _pk("event"),
    "activities:event_transition": _pk_action("event", "pause"),
    "activities:item_add": _pk("event"),
    "activities:results": _pk("event"),
    "activities:expense_create": _pk("event"),
    "activities:signup": _pk("event"),
    "activities:cancel": _pk("event"),
    "activities:signup_for": _pk("event"),
    "activities:item_toggle": lambda world, side, persona: {"pk": side.event.pk, "item_pk": side.sub_event.pk},
    "activities:check_in_page": _pk("event"),
    "activities:check_in": lambda world, side, persona: {"pk": side.event.pk, "signup_pk": side.signup.pk},
    "activities:roster_print": _pk("event"),
    "activities:roster_export": _pk("event"),
    "activities:ics_feed": _feed,
    "activities:schedule_detail": _pk("schedule"),
    "activities:schedule_skip": _pk("schedule"),
    "activities:occurrence_detail": _pk("occurrence"),
    "activities:occurrence_signup": _pk("occurrence"),
    "activities:occurrence_tick": _pk("occurrence"),
    "activities:occurrence_check_in": lambda world, side, persona: {
        "pk": side.occurrence.pk,
        "token": side.occurrence.checkin_token,
    },
    "activities:attendance_export": _pk("schedule"),
    "activities:group_detail": _pk("group"),
    "activities:group_membership": _pk("group"),
    "activities:group_plan_save": _pk("group"),
    "activities:group_plan_transition": _pk_action("group_plan", "approve"),
    "activities:policy_delete": _pk("policy"),
    "activities:policy_edit": _pk("policy"),
    "welfare:visit_rule_clear": _pk("visit_rule"),
    # congress
    "congress:session_detail": _pk("session"),
    "congress:session_edit": _pk("session"),
    "congress:delegates": _pk("session"),
    "congress:composition": _pk("session"),
    "congress:suggestions": _pk("session"),
    "congress:suggestion_detail": lambda world, side, persona: {
        "pk": side.session.pk,
        "suggestion_pk": side.suggestion.pk,
    },
    "congress:motion_list": _pk("session"),
    "congress:motion_create": _pk("session"),
    "congress:ballots": _pk("session"),
    "congress:statistics": _pk("session"),
    "congress:compilation_request": _pk("session"),
    "congress:compilation_detail": _pk("compilation"),
    "congress:compilation_download": _pk("compilation"),
    "congress:handling_xlsx": _pk("session"),
    "congress:motion_detail": _pk("motion"),
    "congress:motion_edit": _pk("motion"),
    "congress:motion_act": _pk_action("motion", "close"),
    "congress:cosigners_invite": _pk("motion"),
    "congress:cosign": _pk("motion"),
    "congress:motion_flags": _pk("motion"),
    "congress:motion_attachment": _pk("motion"),
    "congress:reply_attachment": _pk("reply"),
    "congress:ballot_detail": _pk("ballot"),
    "congress:ballot_status": _pk_action("ballot", "open"),
    # plans
    "plans:detail": _pk("plan"),
    "plans:transition": _pk_action("plan", "submit"),
    "plans:new_version": _pk("plan"),
    "plans:follow": _pk("plan"),
    "plans:schedule_event": _plan_node("schedule_entry", "entry_pk"),
    "plans:recurring_activity": _plan_node("item", "obj_pk", kind="item"),
    "plans:item_progress": _pk("item"),
    "plans:export_pdf": _pk("plan"),
    "plans:export_docx": _pk("plan"),
    "plans:editor": _pk("plan"),
    "plans:header_edit": _pk("plan"),
    "plans:section_add": _pk("plan"),
    "plans:item_add": _pk("plan"),
    "plans:node_move": _pk("plan"),
    "plans:deadline_preview": _pk("plan"),
    "plans:owner_suggest": _pk("plan"),
    "plans:section_indent": _plan_node("section", "node_pk"),
    "plans:section_outdent": _plan_node("section", "node_pk"),
    "plans:schedule_add": _pk("plan"),
    "plans:schedule_move": _pk("plan"),
    "plans:schedule_edit": _plan_node("schedule_entry", "entry_pk"),
    "plans:schedule_delete": _plan_node("schedule_entry", "entry_pk"),
    "plans:node_edit": _plan_node("section", "node_pk", kind="section"),
    "plans:node_delete": _plan_node("section", "node_pk", kind="section"),
    # yearend
    "yearend:summary": _pk("summary"),
    "yearend:redraft": _pk("summary"),
    "yearend:transition": _pk_action("summary", "submit"),
    "yearend:export_pdf": _pk("summary"),
    "yearend:export_docx": _pk("summary"),
    "yearend:section_edit": _pk("summary_section"),
}


# Query parameters (on a POST: in the query string and the body) that a view needs before it decides anything,
# so the request reaches the access decision instead of stopping at "which one?".
PARAMS: dict[str, KwargsFn] = {
    "members:change_new": lambda world, side, persona: {"kind": "retire"},
    "plans:item_add": lambda world, side, persona: {"section": side.section.pk},
    "plans:compare": lambda world, side, persona: {"a": side.plan.pk, "b": side.plan.pk},
    "yearend:draft": lambda world, side, persona: {"unit": side.unit.pk, "year": side.summary.year},
    "yearend:statistics": lambda world, side, persona: {"unit": side.unit.pk},
    "yearend:statistics_xlsx": lambda world, side, persona: {"unit": side.unit.pk},
    "yearend:search": lambda world, side, persona: {"q": "王"},
    # Validated before the application is looked up: without a text the other unit's would not 404.
    "welfare:objection_raise": lambda world, side, persona: {"text": "申请人家庭情况与公示不符。"},
    "welfare:student_objection_raise": lambda world, side, persona: {"text": "申请人家庭情况与公示不符。"},
}


def url_for(route: Route, world, side: Side, persona: str) -> str:
    if not route.params:
        return reverse(route.name)
    assert route.name in KWARGS, f"{route.name} ({route.route}): add how to fill its arguments to sweep.KWARGS"
    return reverse(route.name, kwargs=KWARGS[route.name](world, side, persona))


def params_for(route: Route, world, side: Side, persona: str) -> dict[str, Any]:
    fill = PARAMS.get(route.name)
    return fill(world, side, persona) if fill else {}


@dataclass
class Result:
    outcome: str
    response: Any = None


def client_for(world, persona: str) -> Client:
    client = Client(raise_request_exception=True)
    for name, value in world.cookies.get(persona, {}).items():
        client.cookies[name] = value
    return client


def outcome_of(response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        login = reverse("login")
        return "login" if re.match(rf"^(https?://[^/]+)?{re.escape(login)}(\?|$)", location) else "ok"
    if status in (401, 403, 404, 405):
        return str(status)
    if status >= 500:
        return str(status)
    return "ok"


def call(world, persona: str, method: str, url: str, params: dict[str, Any] | None = None) -> Result:
    """One request, rolled back afterwards (a POST that succeeds changes nothing for the next one)."""
    client = client_for(world, persona)
    try:
        with transaction.atomic():
            response = (
                client.get(url, params)
                if method == "GET"
                else client.post(f"{url}?{urlencode(params)}" if params else url, params or {})
            )
            if response.streaming:  # read a download (the test client closes it at the end) in the transaction
                response.streamed = b"".join(response.streaming_content)
            transaction.set_rollback(True)
    except Exception as exc:  # a 500: keep the traceback's last lines for the message
        tail = "".join(traceback.format_exception(exc)[-3:]).strip().replace("\n", " | ")
        return Result(f"500 {tail[-400:]}")
    return Result(outcome_of(response), response)


# An 18-character 身份证号 standing alone: a leak if it is one of the world's numbers or if its
# check digit (GB 11643) is right; masked numbers (130534********1234) never match.
ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")


def leaks(text: str, known: set[str]) -> list[str]:
    found = {number for number in known if number in text}
    for match in ID_CANDIDATE.findall(text):
        number = match.upper()
        if check_digit(number[:17]) == number[17]:
            found.add(number)
    return sorted(found)
