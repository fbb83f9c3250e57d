"""Every portal page's frame: the government footer (sponsor, contact, privacy statement,
filing numbers from settings), the favicon, and the elderly-friendly mode that persists."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_footer_carries_sponsor_contact_privacy_and_filing_numbers(client, settings):
    settings.HALL_SPONSOR = "某某市人民政府办公厅"
    settings.SITE_ICP_FILING = "浙ICP备12345678号"
    settings.SITE_SECURITY_FILING = "浙公网安备33010202000001号"
    settings.SITE_GOV_CODE = "3301000001"

    page = client.get(reverse("home")).content.decode()
    footer = page[page.index("<footer") :]

    assert "主办单位：某某市人民政府办公厅" in footer
    assert "0571-12345" in footer
    assert f'href="{reverse("privacy")}"' in footer
    assert "浙ICP备12345678号" in footer
    assert "浙公网安备33010202000001号" in footer
    assert "网站标识码：3301000001" in footer


def test_unset_filing_numbers_leave_no_empty_label(client, settings):
    settings.SITE_GOV_CODE = ""
    page = client.get(reverse("home")).content.decode()
    assert "网站标识码" not in page


def test_the_privacy_statement_says_what_is_kept_and_who_sees_materials(client):
    page = client.get(reverse("privacy")).content.decode()
    assert "隐私声明" in page
    assert "身份证号码和手机号码均作脱敏显示" in page
    assert "不能通过公开链接访问" in page


def test_every_page_names_a_real_icon_and_favicon_ico_leads_to_it(client):
    page = client.get(reverse("home")).content.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.svg"
    icon = finders.find("favicon.svg")
    assert icon and "<svg" in Path(icon).read_text(encoding="utf-8")


def test_the_elderly_friendly_mode_switches_on_persists_and_off(client):
    matters = reverse("matters:matter-list")
    assert 'class="care-mode"' not in client.get(matters).content.decode()

    response = client.post(reverse("care-mode"), {"on": "1", "next": matters})
    assert response.status_code == 302 and response["Location"] == matters
    assert response.cookies["care_mode"]["max-age"] >= 300 * 24 * 3600

    # Every later page, in this browser, is large and high-contrast.
    for url in (matters, reverse("home"), reverse("accounts:login")):
        page = client.get(url).content.decode()
        assert '<html lang="zh-CN" class="care-mode">' in page
        assert "退出长者模式" in page

    client.post(reverse("care-mode"), {"on": "0", "next": matters})
    assert 'class="care-mode"' not in client.get(matters).content.decode()


def test_the_mode_switch_does_not_redirect_off_site(client):
    response = client.post(reverse("care-mode"), {"on": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_the_mode_switch_is_a_post_with_csrf(db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(reverse("care-mode"), {"on": "1"}).status_code == 403
    assert strict.get(reverse("care-mode")).status_code == 405
