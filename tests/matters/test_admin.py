"""The catalog admin: publish action runs the checks; calendar warning; staff accounts."""

import pytest
from django.urls import reverse

from accounts.models import User
from matters.models import CatalogStatus
from tests.factories import MaterialTypeFactory, MatterFactory, RequirementFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    admin = User.objects.create_superuser("root", "root@example.gov.cn", "Demo#2026")
    client.force_login(admin)
    return client


def test_publish_action_publishes_good_guides_and_reports_bad_ones(admin_client):
    good = MatterFactory(draft=True)
    bad = MatterFactory(draft=True)
    RequirementFactory(matter=bad, material=MaterialTypeFactory(name="其他材料"))
    response = admin_client.post(
        reverse("admin:matters_matter_changelist"),
        {"action": "publish", "_selected_action": [good.pk, bad.pk]},
        follow=True,
    )
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.status == CatalogStatus.PUBLISHED
    assert bad.status == CatalogStatus.DRAFT
    text = response.content.decode()
    assert "未通过发布检查" in text
    assert "其他材料" in text


def test_matter_changelist_and_change_page_open(admin_client, django_assert_max_num_queries):
    matters = [MatterFactory() for _ in range(5)]
    with django_assert_max_num_queries(20):
        assert admin_client.get(reverse("admin:matters_matter_changelist")).status_code == 200
    url = reverse("admin:matters_matter_change", args=[matters[0].pk])
    assert admin_client.get(url).status_code == 200


def test_calendar_warns_until_next_year_is_entered(admin_client, settings):
    from matters.models import CalendarYear

    response = admin_client.get(reverse("admin:index"))
    text = response.content.decode()
    missing = [
        year
        for year in (2026, 2027)
        if not CalendarYear.objects.filter(year=year, complete=True).exists()
    ]
    assert missing  # the package does not cover next year
    for year in missing:
        assert f"{year}年的节假日和调休安排尚未录入" in text
    response = admin_client.get(reverse("admin:matters_calendarday_changelist"))
    assert "尚未录入" in response.content.decode()
    for year in missing:
        CalendarYear.objects.create(year=year)
    assert "尚未录入" not in admin_client.get(reverse("admin:index")).content.decode()


def test_staff_account_made_in_the_admin_is_staff(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "clerk9",
            "name": "孙窗口",
            "password1": "Hall#2026pass",
            "password2": "Hall#2026pass",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(username="clerk9").is_staff
