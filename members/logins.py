"""Logins from the roster: the committee creates them for chosen members, or for everyone of a unit
without one, in one step, and prints a sheet of first-time codes; a member who leaves loses the
login, one who transfers back in gets it back (docs/organisation.md)."""

import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet

from union_office.audit import audit_record

from . import access
from .models import Member, MemberStatus

PERM = "members.change_member"
# No 0/O, 1/I/L: read off paper and typed by people who have never used the system.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
# A member in one of these statuses has no business logging in; 已退休 keeps the login (retirees
# join events and apply for aid).
LEFT_STATUSES = frozenset({MemberStatus.TRANSFERRED_OUT, MemberStatus.WITHDRAWN, MemberStatus.DECEASED})


@dataclass(frozen=True)
class IssuedLogin:
    member: Member
    username: str
    code: str


def without_login(user: Any, unit=None) -> QuerySet[Member]:
    """On-the-roll members the user keeps who have no login yet (of `unit`'s subtree if given)."""
    members = access.visible(user, PERM, Member.objects.filter(status=MemberStatus.ACTIVE, user__isnull=True))
    if unit is not None:
        members = members.filter(org_unit__path__startswith=unit.path)
    return members.select_related("org_unit").order_by("org_unit__path", "name")


def _username(member: Member, taken: set[str]) -> str:
    base = member.member_no.strip().lower() if member.member_no.strip() else f"hy{member.pk:06d}"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def logins_create(*, actor: Any, member_ids: list[int]) -> list[IssuedLogin]:
    """A login for each member named who is on the roll and has none, with a first-time code as its
    password. The codes are returned once, for the printed sheet, and stored only as hashes."""
    User = get_user_model()
    issued: list[IssuedLogin] = []
    with transaction.atomic():
        members = list(
            Member.objects.select_for_update(of=("self",))
            .filter(pk__in=member_ids, status=MemberStatus.ACTIVE, user__isnull=True)
            .select_related("org_unit")
            .order_by("org_unit__path", "name")
        )
        for member in members:
            access.require(actor, PERM, member.org_unit)
        wanted = {(m.member_no.strip().lower() or f"hy{m.pk:06d}") for m in members}
        taken = set(User.objects.filter(username__startswith="hy").values_list("username", flat=True))
        taken |= set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        for member in members:
            username = _username(member, taken)
            taken.add(username)
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            user = User(username=username, first_name=member.name)
            user.set_password(code)
            user.save()
            member.user = user
            member.save(update_fields=["user", "updated_at"])
            audit_record(actor=actor, action="member.login_create", obj=member, changes={"username": username})
            issued.append(IssuedLogin(member, username, code))
    return issued


def login_follow_status(member: Member) -> dict[str, list[bool]]:
    """Disable the member's login when they leave (退会/转出/去世), enable it when they are back on
    the roll (转入); called by the membership workflow on the locked member. Returns the audited
    change, if any."""
    if not member.user_id:
        return {}
    active = member.status not in LEFT_STATUSES
    updated = get_user_model().objects.filter(pk=member.user_id).exclude(is_active=active).update(is_active=active)
    return {"login_active": [not active, active]} if updated else {}
