"""Enrolment codes for two-step sign-in: issued by an administrator or the unit's chair, used once.

Binding an authenticator needs the password and this code, handed over in person or by phone, so
a password alone (leaked, guessed, shared) cannot bind the attacker's phone to the account.
"""

import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from union_office import crypto
from union_office.audit import audit_record
from union_office.models import TwoFactorEnrolmentCode

CODE_LIFETIME = timedelta(days=3)
# Wrong codes before the code is void and a new one must be asked for: 8 random base-32 characters
# (40 bits) against 5 guesses.
MAX_FAILURES = 5
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def _normal(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def enrolment_code_issue(*, actor: Any, user: Any) -> str:
    """A new code for `user` (any earlier one is void); returned once, stored as a keyed hash."""
    code = "".join(secrets.choice(_ALPHABET) for _i in range(8))
    with transaction.atomic():
        TwoFactorEnrolmentCode.objects.update_or_create(
            user=user,
            defaults={
                "code_hash": crypto.keyed_hash(code),
                "issued_by": actor if getattr(actor, "is_authenticated", False) else None,
                "expires_at": timezone.now() + CODE_LIFETIME,
                "failures": 0,
            },
        )
        audit_record(actor=actor, action="two_factor.enrolment_code_issued", obj=user)
    return f"{code[:4]}-{code[4:]}"


def enrolment_code_redeem(*, user: Any, code: str) -> bool:
    """True, and the code is used up, if `code` is the user's live code; a wrong one counts a failure."""
    with transaction.atomic():
        row = TwoFactorEnrolmentCode.objects.select_for_update().filter(user=user).first()
        if row is None or row.expires_at <= timezone.now() or row.failures >= MAX_FAILURES:
            return False
        if not any(secrets.compare_digest(row.code_hash, h) for h in crypto.keyed_hashes(_normal(code))):
            row.failures += 1
            row.save(update_fields=["failures"])
            return False
        row.delete()
    return True


def enrolment_code_pending(user: Any) -> bool:
    return TwoFactorEnrolmentCode.objects.filter(
        user=user, expires_at__gt=timezone.now(), failures__lt=MAX_FAILURES
    ).exists()
