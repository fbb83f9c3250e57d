"""The doors between the apps, read from the source: the floors of STYLE.md §4 hold, settings
are read one way, and jobs are handed to Celery in one place."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "matters",
    "notices",
    "halls",
    "cases",
    "windows",
    "documents",
    "delivery",
    "helpers",
    "payments",
    "exchange",
    "locker",
    "hall",
)


def _modules(*apps: str):
    for app in apps:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path, ast.parse(path.read_text(encoding="utf-8"))


def _imported(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("above", ["windows", "cases", "documents", "delivery", "hall"])
def test_accounts_imports_no_app_above_it(above):
    offenders = [
        str(path.relative_to(ROOT))
        for path, tree in _modules("accounts")
        if any(name == above or name.startswith(f"{above}.") for name in _imported(tree))
    ]
    assert offenders == []


@pytest.mark.parametrize("above", ["cases", "windows", "documents", "delivery", "hall"])
def test_halls_imports_no_app_above_it(above):
    offenders = [
        str(path.relative_to(ROOT))
        for path, tree in _modules("halls")
        if any(name == above or name.startswith(f"{above}.") for name in _imported(tree))
    ]
    assert offenders == []


def test_only_the_case_services_reach_their_private_core():
    offenders = [
        str(path.relative_to(ROOT))
        for path, tree in _modules(*APPS)
        if "cases.services._core" in _imported(tree) and path.parent != ROOT / "cases" / "services"
    ]
    assert offenders == []


def test_settings_are_read_as_settings_attributes_with_no_second_default():
    """``getattr(settings, "X", default)`` hides a second default next to hall/settings.py's."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _modules(*APPS)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "getattr"
        and node.args
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == "settings"
    ]
    assert offenders == []


def test_jobs_are_handed_to_celery_after_commit_in_one_place():
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, tree in _modules(*APPS)
        if path != ROOT / "accounts" / "enqueue.py"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "delay"
    ]
    assert offenders == []
