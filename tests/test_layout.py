"""DESIGN.md §2: the apps exist and their dependencies point one way only."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ["union_office", "members", "finance", "welfare", "activities", "congress", "plans", "yearend"]

# What each app may import from the project (besides itself).
ALLOWED = {
    "union_office": set(),
    "members": {"union_office"},
    "finance": {"union_office", "members"},
    "welfare": {"union_office", "members", "finance"},
    "activities": {"union_office", "members", "finance"},
    "congress": {"union_office", "members"},
    "plans": {"union_office", "members", "finance", "welfare", "activities", "congress"},
    # The year-end reads every app (the summary, the statistics, the search); nothing imports it.
    "yearend": {"union_office", "members", "finance", "welfare", "activities", "congress", "plans"},
}


def project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names & set(APPS)


def test_every_app_of_the_design_exists():
    for app in APPS:
        assert (ROOT / app / "apps.py").exists() or app == "union_office", app
        assert (ROOT / app / "__init__.py").exists(), app
    for folder in ["templates", "static", "locale", "tests", "bench", "docs"]:
        assert (ROOT / folder).is_dir(), folder


def test_dependencies_point_one_way():
    violations = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            # Tests may build fixtures from lower apps only, like the code they test.
            for imported in project_imports(path) - {app} - ALLOWED[app]:
                violations.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert violations == []
