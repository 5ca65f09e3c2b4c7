"""The audit log API used by every service: `audit_record(...)` inside the change's transaction."""

import ipaddress
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from .models import AuditEntry, AuditKind

# The address and user agent of the request being served (AuditContextMiddleware): services record
# them without each view passing the request down.
_REQUEST_ORIGIN: ContextVar[tuple[str | None, str]] = ContextVar("audit_request_origin", default=(None, ""))


class AuditContextMiddleware:
    """Make the request's client address and user agent available to audit_record()."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .accounts.backends import client_ip

        address = client_ip(request)
        try:
            address = str(ipaddress.ip_address(address)) if address else None
        except ValueError:  # a forged X-Forwarded-For: not an address, not stored
            address = None
        token = _REQUEST_ORIGIN.set((address, request.headers.get("User-Agent", "")[:300]))
        try:
            return self.get_response(request)
        finally:
            _REQUEST_ORIGIN.reset(token)


# Field names whose values never reach the audit log in clear. Apps extend this set when they add
# a sensitive field (ID numbers, bank accounts, household income).
SENSITIVE_FIELDS: set[str] = {"id_number", "password", "bank_account"}


def mask_value(value: Any) -> str:
    """Keep the first 6 and the last 4 characters (110105********1234); shorter values vanish."""
    text = "" if value is None else str(value)
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The values of `fields` now, to compare with after a change."""
    return {name: _plain(getattr(instance, name)) for name in fields}


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value differs."""
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def field_changes(instance: models.Model, values: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the `values` that differ from the instance's current ones: call it
    before applying them (the same form as changed_fields)."""
    return changed_fields(snapshot(instance, list(values)), {name: _plain(value) for name, value in values.items()})


# Objects without an org unit of their own belong to the unit of the first of these they point to
# (a ballot to its session, a membership change to its member, a payment to its application).
_UNIT_OWNERS = ("member", "session", "campaign", "application", "event", "schedule", "plan", "motion", "file")


def unit_pk_of(obj: models.Model | None) -> int | None:
    """The key of the org unit `obj` belongs to, for the 审计日志 page's scope; None if it has none."""
    for _depth in range(3):
        if obj is None:
            return None
        if obj._meta.label == "members.OrgUnit":
            return obj.pk
        unit_pk = getattr(obj, "org_unit_id", None)
        if unit_pk is not None:
            return unit_pk
        obj = next((getattr(obj, name) for name in _UNIT_OWNERS if getattr(obj, f"{name}_id", None)), None)
    return None


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    changes: dict[str, Any] | None = None,
    kind: AuditKind = AuditKind.CHANGE,
    unit: models.Model | None = None,
    unit_pk: int | None = None,
) -> AuditEntry:
    """Write one audit entry. Call it inside the transaction of the change it records.

    `unit` (or its key, `unit_pk`) names the org unit when `obj` does not lead to one (an export
    of a whole unit's report).
    """
    if unit is not None:
        unit_pk = unit.pk
    masked: dict[str, Any] = {}
    for name, value in (changes or {}).items():
        if name in SENSITIVE_FIELDS:
            value = [mask_value(v) for v in value] if isinstance(value, list) else mask_value(value)
        masked[name] = value
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    address, user_agent = _REQUEST_ORIGIN.get()
    return AuditEntry.objects.create(
        ip_address=address or None,
        user_agent=user_agent,
        actor=actor if is_user else None,
        actor_repr=(actor.get_full_name() or actor.get_username()) if is_user else "系统",
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=masked,
        kind=kind,
        org_unit_pk=unit_pk if unit_pk is not None else unit_pk_of(obj),
    )


def audit_read(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    unit_pk: int | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that `actor` opened a record with personal data few may read (issue 17, finding 6)."""
    return audit_record(actor=actor, action=action, obj=obj, unit_pk=unit_pk, changes=changes, kind=AuditKind.READ)


def audit_export(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    unit: models.Model | None = None,
    unit_pk: int | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record a file that leaves the system (xlsx, PDF, printed form): what, of which unit, how filtered."""
    return audit_record(
        actor=actor, action=action, obj=obj, unit=unit, unit_pk=unit_pk, changes=changes, kind=AuditKind.EXPORT
    )


@contextmanager
def audit_maintenance() -> Iterator[None]:
    """A transaction in which the PostgreSQL trigger lets entries be updated or deleted.

    For a retention rule or a correction the operators decide on (migration 0007). The setting is
    local to the transaction, and switched off again at the end of the block: nested in an outer
    transaction (a savepoint), it would otherwise last until that one ends.
    """
    postgresql = connection.vendor == "postgresql"
    with transaction.atomic():
        if postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('union_office.audit_maintenance', 'on', true)")
        yield
        if postgresql:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('union_office.audit_maintenance', 'off', true)")
