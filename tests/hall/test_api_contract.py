"""docs/API.md is the API contract: every row resolves against the real ``hall.urls``,
answers its method, and is in the OpenAPI schema; every schema operation has its row."""

import re
from pathlib import Path

import pytest
from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "API.md"
ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`]+)`\s*\|")
# Values of the right shape for each path parameter, to resolve a concrete URL (a case number
# or a window number for ``{number}``).
SAMPLES = {"number": ("OT20260101000001", "3"), "code": ("sample-code",), "id": ("7",)}
SAMPLES["file_id"] = SAMPLES["id"]


def contract_rows() -> list[tuple[str, str]]:
    rows = []
    for line in CONTRACT.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows.append((match.group(1), match.group(2)))
    return rows


def concrete(path: str) -> list[str]:
    names = re.findall(r"\{(\w+)\}", path)
    longest = max((len(SAMPLES[name]) for name in names), default=1)
    return [
        re.sub(
            r"\{(\w+)\}",
            lambda m, i=i: SAMPLES[m.group(1)][min(i, len(SAMPLES[m.group(1)]) - 1)],
            path,
        )
        for i in range(longest)
    ]


def resolve_any(urls: list[str]):
    for url in urls:
        try:
            return resolve(url, urlconf="hall.urls")
        except Resolver404:
            continue
    return None


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def answers(match, method: str) -> bool:
    view = match.func
    actions = getattr(view, "actions", None)
    if actions is not None:  # a viewset route: the methods it maps
        return method.lower() in actions
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return view_class is not None and hasattr(view_class, method.lower())


def test_the_contract_lists_rows():
    rows = contract_rows()
    assert len(rows) >= 40
    assert len(rows) == len(set(rows)), "a row appears twice"


@pytest.mark.parametrize(("method", "path"), contract_rows())
def test_every_contract_row_is_served_by_the_real_urls(method, path):
    match = resolve_any(concrete(path))
    if match is None:
        pytest.fail(f"{method} {path} is in docs/API.md but hall.urls does not route it")
    assert match.namespace == "api"
    assert answers(match, method), f"{path} does not answer {method}"


def test_the_contract_and_the_schema_list_the_same_operations():
    documented = set(contract_rows())
    served = schema_operations()
    assert sorted(served - documented) == [], "in /api/schema/ but missing from docs/API.md"
    assert sorted(documented - served) == [], "in docs/API.md but missing from /api/schema/"


def test_the_schema_the_site_serves_has_every_contract_path(client):
    text = client.get("/api/schema/").content.decode()
    for _method, path in contract_rows():
        assert f"  {path}:" in text, path


SUMMARY_FIELD = re.compile(r"^\|\s*`(\w+)`\s*\|")


def documented_summary_fields() -> list[str]:
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("### The supervision summary's fields", 1)[1].split("\n## ", 1)[0]
    return [m.group(1) for line in section.splitlines() if (m := SUMMARY_FIELD.match(line))]


def test_supervision_summary_fields_are_documented(supervisor):
    """Every field the summary answers is in API.md's table, and nothing more."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(supervisor)
    body = api.get("/api/v1/supervision/summary/").json()
    assert "promise_kept_rate" in body
    assert documented_summary_fields() == list(body)
