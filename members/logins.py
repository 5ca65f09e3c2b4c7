"""Logins from the roster: the committee creates them for chosen members, or for everyone of a unit
without one, in one step; a member with an email address given gets an activation link by email,
the others a first-time code on a printed sheet. A member who leaves loses the login, one who
transfers back in gets it back (docs/organisation.md)."""

import secrets
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode
from django.utils.translation import gettext as _

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
    code: str  # empty when the activation link went by email
    email: str = ""


class ActivationTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset token (spent once the password is set, since it hashes the
    password), with its own salt and its own lifetime, LOGIN_ACTIVATION_TIMEOUT."""

    key_salt = "members.logins.ActivationTokenGenerator"

    def check_token(self, user, token):
        # Django's check compares the age with PASSWORD_RESET_TIMEOUT (two hours); this one with ours.
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except (AttributeError, ValueError):
            return False
        if user is None or self._num_seconds(self._now()) - timestamp > settings.LOGIN_ACTIVATION_TIMEOUT:
            return False
        return any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )


activation_tokens = ActivationTokenGenerator()


def activation_link(user: Any, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return base_url.rstrip("/") + reverse("members:login_activate", args=[uid, activation_tokens.make_token(user)])


def _send_activation(user: Any, member: Member, base_url: str) -> None:
    days = settings.LOGIN_ACTIVATION_TIMEOUT // (24 * 60 * 60)
    body = _(
        "%(name)s：\n\n%(unit)s为您开通了工会办公管理系统的账号，用户名 %(username)s。"
        "请在 %(days)d 天内打开下面的链接设置密码（链接只能使用一次）：\n\n%(link)s\n\n"
        "链接过期后，请联系工会重新发送，或在登录页用“忘记密码”。"
    ) % {
        "name": member.name,
        "unit": member.org_unit.name,
        "username": user.get_username(),
        "days": days,
        "link": activation_link(user, base_url),
    }
    send_mail(_("请激活您的工会账号"), body, None, [user.email])


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


def logins_create(
    *, actor: Any, member_ids: list[int], emails: dict[int, str] | None = None, base_url: str = ""
) -> list[IssuedLogin]:
    """A login for each member named who is on the roll and has none. A member with an address in
    `emails` gets no password but an activation link, sent once the logins are committed; the others
    a first-time code as their password, returned once for the printed sheet and stored only as a
    hash."""
    emails = emails or {}
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
            email = emails.get(member.pk, "").strip()
            user = User(username=username, first_name=member.name, email=email)
            code = "" if email else "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            if email:
                user.set_unusable_password()
            else:
                user.set_password(code)
            user.save()
            member.user = user
            member.save(update_fields=["user", "updated_at"])
            audit_record(
                actor=actor,
                action="member.login_create",
                obj=member,
                changes={"username": username, "by": "email" if email else "code"},
            )
            if email:
                transaction.on_commit(partial(_send_activation, user, member, base_url))
            issued.append(IssuedLogin(member, username, code, email))
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
