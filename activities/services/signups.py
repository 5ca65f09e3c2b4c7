"""Sign-ups: places, the waitlist, 比赛项目 entries and check-in.

Capacity holds under concurrency because every sign-up, cancellation and capacity change locks the
event row first (SELECT … FOR UPDATE) and counts the places held inside that lock: two members
racing for the last place are served one after the other, and the second one is waitlisted.
Lock order, everywhere: event, then sign-up rows, then 比赛项目 rows.
"""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from members import access
from members.models import Member, MemberStatus
from union_office.audit import audit_record

from .. import workflow
from ..models import HOLDS_PLACE, Eligibility, Event, SignUp, SignUpStatus, SubEvent, SubEventEntry
from .common import ActivityError, own_member
from .reminders import schedule_signup_reminders

ACTIVE_STATUSES = (SignUpStatus.SIGNED_UP, SignUpStatus.WAITLISTED, SignUpStatus.CHECKED_IN)


def ineligibility_reason(event: Event, member: Member) -> str | None:
    """Why `member` may not join `event`, in words for the member; None when they may."""
    if not member.org_unit.path.startswith(event.org_unit.path):
        return _("本活动由“%(unit)s”主办，仅限其会员报名。") % {"unit": event.org_unit.name}
    if event.eligibility == Eligibility.RETIREES:
        if member.status != MemberStatus.RETIRED:
            return _("本活动仅限退休职工参加。")
        return None
    if member.status != MemberStatus.ACTIVE:
        return _("会籍状态为“%(status)s”的会员不能报名。") % {"status": member.get_status_display()}
    if event.eligibility == Eligibility.WOMEN and member.gender != Member.Gender.FEMALE:
        return _("本活动仅限女职工参加，您不在报名范围内。")
    if event.eligibility == Eligibility.UNITS:
        units = list(event.eligible_units.all())
        if not any(member.org_unit.path.startswith(unit.path) for unit in units):
            return _("本活动仅限以下单位的会员参加：%(units)s。") % {"units": "、".join(u.name for u in units)}
    return None


def places_taken(event: Event) -> int:
    return SignUp.objects.filter(event=event, status__in=HOLDS_PLACE).count()


def window_refusal(event: Event) -> str | None:
    now = timezone.now()
    if event.status not in workflow.SIGNUP_STATUSES:
        return _("活动“%(title)s”当前%(status)s，不接受报名。") % {
            "title": event.title,
            "status": event.get_status_display(),
        }
    if event.signup_opens_at and now < event.signup_opens_at:
        opens = timezone.localtime(event.signup_opens_at)
        return _("报名将于 %(when)s 开始。") % {"when": f"{opens:%Y-%m-%d %H:%M}"}
    if event.signup_closes_at and now > event.signup_closes_at:
        return _("报名已于 %(when)s 截止。") % {"when": f"{timezone.localtime(event.signup_closes_at):%Y-%m-%d %H:%M}"}
    if now >= event.starts_at:
        return _("活动已经开始，不能再报名。")
    return None


def _locked_event(event_id: int) -> Event:
    return Event.objects.select_for_update(of=("self",)).select_related("org_unit").get(pk=event_id)


def _acting_for(actor: Any, event: Event, member: Member | None) -> Member:
    """The member signed up: the actor's own record, or anyone when an organiser does it for them."""
    own = own_member(actor)
    if member is None:
        if own is None:
            raise ActivityError(_("您的账号没有关联会员信息，不能报名；请联系工会办公室。"))
        return own
    if own is None or member.pk != own.pk:
        access.require(actor, workflow.MANAGE, event.org_unit)
    return member


def signup_create(*, actor: Any, event_id: int, member: Member | None = None) -> SignUp:
    """Sign up (or get on the waitlist when the places are gone); an organiser may sign up others."""
    with transaction.atomic():
        event = _locked_event(event_id)
        member = _acting_for(actor, event, member)
        refusal = window_refusal(event) or ineligibility_reason(event, member)
        if refusal:
            raise ActivityError(refusal)
        signup = SignUp.objects.select_for_update().filter(event=event, member=member).first()
        if signup is not None and signup.status in ACTIVE_STATUSES:
            if signup.status == SignUpStatus.WAITLISTED:
                raise ActivityError(_("您已在候补名单中，有人取消时会自动递补。"))
            raise ActivityError(_("已经报过名了，无需重复报名。"))
        full = event.capacity is not None and places_taken(event) >= event.capacity
        status = SignUpStatus.WAITLISTED if full else SignUpStatus.SIGNED_UP
        now = timezone.now()
        if signup is None:
            signup = SignUp.objects.create(
                event=event,
                member=member,
                status=status,
                queued_at=now,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        else:
            # Signing up again after cancelling: to the back of the queue.
            signup.status, signup.queued_at, signup.cancelled_at = status, now, None
            signup.save(update_fields=["status", "queued_at", "cancelled_at", "updated_at"])
        audit_record_signup(actor, signup, f"activities.signup.{'waitlist' if full else 'create'}")
        if status == SignUpStatus.SIGNED_UP:
            schedule_signup_reminders(signup)
    return signup


def signup_cancel(*, actor: Any, signup_id: int) -> SignUp:
    """Cancel a sign-up; a freed place goes to the first person on the waitlist."""
    event_id = SignUp.objects.filter(pk=signup_id).values_list("event_id", flat=True).first()
    if event_id is None:
        raise SignUp.DoesNotExist(signup_id)
    with transaction.atomic():
        event = _locked_event(event_id)
        signup = SignUp.objects.select_for_update(of=("self",)).select_related("member").get(pk=signup_id)
        _acting_for(actor, event, signup.member)
        if signup.status not in (SignUpStatus.SIGNED_UP, SignUpStatus.WAITLISTED):
            raise ActivityError(_("该报名%(status)s，不能取消。") % {"status": signup.get_status_display()})
        if event.status not in workflow.CANCELLABLE_STATUSES or timezone.now() >= event.starts_at:
            raise ActivityError(_("活动已经开始或结束，不能取消报名；请联系组织者。"))
        before = signup.status
        signup.status, signup.cancelled_at = SignUpStatus.CANCELLED, timezone.now()
        signup.save(update_fields=["status", "cancelled_at", "updated_at"])
        signup.entries.all().delete()
        audit_record_signup(actor, signup, "activities.signup.cancel", {"status": [before, signup.status]})
        if before == SignUpStatus.SIGNED_UP:
            promote_waitlist(event, actor=actor)
        schedule_signup_reminders(signup)  # withdraws the member's pending reminders
    return signup


def promote_waitlist(event: Event, *, actor: Any) -> list[SignUp]:
    """Give free places to the waitlist in queue order. Call with the event row locked."""
    if event.status not in workflow.CANCELLABLE_STATUSES | workflow.CHECK_IN_STATUSES:
        return []
    waiting = SignUp.objects.select_for_update().filter(event=event, status=SignUpStatus.WAITLISTED)
    if event.capacity is not None:
        free = event.capacity - places_taken(event)
        if free <= 0:
            return []
        waiting = waiting.order_by("queued_at", "pk")[:free]
    promoted = list(waiting.select_related("member"))
    for signup in promoted:
        signup.status = SignUpStatus.SIGNED_UP
        signup.save(update_fields=["status", "updated_at"])
        audit_record_signup(actor, signup, "activities.signup.promote")
        schedule_signup_reminders(signup, promoted=True)
    return promoted


def check_in(*, actor: Any, signup_id: int, undo: bool = False) -> SignUp:
    """The organiser marks someone present (已签到), or takes it back after a wrong tap."""
    signup = SignUp.objects.select_related("event__org_unit", "member").get(pk=signup_id)
    access.require(actor, workflow.MANAGE, signup.event.org_unit)
    with transaction.atomic():
        signup = SignUp.objects.select_for_update(of=("self",)).select_related("event", "member").get(pk=signup_id)
        if signup.event.status not in workflow.CHECK_IN_STATUSES:
            raise ActivityError(_("活动%(status)s，不能签到。") % {"status": signup.event.get_status_display()})
        wanted_from = SignUpStatus.CHECKED_IN if undo else SignUpStatus.SIGNED_UP
        if signup.status != wanted_from:
            if undo:
                raise ActivityError(_("%(name)s 还没有签到。") % {"name": signup.member.name})
            raise ActivityError(
                _("%(name)s 的报名状态为“%(status)s”，不能签到。")
                % {"name": signup.member.name, "status": signup.get_status_display()}
            )
        signup.status = SignUpStatus.SIGNED_UP if undo else SignUpStatus.CHECKED_IN
        signup.checked_in_at = None if undo else timezone.now()
        signup.save(update_fields=["status", "checked_in_at", "updated_at"])
        audit_record_signup(actor, signup, "activities.signup.check_in_undo" if undo else "activities.signup.check_in")
    return signup


def item_enter(*, actor: Any, signup_id: int, sub_event_id: int) -> SubEventEntry:
    """Enter a 比赛项目: within its places and the event's per-person cap (每人限报 N 项)."""
    event_id = SignUp.objects.filter(pk=signup_id).values_list("event_id", flat=True).first()
    if event_id is None:
        raise SignUp.DoesNotExist(signup_id)
    with transaction.atomic():
        event = _locked_event(event_id)
        signup = SignUp.objects.select_for_update(of=("self",)).select_related("member").get(pk=signup_id)
        _acting_for(actor, event, signup.member)
        item = SubEvent.objects.select_for_update().get(pk=sub_event_id, event=event)
        if signup.status not in HOLDS_PLACE:
            raise ActivityError(_("报名成功（不是候补）后才能报比赛项目。"))
        refusal = window_refusal(event)
        if refusal:
            raise ActivityError(refusal)
        if SubEventEntry.objects.filter(signup=signup, sub_event=item).exists():
            raise ActivityError(_("已经报了“%(item)s”。") % {"item": item.name})
        if event.items_per_person is not None:
            count = SubEventEntry.objects.filter(signup=signup).count()
            if count >= event.items_per_person:
                raise ActivityError(
                    _("每人最多报 %(cap)s 个比赛项目，您已报 %(count)s 个；请先退出一个再报“%(item)s”。")
                    % {"cap": event.items_per_person, "count": count, "item": item.name}
                )
        if item.capacity is not None and item.entries.count() >= item.capacity:
            raise ActivityError(_("“%(item)s”的 %(cap)s 个名额已满。") % {"item": item.name, "cap": item.capacity})
        entry = SubEventEntry.objects.create(sub_event=item, signup=signup)
        audit_record_signup(actor, signup, "activities.item.enter", {"item": item.name})
    return entry


def item_withdraw(*, actor: Any, signup_id: int, sub_event_id: int) -> None:
    event_id = SignUp.objects.filter(pk=signup_id).values_list("event_id", flat=True).first()
    if event_id is None:
        raise SignUp.DoesNotExist(signup_id)
    with transaction.atomic():
        event = _locked_event(event_id)
        signup = SignUp.objects.select_for_update(of=("self",)).select_related("member").get(pk=signup_id)
        _acting_for(actor, event, signup.member)
        refusal = window_refusal(event)
        if refusal:
            raise ActivityError(refusal)
        entry = (
            SubEventEntry.objects.select_related("sub_event").filter(signup=signup, sub_event_id=sub_event_id).first()
        )
        if entry is None:
            raise ActivityError(_("没有报这个项目。"))
        entry.delete()
        audit_record_signup(actor, signup, "activities.item.withdraw", {"item": entry.sub_event.name})


def audit_record_signup(actor: Any, signup: SignUp, action: str, changes: dict[str, Any] | None = None) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=signup.event,
        changes={"member": signup.member.name, "status": signup.status} | (changes or {}),
    )
