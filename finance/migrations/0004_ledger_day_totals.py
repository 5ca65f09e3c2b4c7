"""The ledger's day totals (LedgerDayTotal), counted from the entries already booked."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Case, CharField, Count, Q, Sum, Value, When


def count_existing_entries(apps, schema_editor):
    """What `finance.services.ledger_day_totals_rebuild` does, for every unit at once."""
    LedgerEntry = apps.get_model("finance", "LedgerEntry")
    LedgerDayTotal = apps.get_model("finance", "LedgerDayTotal")
    rows = (
        LedgerEntry.objects.annotate(
            channel=Case(
                When(source_key__startswith="form:", then=Value("form")),
                When(source_key__startswith="import:", then=Value("import")),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .values("org_unit_id", "date", "account_id", "source_type_id", "channel")
        .annotate(
            total=Sum("signed_amount"), entry_count=Count("pk"), reversal_count=Count("pk", filter=Q(is_reversal=True))
        )
        .order_by()
    )
    LedgerDayTotal.objects.bulk_create(
        (LedgerDayTotal(**row) for row in rows.iterator(chunk_size=5_000)), batch_size=5_000
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("finance", "0003_opening_balance"),
        ("members", "0010_roster_version_per_top_unit"),
    ]

    operations = [
        migrations.CreateModel(
            name="LedgerDayTotal",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField()),
                ("channel", models.CharField(blank=True, max_length=10)),
                ("total", models.DecimalField(decimal_places=2, max_digits=14)),
                ("entry_count", models.PositiveIntegerField()),
                ("reversal_count", models.PositiveIntegerField(default=0)),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="finance.account"
                    ),
                ),
                (
                    "org_unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="members.orgunit"
                    ),
                ),
                (
                    "source_type",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("org_unit", "date", "account", "source_type", "channel"),
                        name="ledgerdaytotal_unique_day",
                    )
                ],
            },
        ),
        migrations.RunPython(count_existing_entries, migrations.RunPython.noop),
    ]
