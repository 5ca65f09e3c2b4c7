"""Encrypt 身份证号 at rest (AES-GCM + keyed hash, union_office/crypto.py); add the 会费 wage base
and the 入会申请中 status."""

from django.db import migrations, models

from members.idcard import mask_id_number
from union_office import crypto


def encrypt_existing(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    for member in Member.objects.only("pk", "id_number").iterator(chunk_size=2000):
        number = member.id_number
        Member.objects.filter(pk=member.pk).update(
            id_number_cipher=crypto.encrypt(number),
            id_number_hash=crypto.keyed_hash(number),
            id_number_masked=mask_id_number(number),
        )


def decrypt_existing(apps, schema_editor):
    Member = apps.get_model("members", "Member")
    for member in Member.objects.only("pk", "id_number_cipher").iterator(chunk_size=2000):
        Member.objects.filter(pk=member.pk).update(id_number=crypto.decrypt(member.id_number_cipher))


STATUSES = ["applying", "active", "transferred_out", "withdrawn", "retired", "deceased"]


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial")]

    operations = [
        migrations.AddField(
            "member", "id_number_cipher", models.TextField(default="", editable=False, verbose_name="身份证号（密文）")
        ),
        migrations.AddField(
            "member",
            "id_number_hash",
            models.CharField(default="", editable=False, max_length=64, verbose_name="身份证号（索引）"),
        ),
        migrations.AddField(
            "member",
            "id_number_masked",
            models.CharField(default="", editable=False, max_length=18, verbose_name="身份证号"),
        ),
        migrations.AlterField(
            "member", "id_number", models.CharField(max_length=18, null=True, verbose_name="身份证号")
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.RemoveField("member", "id_number"),
        migrations.AlterField(
            "member", "id_number_cipher", models.TextField(editable=False, verbose_name="身份证号（密文）")
        ),
        migrations.AlterField(
            "member", "id_number_hash", models.CharField(editable=False, max_length=64, verbose_name="身份证号（索引）")
        ),
        migrations.AlterField(
            "member", "id_number_masked", models.CharField(editable=False, max_length=18, verbose_name="身份证号")
        ),
        migrations.AddField(
            "member",
            "wage_base",
            models.DecimalField(
                blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="会费工资基数（月）"
            ),
        ),
        migrations.RemoveConstraint("member", "member_status_valid"),
        migrations.AlterField(
            "member",
            "status",
            models.CharField(
                choices=[
                    ("applying", "入会申请中"),
                    ("active", "在册"),
                    ("transferred_out", "已转出"),
                    ("withdrawn", "已退会"),
                    ("retired", "已退休"),
                    ("deceased", "已故"),
                ],
                default="active",
                max_length=20,
                verbose_name="会籍状态",
            ),
        ),
        migrations.AddConstraint(
            "member", models.CheckConstraint(condition=models.Q(status__in=STATUSES), name="member_status_valid")
        ),
        migrations.AddConstraint(
            "member", models.CheckConstraint(condition=models.Q(wage_base__gte=0), name="member_wage_base_not_negative")
        ),
        migrations.AddConstraint(
            "member", models.UniqueConstraint(fields=["id_number_hash"], name="member_id_number_unique")
        ),
    ]
