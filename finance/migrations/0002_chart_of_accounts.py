"""The chart of accounts of 工会会计制度 (DESIGN.md §3.6), loaded once; installations may rename lines."""

from django.db import migrations

from finance.chart import load_chart


def load(apps, schema_editor):
    load_chart(apps.get_model("finance", "Account"))


class Migration(migrations.Migration):
    dependencies = [("finance", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
