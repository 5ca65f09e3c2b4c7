"""Issue 23: uploads and generated files go through the STORAGES aliases, so the same code runs on
local folders (`make run`, one machine) and on S3-compatible object storage (several nodes).

Every test here runs twice (storage_backend in conftest.py): on empty local folders and on a new
bucket of an S3 server spoken to over HTTP (moto; CI starts it, see .ci/run).
"""

import boto3
import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages

from union_office.storage import private_storage


def bucket_keys(alias: str) -> list[str]:
    """The object keys really in the bucket, asked of the server itself (not of the storage class)."""
    options = settings.STORAGES[alias]["OPTIONS"]
    client = boto3.client(
        "s3",
        endpoint_url=options["endpoint_url"],
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
        region_name=options["region_name"],
    )
    listing = client.list_objects_v2(Bucket=options["bucket_name"])
    return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.mark.parametrize(("alias", "prefix"), [("default", "media"), ("private", "private")])
def test_each_alias_saves_reads_lists_and_deletes(storage_backend, alias, prefix):
    storage = storages[alias]
    content = "姓名,身份证号\n张三,110101199003070011\n".encode()
    name = storage.save("exports/2026/花名册.csv", ContentFile(content))
    again = storage.save("exports/2026/花名册.csv", ContentFile(b"second"))
    assert name == "exports/2026/花名册.csv" and again != name, "a second file never overwrites the first"
    with storage.open(name, "rb") as handle:
        assert handle.read() == content
    assert storage.size(name) == len(content)
    directories, files = storage.listdir("exports/2026")
    assert sorted(files) == sorted([name.rsplit("/", 1)[1], again.rsplit("/", 1)[1]])
    assert storage.listdir("exports") == (["2026"], [])

    if storage_backend == "s3":
        assert bucket_keys(alias) == sorted([f"{prefix}/{name}", f"{prefix}/{again}"])
    else:
        root = settings.MEDIA_ROOT if alias == "default" else settings.PRIVATE_MEDIA_ROOT
        assert (root / name).read_bytes() == content

    storage.delete(name)
    storage.delete(again)
    storage.delete(name)  # already gone: no error on either backend (retention sweeps rely on it)
    assert not storage.exists(name)
    with pytest.raises(FileNotFoundError):
        storage.open(name, "rb")


def test_private_files_have_no_address_on_either_backend(storage_backend):
    name = private_storage.save("welfare/2026/11/a.pdf", ContentFile(b"%PDF-1.4"))
    with pytest.raises(ValueError, match="no address"):
        private_storage.url(name)


def test_the_default_storage_follows_the_alias(storage_backend):
    """default_storage (RosterExport.file, motion attachments) is the "default" alias itself."""
    name = default_storage.save("imports/a.xlsx", ContentFile(b"PK"))
    assert storages["default"].exists(name)
    assert not private_storage.exists(name), "the two aliases never share a file"
    if storage_backend == "s3":
        assert bucket_keys("default") == ["media/imports/a.xlsx"]
