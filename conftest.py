"""Persona fixtures shared by every app's tests.

A small union: 县总工会 → 第一中学工会 (分工会 A and B) and 人民医院工会 (内科分工会). Each persona is
a logged-in user with the roles of DESIGN.md §1; `outsider` belongs to the hospital and has no
business with the school.
"""

from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.db import connection

from members.models import OrgUnit, Role
from members.tests.factories import DepartmentFactory, MemberFactory, OrgUnitFactory, RoleGrantFactory, UserFactory

# Tests close every connection when its request ends (no persistent connections in live-server
# threads).
django_settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(scope="session", autouse=True)
def _drop_stray_test_connections(django_db_setup, django_db_blocker):
    """End other sessions on the test database before pytest-django drops it.

    After the browser tests one idle connection to the test database is still open although its
    thread has ended and gc finds nothing to close (seen with the shell and dashboard tests run
    together; the likeliest owner is a Django connection made in another context of Playwright's
    greenlet-based sync API). PostgreSQL then refuses DROP DATABASE ("being accessed by other
    users") and the run ends in an error although every test passed.
    """
    yield
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture
def org(db):
    county = OrgUnitFactory(name="县总工会", kind=OrgUnit.Kind.UPPER)
    school = OrgUnitFactory(name="第一中学工会", kind=OrgUnit.Kind.BASE, parent=county)
    branch_a = OrgUnitFactory(name="高一年级分工会", kind=OrgUnit.Kind.BRANCH, parent=school)
    branch_b = OrgUnitFactory(name="高二年级分工会", kind=OrgUnit.Kind.BRANCH, parent=school)
    group_a = OrgUnitFactory(name="语文组工会小组", kind=OrgUnit.Kind.GROUP, parent=branch_a)
    hospital = OrgUnitFactory(name="人民医院工会", kind=OrgUnit.Kind.BASE, parent=county)
    ward = OrgUnitFactory(name="内科分工会", kind=OrgUnit.Kind.BRANCH, parent=hospital)
    return SimpleNamespace(
        county=county,
        school=school,
        branch_a=branch_a,
        branch_b=branch_b,
        group_a=group_a,
        hospital=hospital,
        ward=ward,
        school_office=DepartmentFactory(name="办公室", org_unit=school),
        hospital_office=DepartmentFactory(name="院办", org_unit=hospital),
    )


def _persona(username, unit, *roles, department=None):
    user = UserFactory(username=username, first_name=username)
    MemberFactory(name=username, org_unit=unit, user=user)
    for role in roles:
        RoleGrantFactory(user=user, org_unit=unit, role=role, department=department)
    return user


@pytest.fixture
def chair(org):
    return _persona("chair", org.school, Role.CHAIR)


@pytest.fixture
def committee(org):
    """Committee member of 分工会 A: sees A (and its 小组), not B."""
    return _persona("committee", org.branch_a, Role.COMMITTEE)


@pytest.fixture
def other_committee(org):
    """Committee member of another 基层工会 (the hospital)."""
    return _persona("other_committee", org.ward, Role.COMMITTEE)


@pytest.fixture
def treasurer(org):
    return _persona("treasurer", org.school, Role.TREASURER)


@pytest.fixture
def auditor(org):
    return _persona("auditor", org.school, Role.AUDITOR)


@pytest.fixture
def member(org):
    """A plain member of 分工会 B, no grants."""
    return _persona("member", org.branch_b)


@pytest.fixture
def outsider(org):
    """A hospital member: logged in, but nothing at the school is theirs to see."""
    return _persona("outsider", org.ward)


@pytest.fixture
def member_in_a(org):
    return MemberFactory(name="张三", org_unit=org.group_a)


@pytest.fixture
def member_in_b(org):
    return MemberFactory(name="李四", org_unit=org.branch_b)


@pytest.fixture
def login(client):
    """login(user) -> the test client, logged in as that user."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness buys nothing in tests and costs seconds per persona.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    # The django-ratelimit counters (their own cache alias) would carry failed logins from one test
    # to the next, all from 127.0.0.1.
    from django.core.cache import caches

    caches["ratelimit"].clear()


# --- Storage backends (issue 23): the same test on local folders and on an S3 server over HTTP ---
@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3-compatible server: CI's (CI_S3_ENDPOINT_URL, moto started by .ci/run), else a moto
    server started here on a free port. Either way boto3 talks to it over real HTTP."""
    import os

    url = os.environ.get("CI_S3_ENDPOINT_URL")
    if url:
        yield url
        return
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def storage_backend(request, settings, tmp_path):
    """Points both STORAGES aliases at empty local folders or at a new bucket; returns the name."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    if request.param == "s3":
        import uuid

        import boto3

        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = f"union-test-{uuid.uuid4().hex[:12]}"
        options = {
            "bucket_name": bucket,
            "endpoint_url": endpoint,
            "access_key": "testing",
            "secret_key": "testing",
            "region_name": "us-east-1",
            "addressing_style": "path",
            "signature_version": "s3v4",
            "default_acl": None,
            "file_overwrite": False,
        }
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        ).create_bucket(Bucket=bucket)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {**options, "location": "media"}},
            "private": {
                "BACKEND": "union_office.storage.PrivateS3Storage",
                "OPTIONS": {**options, "location": "private"},
            },
        }
    return request.param
