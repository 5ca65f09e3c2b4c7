"""The workflow kernel: every app's state machine is a table of `Transition`s read by `perform()`.

A transition says, as data, everything about one move: the states it leaves from, the state it
reaches, the permission it needs (or SUBJECT: the person the case is about), the named guards
that must pass, who is told and with which message, whether the page asks for confirmation, and
which earlier actors may not take it (separation of duties: 审定 and 发放 by different people).
Nobody takes a staff step on their own case: that rule holds for every transition whose
permission is not SUBJECT, without being written in each table.

`perform()` locks the row, checks the move, applies the app's own field changes, records the
step and the audit entry in one transaction and schedules the notifications on commit.
`options()` lists the moves a user may take now: the buttons of a detail page and the 待办 list
read it, so a button is never shown for a move the service would refuse.

Earlier actors are read from the audit log (every step writes one entry named
"<workflow>.<action>"), so a workflow needs no step table of its own to enforce "not the same
person"; an app may still keep one for its history (`record_step`).

This module knows no union domain (the kernel's rule): apps pass in how to check a permission,
who the case is about and who the recipients are.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .audit import audit_record
from .models import AuditEntry

# The pseudo-permission of a move the case's own person makes (submit, withdraw, rate a reply).
SUBJECT = "subject"

Text = str | Promise


class WorkflowError(ValidationError):
    """A move the workflow refuses, with a message the user can read."""


@dataclass(frozen=True)
class Guard:
    """A named rule a move must pass: `check(obj, fields)` returns the refusal, or None. `fields`
    holds the move's form fields and "actor", the user asking."""

    name: str
    label: Text  # what it checks, for the docs' tables
    check: Callable[[Any, Mapping[str, Any]], Text | None]


@dataclass(frozen=True)
class Notice:
    """Tell the `to` group of the workflow (its `recipients`) `subject`, formatted with %(obj)s.
    `kind` is the notification kind a user may mute (the workflow's own kind if empty)."""

    to: str
    subject: Text
    kind: str = ""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    permission: str  # a members.access permission, or SUBJECT
    label: Text
    # A permission whose holders may also take a SUBJECT move (the clerk who enters an application
    # for a member without a login submits it for them).
    also: str = ""
    guards: tuple[Guard, ...] = ()
    notify: tuple[Notice, ...] = ()
    # Non-empty: the page asks for confirmation in a modal saying this (what is booked, what cannot
    # be undone); the notified groups are added to it by confirm_text().
    confirm: Text = ""
    # Earlier actions whose actors may not take this one (审定 → not 发放), unless `not_by_waived(obj)`
    # (a unit configured as having a single officer approves what its officer submitted).
    not_by: tuple[str, ...] = ()
    not_by_waived: Callable[[Any], bool] | None = None
    # Where the permission is needed, as the workflow's `can` understands it ("unit", "campaign"…).
    at: str = "unit"
    done: Text = ""  # the result's first words ("初审通过"); the label if empty
    style: str = "primary"
    needs_comment: bool = False
    # False for moves that end a case rather than move it on (驳回, 撤回): not listed as 待办.
    todo: bool = True


@dataclass(frozen=True)
class Recipients:
    label: Text  # "申请人", "审定人": the result message names them
    users: Callable[[Any], Iterable[Any]]


@dataclass(frozen=True)
class Workflow:
    name: str  # the audit prefix: "welfare.aid" → "welfare.aid.screen"
    model: type[models.Model]
    transitions: tuple[Transition, ...]
    # can(user, permission, obj, at): does the user hold the permission where the move needs it?
    can: Callable[[Any, str, Any, str], bool]
    # Is the case the user's own (applicant, proposer, or their family)?
    is_subject: Callable[[Any, Any], bool]
    notice_kind: str
    url: Callable[[Any], str]
    recipients: Mapping[str, Recipients] = field(default_factory=dict)
    # apply(obj, transition, actor=, comment=, fields=) sets the move's own fields and books what
    # it books; returns the changes for the audit entry. Raises WorkflowError to refuse.
    apply: Callable[..., dict[str, Any]] | None = None
    record_step: Callable[..., None] | None = None  # (obj, actor=, transition=, source=, comment=)
    state_field: str = "state"
    related: tuple[str, ...] = ()  # select_related of the locked row (what the checks read)
    noun: Text = ""  # "申请", "提案": in messages
    # The readable name of a permission (the access policy's label; the kernel cannot import it).
    permission_label: Callable[[str], Text] = str
    error: type[Exception] = WorkflowError
    # More names a notice's subject may use besides %(obj)s ("title", "due"…), read after the move.
    subject_args: Callable[[Any], Mapping[str, Any]] | None = None

    def find(self, action: str, state: str) -> Transition | None:
        return next((t for t in self.transitions if t.action == action and state in t.sources), None)

    def actions(self) -> set[str]:
        return {t.action for t in self.transitions}


@dataclass(frozen=True)
class Result:
    obj: Any
    transition: Transition
    notified: tuple[str, ...]  # the groups told, by label
    message: str


def earlier_actors(workflow: Workflow, obj: Any, actions: Iterable[str]) -> set[int]:
    """The users who took `actions` on `obj`, from the audit log."""
    names = [f"{workflow.name}.{action}" for action in actions]
    if not names:
        return set()
    return set(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            action__in=names,
            actor__isnull=False,
        ).values_list("actor_id", flat=True)
    )


def earlier_actors_of(workflow: Workflow, objects: list[Any]) -> dict[str, dict[str, set[int]]]:
    """{object pk: {action: actor ids}} of the actions some "not by" rule names, in one query: what
    `refusal(earlier=…)` takes, for a list of many objects (the 待办 list, a page of buttons)."""
    actions = {a for t in workflow.transitions for a in t.not_by}
    found: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    if not actions or not objects:
        return found
    prefix = f"{workflow.name}."
    rows = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(workflow.model),
        object_id__in=[str(o.pk) for o in objects],
        action__in=[prefix + a for a in actions],
        actor__isnull=False,
    ).values_list("object_id", "action", "actor_id")
    for object_id, action, actor_id in rows:
        found[object_id][action.removeprefix(prefix)].add(actor_id)
    return found


def _who(workflow: Workflow, t: Transition) -> str:
    if t.permission == SUBJECT:
        return _("本人")
    return _("有“%(perm)s”权限的人员") % {"perm": workflow.permission_label(t.permission)}


def refusal(
    workflow: Workflow,
    user: Any,
    t: Transition,
    obj: Any,
    fields: Mapping[str, Any] | None = None,
    *,
    guards: bool = True,
    earlier: Mapping[str, set[int]] | None = None,
) -> str | None:
    """Why `user` may not take `t` on `obj` now, or None. `earlier` may pass the actors of earlier
    actions already read (the 待办 list reads them for many objects at once)."""
    noun = workflow.noun or _("事项")
    if t.permission == SUBJECT:
        if not workflow.is_subject(user, obj) and not (t.also and workflow.can(user, t.also, obj, t.at)):
            return _("只有本人可以“%(action)s”。") % {"action": t.label}
    else:
        if not workflow.can(user, t.permission, obj, t.at):
            return _("您不能对这份%(noun)s执行“%(action)s”：这一步由%(who)s办理。") % {
                "noun": noun,
                "action": t.label,
                "who": _who(workflow, t),
            }
        if workflow.is_subject(user, obj):
            return _("这是您本人（或家属）的%(noun)s，“%(action)s”须由其他人办理。") % {
                "noun": noun,
                "action": t.label,
            }
    waived = t.not_by_waived is not None and t.not_by_waived(obj)
    for action in () if waived else t.not_by:
        actors = earlier.get(action, set()) if earlier is not None else earlier_actors(workflow, obj, [action])
        if getattr(user, "pk", None) in actors:
            earlier_label = next(e.label for e in workflow.transitions if e.action == action)
            return _("您已办理“%(earlier)s”，“%(action)s”须由另一人办理。") % {
                "earlier": earlier_label,
                "action": t.label,
            }
    if guards:
        for guard in t.guards:
            # The acting user is passed along: a guard's answer may depend on what they may read.
            message = guard.check(obj, {"actor": user, **(fields or {})})
            if message:
                return str(message)
    return None


def options(
    workflow: Workflow, user: Any, obj: Any, *, earlier: Mapping[str, set[int]] | None = None
) -> list[tuple[Transition, str | None]]:
    """The moves from `obj`'s state the user holds the right to take, each with the guard that
    stops it now (None when it can be taken): a page shows the reason instead of a dead button.
    `earlier`: as for refusal(), from earlier_actors_of() on a page of many objects."""
    state = getattr(obj, workflow.state_field)
    result = []
    for t in workflow.transitions:
        if state not in t.sources or refusal(workflow, user, t, obj, guards=False, earlier=earlier) is not None:
            continue
        result.append((t, refusal(workflow, user, t, obj, {"preview": True}, earlier=earlier)))
    return result


def available(workflow: Workflow, user: Any, obj: Any) -> list[Transition]:
    return [t for t, why in options(workflow, user, obj) if why is None]


@dataclass(frozen=True)
class Button:
    """A move as a page shows it: `blocked` says why it cannot be taken yet (a guard), and
    `confirm` is the modal's text for an irreversible step."""

    action: str
    label: str
    style: str
    needs_comment: bool
    confirm: str
    blocked: str | None


def buttons(workflow: Workflow, user: Any, obj: Any, *, earlier: Mapping[str, set[int]] | None = None) -> list[Button]:
    return [
        Button(
            action=t.action,
            label=str(t.label),
            style=t.style,
            needs_comment=t.needs_comment,
            confirm=confirm_text(workflow, t) if t.confirm else "",
            blocked=why,
        )
        for t, why in options(workflow, user, obj, earlier=earlier)
    ]


def recipients_of(workflow: Workflow, t: Transition, obj: Any, *, actor: Any) -> list[tuple[Notice, str, list[Any]]]:
    """[(notice, group label, users)] told of `t`: each user once (in their first group), never
    the actor."""
    seen = {getattr(actor, "pk", None)}
    groups = []
    for notice in t.notify:
        group = workflow.recipients[notice.to]
        users = []
        for user in group.users(obj):
            if user is not None and user.pk not in seen and user.is_active:
                seen.add(user.pk)
                users.append(user)
        groups.append((notice, str(group.label), users))
    return groups


def confirm_text(workflow: Workflow, t: Transition) -> str:
    """The confirmation modal's text: what happens, and who will be told."""
    told = "、".join(dict.fromkeys(str(workflow.recipients[n.to].label) for n in t.notify))
    text = str(t.confirm)
    if told:
        text += _("办理后将通知%(who)s。") % {"who": told}
    return text


def perform(workflow: Workflow, *, actor: Any, pk: Any, action: str, comment: str = "", **fields: Any) -> Result:
    """Take one move of the table, or raise workflow.error saying why not."""
    comment = (comment or "").strip()
    with transaction.atomic():
        obj = (
            workflow.model.objects.select_for_update(of=("self",))
            .select_related(*workflow.related)
            .filter(pk=pk)
            .first()
        )
        if obj is None:
            raise workflow.model.DoesNotExist(pk)
        source = getattr(obj, workflow.state_field)
        t = workflow.find(action, source)
        named = [e for e in workflow.transitions if e.action == action]
        if not named:
            raise workflow.error(_("未知的操作。"))
        # Who may act comes first: someone who may never take this move is told so, not the state.
        why = refusal(workflow, actor, t or named[0], obj, fields, guards=False)
        if why:
            raise workflow.error(why)
        if t is None:
            display = getattr(obj, f"get_{workflow.state_field}_display")()
            raise workflow.error(
                _("%(noun)s当前状态为“%(state)s”，不能“%(action)s”。")
                % {"noun": workflow.noun or _("事项"), "state": display, "action": named[0].label}
            )
        why = refusal(workflow, actor, t, obj, fields)
        if why:
            raise workflow.error(why)
        if t.needs_comment and not comment:
            raise workflow.error(_("请填写%(action)s的理由。") % {"action": t.label})
        changes: dict[str, Any] = {workflow.state_field: [source, t.target]}
        if workflow.apply is not None:
            changes |= workflow.apply(obj, t, actor=actor, comment=comment, fields=fields) or {}
        setattr(obj, workflow.state_field, t.target)
        obj.save()
        if workflow.record_step is not None:
            workflow.record_step(obj, actor=actor, transition=t, source=source, comment=comment)
        entry = audit_record(actor=actor, action=f"{workflow.name}.{t.action}", obj=obj, changes=changes)
        groups = recipients_of(workflow, t, obj, actor=actor)
        _schedule(workflow, obj, groups, key=f"{t.action}:{entry.pk}", comment=comment)
    told = tuple(dict.fromkeys(label for _notice, label, users in groups if users))
    message = str(t.done or t.label)
    if told:
        message += _("，已通知%(who)s") % {"who": "和".join(told)}
    return Result(obj=obj, transition=t, notified=told, message=message + "。")


def _schedule(
    workflow: Workflow, obj: Any, groups: list[tuple[Notice, str, list[Any]]], *, key: str, comment: str
) -> None:
    """Write the notices once the step has committed: a rolled-back step tells nobody. The key (the
    step's audit entry) makes each handoff one notice per person, however often the task runs."""
    from .notifications import notify

    url = workflow.url(obj)
    # Formatted now: after the commit the object may have moved on.
    args = {"obj": obj, **(workflow.subject_args(obj) if workflow.subject_args else {})}
    sends = [
        (notice.kind or workflow.notice_kind, user, str(notice.subject) % args)
        for notice, _label, users in groups
        for user in users
    ]
    content_type = ContentType.objects.get_for_model(obj)
    source_pk = obj.pk

    def send() -> None:
        source = content_type.get_object_for_this_type(pk=source_pk)
        for kind, user, subject in sends:
            notify(
                kind=kind,
                recipient=user,
                subject=subject,
                body=comment,
                url=url,
                source=source,
                key=key,
            )

    if sends:
        transaction.on_commit(send, robust=True)


def markdown_table(workflow: Workflow) -> str:
    """The workflow as the docs show it; each app's docs test checks its page holds this verbatim
    (regenerate with `python manage.py shell -c "…print(markdown_table(FLOW))"`)."""

    def state(value: str) -> str:
        return str(dict(workflow.model._meta.get_field(workflow.state_field).flatchoices).get(value, value))

    lines = [
        "| action | from | to | who (where) | guards | not by | told | confirms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for t in workflow.transitions:
        who = _("本人") if t.permission == SUBJECT else str(workflow.permission_label(t.permission))
        if t.also:
            who += " / " + str(workflow.permission_label(t.also))
        not_by = [str(next(e.label for e in workflow.transitions if e.action == a)) for a in t.not_by]
        told = dict.fromkeys(str(workflow.recipients[n.to].label) for n in t.notify)
        cells = [
            f"{t.action} {t.label}",
            ", ".join(state(s) for s in t.sources),
            state(t.target),
            f"{who} ({t.at})",
            ", ".join(f"`{g.name}` {g.label}" for g in t.guards) or "—",
            ", ".join(not_by) or "—",
            ", ".join(told) or "—",
            "yes" if t.confirm else "—",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
