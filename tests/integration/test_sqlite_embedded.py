"""``make run`` serves on SQLite when no ``DATABASE_URL`` is given: every migration must run
there (raw SQL included), the demo must load, and the API must answer a token's caller —
PostgreSQL-only SQL (aliases in UPDATE, arrays) once broke it without any test noticing."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
API_CHECK = """
from knox.models import AuthToken
from rest_framework.test import APIClient
from accounts.models import User
citizen = User.objects.get(username="citizen1")
clerk = User.objects.get(username="clerk1")
client = APIClient()
client.credentials(HTTP_AUTHORIZATION="Token " + AuthToken.objects.create(citizen)[1])
assert client.get("/api/v1/me/").status_code == 200
matter = client.get("/api/v1/matters/", {"search": "居住证"}).json()["results"][0]["code"]
# 情形引导: the guide's questions, each answered with an option that does not rule out.
guide = client.get("/api/v1/matters/" + matter + "/").json()
answers = {
    q["code"]: next(o["value"] for o in q["options"] if not o["rules_out"])
    for q in guide["questions"]
}
case = client.post("/api/v1/cases/", {"matter": matter, "answers": answers}, format="json")
assert case.status_code == 201, case.content
listed = client.get("/api/v1/cases/").json()["results"]
assert [row["number"] for row in listed] == [case.json()["number"]], listed
detail = client.get("/api/v1/cases/" + case.json()["number"] + "/")
assert detail.json() == case.json(), detail.content
# A paper's snapshot is one upsert on (case, kind): asked again, the same row.
from cases.models import Case
from documents.models import Document
from documents.services import document_request
import datetime
today = datetime.date.today()
Case.objects.filter(number=case.json()["number"]).update(accepted_on=today, deadline=today)
accepted = Case.objects.get(number=case.json()["number"])
first = document_request(case=accepted, kind="receipt")
again = document_request(case=accepted, kind="receipt")
assert first.pk is not None and again.pk == first.pk, (first.pk, again.pk)
assert Document.objects.filter(case=accepted, kind="receipt").count() == 1
print("API OK")
"""


def test_migrations_demo_and_api_run_on_sqlite(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    }

    def manage(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
        return done.stdout

    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo")
    assert "API OK" in manage("shell", "-c", API_CHECK)
