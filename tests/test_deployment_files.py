"""Issue 23: docker-compose.yml and the Dockerfile describe a stack that can grow past one machine.

`docker compose config` is the real validation (docs/scale.md says how it was run); this test keeps
the properties that matter from being lost in a later edit, on machines without Docker.
"""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_every_image_tag_is_pinned_to_a_release():
    images = [service["image"] for service in compose()["services"].values() if "image" in service]
    images += re.findall(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.MULTILINE)
    ours = {"union-office:latest"}  # built here from this repository
    for image in set(images) - ours:
        name, _, tag = image.partition(":")
        assert tag and tag != "latest", image
        assert re.search(r"\d+\.\d+|RELEASE\.\d{4}", tag), f"{image}: pin a release, not a moving major tag"


def test_the_assets_are_built_with_a_supported_node():
    (node,) = re.findall(r"^FROM node:(\d+)\.", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.MULTILINE)
    assert int(node) >= 22 and int(node) % 2 == 0, "an even (LTS) Node line that is still supported"


def test_files_go_to_minio_not_to_a_volume_of_one_machine():
    services = compose()["services"]
    assert "minio" in services and "healthcheck" in services["minio"]
    for name in ("web", "worker", "worker-bulk", "beat", "migrate"):
        environment = services[name]["environment"]
        assert environment["S3_BUCKET"] and environment["S3_ENDPOINT_URL"] == "http://minio:9000", name
        assert not any("/data/" in str(volume) for volume in services[name].get("volumes", [])), name
        assert services[name]["depends_on"]["bucket"]["condition"] == "service_completed_successfully"


def test_two_workers_one_per_queue_and_one_beat():
    services = compose()["services"]
    assert "-Q default " in services["worker"]["command"]
    assert "-Q bulk " in services["worker-bulk"]["command"]
    assert "--max-tasks-per-child" in services["worker-bulk"]["command"]
    assert [name for name, service in services.items() if " beat" in str(service.get("command", ""))] == ["beat"]


def test_web_and_workers_have_healthchecks_on_the_health_endpoint():
    services = compose()["services"]
    for name in ("db", "redis", "minio", "web", "worker", "worker-bulk"):
        assert services[name]["healthcheck"]["test"], name
    assert "/health/" in " ".join(services["web"]["healthcheck"]["test"])
    for name in ("worker", "worker-bulk"):
        test = " ".join(services[name]["healthcheck"]["test"])
        assert "health_check health --no-http" in test and "inspect ping" in test, name


def pins(path: Path) -> dict[str, str]:
    """name -> version of every `name==version` line (extras dropped, names normalised as pip does)."""
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)(\[[^\]]*\])?==([^\s;\\]+)", line)
        if match:
            found[re.sub(r"[-_.]+", "-", match.group(1)).lower()] = match.group(3)
    return found


def test_the_lock_files_hold_every_pin_of_the_requirements():
    """After adding a package to requirements*.txt, run `make lock` (and commit the two .lock files)."""
    runtime, dev = pins(ROOT / "requirements.lock"), pins(ROOT / "requirements-dev.lock")
    for name, version in pins(ROOT / "requirements.txt").items():
        assert runtime.get(name) == version, f"{name}=={version}: run make lock"
        assert dev.get(name) == version, f"{name}=={version}: run make lock"
    for name, version in pins(ROOT / "requirements-dev.txt").items():
        assert dev.get(name) == version, f"{name}=={version}: run make lock"
    assert {name: dev[name] for name in runtime} == runtime, "the dev lock runs the image's versions"


def test_every_locked_package_is_checked_by_hash():
    for lock in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / lock).read_text(encoding="utf-8")
        entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
        assert len(entries) > 50
        assert all("--hash=sha256:" in entry for entry in entries), lock
