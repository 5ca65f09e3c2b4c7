"""Re-encrypt and re-hash every encrypted field under the first key of FIELD_ENCRYPTION_KEYS.

A rotation (docs/backup.md): put the new key first in FIELD_ENCRYPTION_KEYS, keep the old one
after it, restart, run this command, then drop the old key. Rows are taken in primary-key order in
batches, each batch locked and rewritten in its own transaction, so the command can be stopped at
any time and run again: a value already under the first key starts with its key id and is skipped.
The canary is rewritten last; until then the start-up check accepts the old key's canary.
"""

from typing import Any

from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction

from union_office import crypto
from union_office.audit import audit_record
from union_office.models import FieldKeyCanary


def encrypted_fields() -> list[tuple[type[models.Model], str, str | None]]:
    """(model, cipher field, hash field or None) for every `<name>_cipher` column of the project;
    its `<name>_hash` sibling, when there is one, holds the keyed hash of the same plaintext."""
    found = []
    for model in apps.get_models():
        names = {field.name for field in model._meta.concrete_fields}
        for name in sorted(names):
            if name.endswith("_cipher") and model is not FieldKeyCanary:
                hash_name = name.removesuffix("_cipher") + "_hash"
                found.append((model, name, hash_name if hash_name in names else None))
    return found


def rotate_field(
    model: type[models.Model], cipher: str, hash_field: str | None, *, batch_size: int, max_rows: int | None = None
) -> int:
    """Rewrite the rows of one field not yet under the current key; returns how many. With
    `max_rows`, stop after the batch that reaches it (a maintenance window; run again to go on)."""
    prefix = crypto.current_prefix()
    pending = model._base_manager.exclude(**{f"{cipher}__startswith": prefix}).exclude(**{cipher: ""})
    done, after = 0, None
    while max_rows is None or done < max_rows:
        with transaction.atomic():
            rows = pending.order_by("pk")
            if after is not None:
                rows = rows.filter(pk__gt=after)
            batch = list(rows.select_for_update().only("pk", cipher)[:batch_size])
            if not batch:
                return done
            changed = [cipher] + ([hash_field] if hash_field else [])
            for row in batch:
                plain = crypto.decrypt(getattr(row, cipher))
                setattr(row, cipher, crypto.encrypt(plain))
                if hash_field:
                    setattr(row, hash_field, crypto.keyed_hash(plain))
            model._base_manager.bulk_update(batch, changed)
        done += len(batch)
        after = batch[-1].pk
    return done


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field under the first key of FIELD_ENCRYPTION_KEYS (resumable)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows per transaction (default 1000).")
        parser.add_argument(
            "--max-rows", type=int, default=None, help="Stop after about this many rows (run again to resume)."
        )

    def handle(self, *args: Any, batch_size: int, max_rows: int | None, **options: Any) -> None:
        if not 1 <= batch_size <= 100_000:
            raise CommandError("--batch-size must be between 1 and 100000")
        counts: dict[str, int] = {}
        for model, cipher, hash_field in encrypted_fields():
            left = None if max_rows is None else max_rows - sum(counts.values())
            if left is not None and left <= 0:
                self.stdout.write("Stopped at --max-rows; run the command again to go on.")
                return
            try:
                counts[f"{model._meta.label}.{cipher}"] = rotate_field(
                    model, cipher, hash_field, batch_size=batch_size, max_rows=left
                )
            except (ValueError, InvalidTag) as exc:
                raise CommandError(
                    f"{model._meta.label}.{cipher}: a value none of FIELD_ENCRYPTION_KEYS decrypts ({exc!r}); "
                    "add the key it was written with to the list and run the command again."
                ) from exc
            self.stdout.write(f"{model._meta.label}.{cipher}: {counts[f'{model._meta.label}.{cipher}']}")
        if max_rows is not None and any(
            model._base_manager.exclude(**{f"{cipher}__startswith": crypto.current_prefix()}).exclude(**{cipher: ""})
            for model, cipher, _hash in encrypted_fields()
        ):
            self.stdout.write("Stopped at --max-rows; run the command again to go on.")
            return
        with transaction.atomic():
            FieldKeyCanary.objects.update_or_create(pk=1, defaults={"token": crypto.encrypt(crypto.CANARY_TEXT)})
            audit_record(actor=None, action="crypto.rotate_field_key", changes={"rows": counts})
        current = crypto.key_id(settings.FIELD_ENCRYPTION_KEY)
        self.stdout.write(self.style.SUCCESS(f"All values are under key {current}."))
