"""Versions are versions: an unchanged save keeps the version, each published guide is kept,
and a case shows the guide it was filed under."""

from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from cases import services as case_services
from matters.models import CatalogStatus, MatterVersion
from matters.services import matter_publish, matter_retire, matter_revise
from tests.factories import MatterFactory, UserFactory

pytestmark = pytest.mark.django_db

OLD_CONDITIONS = "申请人为本市户籍居民。"
NEW_CONDITIONS = "申请人为本市户籍或持本市居住证的居民。"


@pytest.fixture
def matter():
    matter = MatterFactory(draft=True, conditions=OLD_CONDITIONS, online_level=4)
    return matter_publish(matter=matter, by=None)


def _edit(matter, **fields):
    for name, value in fields.items():
        setattr(matter, name, value)
    matter.save()
    return matter_revise(matter=matter, by=None)


def test_publishing_keeps_the_first_version(matter):
    kept = MatterVersion.objects.get(matter=matter)
    assert (matter.version, kept.version) == (1, 1)
    assert kept.guide["conditions"] == OLD_CONDITIONS
    assert kept.effective_date == matter.effective_date


def test_a_save_that_changes_nothing_keeps_the_version(matter):
    assert _edit(matter) == []
    assert _edit(matter, name=matter.name) == []
    matter_publish(matter=matter, by=None)  # publishing again, unchanged
    matter.refresh_from_db()
    assert matter.version == 1
    assert MatterVersion.objects.filter(matter=matter).count() == 1


def test_a_change_is_a_new_version_and_the_old_guide_is_kept(matter):
    assert _edit(matter, conditions=NEW_CONDITIONS) == []
    matter.refresh_from_db()
    assert matter.version == 2
    kept = dict(MatterVersion.objects.filter(matter=matter).values_list("version", "guide"))
    assert kept[1]["conditions"] == OLD_CONDITIONS
    assert kept[2]["conditions"] == NEW_CONDITIONS
    # A requirement's change is a change of the guide too.
    requirement = matter.requirements.first()
    requirement.copies += 1
    requirement.save()
    _edit(matter)
    matter.refresh_from_db()
    assert matter.version == 3
    # Going back to draft and republishing the same guide is not a new version either.
    matter.status = CatalogStatus.DRAFT
    matter.save()
    matter_publish(matter=matter, by=None)
    matter.refresh_from_db()
    assert (matter.status, matter.version) == ("published", 3)


class _FormFields(HTMLParser):
    """The values an unchanged admin change form would post back."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file", "button"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            default = "on" if attrs.get("type") == "checkbox" else ""
            self.data.setdefault(name, []).append(attrs.get("value", default))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.setdefault(self._select, []).append(attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def test_saving_the_admin_form_unchanged_keeps_the_version(matter, client):
    client.force_login(User.objects.create_superuser("root", "root@example.gov.cn", "Demo#2026"))
    url = reverse("admin:matters_matter_change", args=[matter.pk])
    form = _FormFields()
    form.feed(client.get(url).content.decode())
    data = {name: values for name, values in form.data.items() if not name.startswith("_")}
    data["_save"] = ["Save"]
    # A textarea's first newline is not part of its value.
    data = {k: [v.removeprefix("\n") for v in values] for k, values in data.items()}
    response = client.post(url, data)
    assert response.status_code == 302
    matter.refresh_from_db()
    assert (matter.status, matter.version) == ("published", 1)
    data["conditions"] = [NEW_CONDITIONS]
    client.post(url, data)
    matter.refresh_from_db()
    assert matter.version == 2


def test_a_case_records_the_version_it_was_filed_under(matter):
    citizen = UserFactory(citizen=True)
    applicant = case_services.Applicant(
        kind="person", name=citizen.name, id_number=citizen.id_number, phone=citizen.phone
    )
    case = case_services.case_create(by=citizen, matter=matter, applicant=applicant)
    assert case.matter_version == 1
    _edit(matter, conditions=NEW_CONDITIONS)
    case.refresh_from_db()
    assert case.matter_version == 1

    client = Client()
    client.force_login(citizen)
    detail = client.get(reverse("cases:case-detail", args=[case.number])).content.decode()
    link = reverse("matters:matter-version", args=[matter.code, 1])
    assert f'href="{link}"' in detail
    page = client.get(link).content.decode()
    assert OLD_CONDITIONS in page and NEW_CONDITIONS not in page
    assert "第 1 版" in page and reverse("matters:matter-detail", args=[matter.code]) in page
    current = client.get(reverse("matters:matter-detail", args=[matter.code])).content.decode()
    assert NEW_CONDITIONS in current and "第 2 版" in current

    # A case taken in at the window now is filed under the current version.
    clerk = UserFactory(clerk=True)
    matter.refresh_from_db()
    at_window = case_services.case_create(by=clerk, matter=matter, applicant=applicant)
    assert at_window.matter_version == 2
    desk = Client()
    desk.force_login(clerk)
    intake = desk.get(reverse("windows:case-intake", args=[at_window.number])).content.decode()
    assert reverse("matters:matter-version", args=[matter.code, 2]) in intake


def test_the_version_page_shows_kept_versions_only(matter):
    client = Client()
    requirement = matter.requirements.select_related("material").first()
    page = client.get(f"/matters/{matter.code}/v/1/")
    assert page.status_code == 200
    assert requirement.material.name in page.content.decode()
    assert client.get(f"/matters/{matter.code}/v/2/").status_code == 404
    assert client.get("/matters/no-such-matter/v/1/").status_code == 404
    draft = MatterFactory(draft=True)
    assert client.get(f"/matters/{draft.code}/v/1/").status_code == 404
    # A retired matter's guide stays readable for the cases filed under it.
    matter_retire(matter=matter, by=None)
    retired = client.get(f"/matters/{matter.code}/v/1/")
    assert retired.status_code == 200
    assert "目前没有现行的办事指南" in retired.content.decode()
    assert client.get(f"/matters/{matter.code}/").status_code == 404
