import re

import pytest
from cryptography.exceptions import InvalidTag
from django.db import connection

from union_office import crypto

NUMBER = "11010519491231002X"


def test_encrypt_round_trips_and_never_repeats():
    first, second = crypto.encrypt(NUMBER), crypto.encrypt(NUMBER)
    assert first != second  # random nonce: equal numbers do not show as equal ciphertexts
    assert NUMBER not in first
    assert crypto.decrypt(first) == crypto.decrypt(second) == NUMBER


def test_tampered_ciphertext_is_refused():
    token = crypto.encrypt(NUMBER)
    tampered = token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")
    with pytest.raises((InvalidTag, ValueError)):
        crypto.decrypt(tampered)


def test_keyed_hash_is_deterministic_and_depends_on_the_key(settings):
    digest = crypto.keyed_hash(NUMBER)
    assert digest == crypto.keyed_hash(NUMBER)
    settings.FIELD_ENCRYPTION_KEY = "another-key-of-at-least-thirty-two-chars"
    assert crypto.keyed_hash(NUMBER) != digest


def test_database_rows_hold_no_id_number(member_in_a, member_in_b):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM members_member")
        dump = " ".join(str(value) for row in cursor.fetchall() for value in row)
    assert member_in_a.id_number not in dump
    assert member_in_b.id_number not in dump
    assert not re.search(r"\d{17}[\dX]", dump)
