"""The approver's dashboard: the admin branded in Chinese, greeting the person by name, the
review queue first with its pending / yellow / red counts (constant queries), no catalog."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases.models import Review
from tests.factories import UserFactory

from .test_admin_reviews import _copy_case, logged_in, set_clock

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
QUEUE = reverse("admin:cases_review_changelist")


def counts(html: str) -> dict[str, str]:
    found = {}
    for light in ("pending", "yellow", "red"):
        start = html.index(f'data-count="{light}"><strong>') + len(f'data-count="{light}"><strong>')
        found[light] = html[start : html.index("</strong>", start)]
    return found


def test_the_admin_is_branded_and_greets_the_approver_by_name(client, housing_approver):
    html = logged_in(client, housing_approver).get(INDEX).content.decode()
    assert "Django" not in html
    assert f"{settings.HALL_NAME} · 管理后台" in html
    assert "<title>工作台 | 政务服务管理后台</title>" in html
    assert "<strong>住建审批</strong>" in html  # 欢迎，住建审批。
    assert "住建审批，您好" in html
    assert housing_approver.username not in html
    # The sign-in page of the admin too.
    client.logout()
    assert "Django" not in client.get(reverse("admin:login")).content.decode()


def test_the_review_queue_comes_first_with_its_lights(client, make_case, housing_approver):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    green, yellow, red, stopped = (make_case("in_review") for _ in range(4))
    set_clock(green, deadline=today + 10 * day, warning_on=today + 5 * day)
    set_clock(yellow, deadline=today + 2 * day, warning_on=today - day)
    set_clock(red, deadline=today - day, warning_on=today - 5 * day)
    set_clock(stopped, deadline=today - day, warning_on=today - 5 * day, stopped_on=today)
    decided = make_case("in_review")
    Review.objects.filter(case=decided, department__code="housing").update(status="approved")

    html = logged_in(client, housing_approver).get(INDEX).content.decode()
    assert counts(html) == {"pending": "4", "yellow": "1", "red": "1"}
    summary = html.index('id="review-queue-summary"')
    assert summary < html.index("app-cases")  # before every app's table
    assert "我的审查队列 · 市住房和城乡建设局" in html
    # Within the cases app, the queue is the first row.
    assert html.index(f'href="{QUEUE}"', summary + 1) < html.index(
        reverse("admin:cases_case_changelist")
    )
    # The catalog is out of the approver's way.
    assert "app-matters" not in html and reverse("admin:matters_matter_changelist") not in html

    # Each count links to the list it counts.
    red_list = client.get(f"{QUEUE}?light=red").context["cl"].result_list
    assert [review.case_id for review in red_list] == [red.pk]
    yellow_list = client.get(f"{QUEUE}?light=yellow").context["cl"].result_list
    assert [review.case_id for review in yellow_list] == [yellow.pk]


def test_the_counts_take_a_constant_number_of_queries(
    client, make_case, housing, housing_approver, django_assert_max_num_queries
):
    template = make_case("in_review")
    logged_in(client, housing_approver).get(INDEX)  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        assert counts(client.get(INDEX).content.decode())["pending"] == "1"
    for n in range(30):
        _copy_case(template, n, housing)
    with django_assert_max_num_queries(len(few)):
        assert counts(client.get(INDEX).content.decode())["pending"] == "31"


def test_others_see_no_review_queue_summary(client, clerk, tax_approver, make_case):
    make_case("in_review")
    html = logged_in(client, tax_approver).get(INDEX).content.decode()
    assert "我的审查队列 · 市税务局" in html and counts(html)["pending"] == "1"
    clerk.is_staff = True
    clerk.save()
    html = logged_in(client, clerk).get(INDEX).content.decode()
    assert "review-queue-summary" not in html


def test_a_catalog_admin_still_sees_the_catalog(client, db):
    superuser = UserFactory(is_staff=True, is_superuser=True, name="目录管理员")
    html = logged_in(client, superuser).get(INDEX).content.decode()
    assert reverse("admin:matters_matter_changelist") in html
    assert "review-queue-summary" not in html
