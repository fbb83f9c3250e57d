"""Catalog changes keep their old and new values (django-simple-history): matters, their
materials, material types and bundles, with who changed them; the admin shows the history."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from matters.models import Bundle, MaterialType, Matter, Requirement
from tests.factories import BundleFactory, MaterialTypeFactory, MatterFactory

from .test_versions import _FormFields

pytestmark = pytest.mark.django_db


def _changes(record) -> dict:
    delta = record.diff_against(record.prev_record)
    return {change.field: (change.old, change.new) for change in delta.changes}


@pytest.fixture
def admin_client() -> tuple[Client, User]:
    admin = User.objects.create_superuser("root", "root@example.gov.cn", "Demo#2026")
    client = Client()
    client.force_login(admin)
    return client, admin


def test_each_catalog_change_keeps_old_and_new_values():
    matter = MatterFactory(committed_days=5)
    matter.committed_days = 3
    matter.save()
    assert _changes(matter.history.first()) == {"committed_days": (5, 3)}

    requirement = matter.requirements.first()
    copies = requirement.copies
    requirement.copies = copies + 1
    requirement.save()
    assert _changes(requirement.history.first()) == {"copies": (copies, copies + 1)}

    material = MaterialTypeFactory(name="户口簿")
    material.name = "居民户口簿"
    material.save()
    assert _changes(material.history.first()) == {"name": ("户口簿", "居民户口簿")}

    bundle = BundleFactory(description="旧说明")
    bundle.description = "新说明"
    bundle.save()
    assert _changes(bundle.history.first()) == {"description": ("旧说明", "新说明")}


def test_a_deleted_row_stays_in_the_history():
    material = MaterialTypeFactory(name="临时材料")
    pk = material.pk
    material.delete()
    gone = MaterialType.history.filter(id=pk).first()
    assert gone.history_type == "-" and gone.name == "临时材料"


def test_an_admin_edit_records_who_changed_what(admin_client):
    client, admin = admin_client
    matter = MatterFactory(conditions="申请人为本市户籍居民。")
    url = reverse("admin:matters_matter_change", args=[matter.pk])
    form = _FormFields()
    form.feed(client.get(url).content.decode())
    data = {k: [v.removeprefix("\n") for v in vs] for k, vs in form.data.items()}
    data = {k: v for k, v in data.items() if not k.startswith("_")}
    data["conditions"] = ["申请人为本市户籍或持居住证的居民。"]
    assert client.post(url, data).status_code == 302
    record = matter.history.filter(history_user=admin).order_by("history_date").first()
    assert record is not None
    assert _changes(record)["conditions"] == (
        "申请人为本市户籍居民。",
        "申请人为本市户籍或持居住证的居民。",
    )


@pytest.mark.parametrize("model", [Matter, Requirement, MaterialType, Bundle])
def test_the_admin_shows_the_history(admin_client, model):
    client, _admin = admin_client
    matter = MatterFactory()
    instance = {
        Matter: matter,
        Requirement: matter.requirements.first(),
        MaterialType: MaterialTypeFactory(),
        Bundle: BundleFactory(),
    }[model]
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[instance.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert model.history.filter(id=instance.pk).exists()


def test_history_cannot_be_reverted_past_the_guide_checks(admin_client):
    client, _admin = admin_client
    matter = MatterFactory(committed_days=5)
    first = matter.history.get()
    matter.committed_days = 3
    matter.save()
    url = reverse("admin:matters_matter_simple_history", args=[matter.pk, first.history_id])
    page = client.get(url)
    assert page.status_code == 200
    assert "_save" not in page.content.decode()
    assert client.post(url, {"committed_days": "5"}).status_code == 403
    matter.refresh_from_db()
    assert matter.committed_days == 3
