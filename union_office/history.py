"""The history of rules a union sets (慰问标准, 经费使用规则): who changed what, when and why.

The rows come from django-simple-history (`history = HistoricalRecords()` on the model): every
save and delete writes a historical copy. The services set the actor and the reason before they
save (`stamp`), so the page can say "主席王芳 2026-12-08 把每次最高从 2000 改为 1500：理由 …".
The audit log keeps its own entry of the same change; this history is what the rule's page shows
to the people who work by the rule, the audit is what the 经审 reads.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import audit_record

REASON_MAX = 100

KIND_LABELS = {"+": _("新增"), "~": _("修改"), "-": _("删除")}


def reason_given(reason: str) -> str:
    """The reason for a change of a rule, required: it stays in the rule's history."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("请填写调整理由（如会议纪要、文件号），它会留在规则的历史里。"))
    return reason[:REASON_MAX]


def reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("调整理由"),
        max_length=REASON_MAX,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("如：2026年第3次主席办公会决定；留在历史里。"),
    )


class ReasonForm(forms.Form):
    """Only the reason: removing a rule."""

    reason = reason_field()


def stamp(instance: models.Model, *, actor: Any, reason: str) -> None:
    """Name who changes `instance` and why, for the history row its next save or delete writes."""
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason[:REASON_MAX]  # type: ignore[attr-defined]


def save_rule(
    rule: models.Model, values: dict[str, Any], *, actor: Any, reason: str, action: str, changes: dict[str, Any]
) -> None:
    """Apply `values` to a rule and save it with its history row and its audit entry (call it in the
    transaction that locked the rule)."""
    for name, value in values.items():
        setattr(rule, name, value)
    stamp(rule, actor=actor, reason=reason)
    rule.save()
    audit_record(actor=actor, action=action, obj=rule, changes={**changes, "reason": reason})


def remove_rule(rule: models.Model, *, actor: Any, reason: str, action: str) -> None:
    """Delete a rule; its history keeps a 删除 row with the actor and the reason."""
    audit_record(actor=actor, action=action, obj=rule, changes={"deleted": str(rule), "reason": reason})
    stamp(rule, actor=actor, reason=reason)
    rule.delete()


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryRow:
    at: Any
    who: str
    kind: str
    subject: str
    reason: str
    changes: list[Change] = field(default_factory=list)


def _shown(record: models.Model, name: str, empty: dict[str, str]) -> str:
    value = getattr(record, name)
    display = getattr(record, f"get_{name}_display", None)
    if display is not None and value is not None:
        return str(display())
    if value is None or value == "":
        return str(empty.get(name, "—"))
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


def rows(
    records: Iterable[models.Model],
    fields: list[str],
    subject: Any,
    empty: dict[str, str] | None = None,
    limit: int = 200,
) -> list[HistoryRow]:
    """The newest `limit` changes of `records` (historical rows of several objects, any order),
    each with the fields that changed from that object's previous row. `subject(record)` names the
    rule; `empty` says what a blank field means ("不限"). The records are read once: no query per
    row."""
    empty = empty or {}
    records = sorted(records, key=lambda r: (r.history_date, r.history_id))
    previous: dict[Any, models.Model] = {}
    out: list[HistoryRow] = []
    for record in records:
        model = record.instance_type
        before = previous.get(record.id)
        changes = []
        for name in fields:
            new = _shown(record, name, empty)
            old = _shown(before, name, empty) if before is not None else "—"
            if record.history_type == "-" or (before is not None and old == new):
                continue
            changes.append(Change(str(model._meta.get_field(name).verbose_name), old, new))
        user = record.history_user
        out.append(
            HistoryRow(
                at=record.history_date,
                who=(user.get_full_name() or user.get_username()) if user is not None else str(_("系统")),
                kind=str(KIND_LABELS[record.history_type]),
                subject=str(subject(record)),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
        previous[record.id] = record
    return out[::-1][:limit]


def seed_existing(app_label: str, model_name: str) -> Any:
    """A migration step writing one 新增 row for each rule that existed before its history was
    kept, so that its first change on the page shows what it was before."""

    def run(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        historical = apps.get_model(app_label, f"Historical{model_name}")
        names = [f.attname for f in model._meta.concrete_fields]
        now = timezone.now()
        historical.objects.bulk_create(
            historical(
                **{name: getattr(rule, name) for name in names},
                history_date=now,
                history_type="+",
                history_change_reason="启用历史记录时的现行规则",
            )
            for rule in model.objects.all()
        )

    return run
