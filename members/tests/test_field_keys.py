"""Issue 17, finding 7: a wrong field key refuses to start (a stored canary) instead of a 500 at the
first reveal; FIELD_ENCRYPTION_KEYS is a list (the first encrypts and hashes, all decrypt); and
`manage.py rotate_field_key` re-encrypts in batches and can be stopped and run again."""

import base64
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse

from members.models import Member
from members.tests.factories import MemberFactory
from union_office import crypto
from union_office.management.commands import rotate_field_key
from union_office.models import AuditEntry, FieldKeyCanary

pytestmark = pytest.mark.django_db

OLD = "old-field-key-" + "o" * 32
NEW = "new-field-key-" + "n" * 32
ROOT = Path(__file__).resolve().parents[2]


def use_keys(settings, *keys: str) -> None:
    settings.FIELD_ENCRYPTION_KEYS = list(keys)
    settings.FIELD_ENCRYPTION_KEY = keys[0]


def test_the_first_key_encrypts_and_hashes_and_every_key_decrypts(settings):
    use_keys(settings, OLD)
    token = crypto.encrypt("11010519491231002X")
    old_hash = crypto.keyed_hash("11010519491231002X")
    use_keys(settings, NEW, OLD)
    assert crypto.decrypt(token) == "11010519491231002X"
    assert crypto.encrypt("x").startswith(crypto.current_prefix())
    assert crypto.keyed_hash("11010519491231002X") != old_hash
    assert crypto.keyed_hashes("11010519491231002X") == [crypto.keyed_hash("11010519491231002X"), old_hash]
    use_keys(settings, NEW)
    with pytest.raises(InvalidTag):
        crypto.decrypt(token)


def test_values_of_the_first_version_are_still_read(settings):
    use_keys(settings, NEW, OLD)
    encryption_key, _hash_key = crypto._keys(OLD)
    nonce = os.urandom(12)
    v1 = "v1:" + base64.b64encode(nonce + AESGCM(encryption_key).encrypt(nonce, b"110105194912310021", None)).decode()
    assert crypto.decrypt(v1) == "110105194912310021"


def test_the_canary_is_written_once_and_refuses_a_wrong_key(settings):
    use_keys(settings, OLD)
    crypto.check_keys()
    token = FieldKeyCanary.objects.get().token
    crypto.check_keys()
    assert FieldKeyCanary.objects.get().token == token
    use_keys(settings, NEW, OLD)  # a rotation under way: the old key still reads it
    crypto.check_keys()
    use_keys(settings, NEW)
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS cannot decrypt"):
        crypto.check_keys()


def test_the_web_process_refuses_to_start_with_a_wrong_key(tmp_path):
    """Through wsgi.py, as gunicorn and runserver load it: not a 500 at the first reveal."""
    database = tmp_path / "canary.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "FIELD_ENCRYPTION_KEY": OLD}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    load = [python, "-c", "import union_office.wsgi"]
    subprocess.run(load, cwd=ROOT, env=env, check=True, capture_output=True)  # writes the canary
    wrong = subprocess.run(load, cwd=ROOT, env={**env, "FIELD_ENCRYPTION_KEY": NEW}, capture_output=True, text=True)
    assert wrong.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS cannot decrypt" in wrong.stderr
    rotating = {**env, "FIELD_ENCRYPTION_KEYS": f"{NEW},{OLD}"}
    del rotating["FIELD_ENCRYPTION_KEY"]
    subprocess.run(load, cwd=ROOT, env=rotating, check=True, capture_output=True)


def settings_error(**env: str) -> str:
    """What loading the settings with these field-key variables writes to stderr."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FIELD_ENCRYPTION_KEY")} | env
    code = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'union_office.settings'; django.setup()"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True).stderr


def test_both_settings_at_once_or_a_short_key_stop_start_up():
    assert "not both" in settings_error(FIELD_ENCRYPTION_KEY=OLD, FIELD_ENCRYPTION_KEYS=f"{NEW},{OLD}")
    assert "at least 32 characters" in settings_error(FIELD_ENCRYPTION_KEYS=f"{NEW},short")
    assert "names a key twice" in settings_error(FIELD_ENCRYPTION_KEYS=f"{NEW}\n{NEW}")
    assert settings_error(FIELD_ENCRYPTION_KEYS=f"{NEW}\n{OLD}") == ""


def test_rotation_re_encrypts_and_re_hashes_in_batches_and_resumes(settings, org, login, chair):
    old = settings.FIELD_ENCRYPTION_KEY  # the personas' records are under it too
    members = [MemberFactory(org_unit=org.school) for _ in range(7)]
    numbers = {m.pk: m.id_number for m in Member.objects.all()}
    crypto.check_keys()
    use_keys(settings, NEW, old)
    # Before the rotation a lookup still finds a row under the old key.
    assert Member.objects.with_id_number(numbers[members[0].pk]).get().pk == members[0].pk
    # Stopped after one batch of three (a maintenance window): the rest is still under the old key,
    # and the canary too (the start-up check still accepts the old key).
    call_command("rotate_field_key", "--batch-size", "3", "--max-rows", "3", stdout=io.StringIO())
    prefix = crypto.current_prefix()
    assert Member._base_manager.filter(id_number_cipher__startswith=prefix).count() == 3
    assert not FieldKeyCanary.objects.get().token.startswith(prefix)
    # Run again: it continues with the rest and ends with every value and hash under the new key.
    call_command("rotate_field_key", "--batch-size", "3", stdout=io.StringIO())
    assert not Member._base_manager.exclude(id_number_cipher__startswith=prefix).exclude(id_number_cipher="").exists()
    assert FieldKeyCanary.objects.get().token.startswith(prefix)
    assert AuditEntry.objects.filter(action="crypto.rotate_field_key").count() == 1
    use_keys(settings, NEW)  # the old key dropped: everything still reads and is found
    crypto.check_keys()
    for member in Member.objects.filter(pk__in=numbers):
        member = Member.objects.get(pk=member.pk)
        assert member.id_number == numbers[member.pk]
        assert member.id_number_hash == crypto.keyed_hash(numbers[member.pk])
    response = login(chair).post(reverse("members:member_reveal_id_number", args=[members[0].pk]))
    assert numbers[members[0].pk] in response.content.decode()


def test_the_command_lists_every_encrypted_field():
    fields = {(model._meta.label, cipher, hashed) for model, cipher, hashed in rotate_field_key.encrypted_fields()}
    assert ("members.Member", "id_number_cipher", "id_number_hash") in fields
    assert ("welfare.StudentApplication", "student_id_cipher", "student_id_hash") in fields


def test_a_value_no_key_reads_stops_the_command_with_a_message(settings, org):
    MemberFactory(org_unit=org.school)
    use_keys(settings, NEW)
    with pytest.raises(Exception, match="none of FIELD_ENCRYPTION_KEYS decrypts"):
        call_command("rotate_field_key", stdout=io.StringIO())
