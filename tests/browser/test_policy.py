"""The pages work in a real Chromium under their Content-Security-Policy, signed in over the
session cookie production sets (Secure, HttpOnly): no violation reported, the page's own
scripts run, and a file is taken off a material with the page's button."""

import pytest
from playwright.sync_api import expect

from tests.cases import conftest as cases_conftest
from tests.cases.conftest import pdf, requirement
from tests.factories import PASSWORD

housing = cases_conftest.housing
tax = cases_conftest.tax
matter = cases_conftest.matter
clerk = cases_conftest.clerk
make_case = cases_conftest.make_case

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def violations(page):
    """Console messages of the page about its policy (CSP or Permissions-Policy)."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text or "Permissions-Policy" in message.text
            else None
        ),
    )
    return found


def test_a_citizen_signs_in_and_removes_an_uploaded_file_under_the_policy(
    page, violations, citizen, make_case
):
    from cases import services

    case = make_case("draft")
    services.material_upload(
        case=case,
        by=citizen,
        requirement_id=requirement(case, "居民身份证"),
        upload=pdf("blurred.pdf"),
    )

    page.goto("/accounts/login/")
    page.get_by_label("账号").fill(citizen.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".site-nav")).to_contain_text(citizen.name)
    page.goto(f"/my/cases/{case.number}/materials/")
    assert page.get_by_role("link", name="blurred.pdf").is_visible()

    page.get_by_role("button", name="删除 文件“blurred.pdf”").click()
    page.wait_for_load_state()

    assert page.get_by_text("已删除文件：blurred.pdf").is_visible()
    assert not case.materials.get(material_type__name="居民身份证").files.exists()
    assert violations == []


def test_pages_and_the_api_docs_run_without_policy_violations(page, violations):
    page.goto("/accounts/signup/")
    page.get_by_label("法人/企业").check()
    # site.js (a file the policy allows) swapped the fields.
    assert page.get_by_label("统一社会信用代码").is_visible()

    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .information-container", timeout=15_000)

    assert violations == []


def test_the_admin_runs_without_policy_violations(page, violations, make_case):
    from tests.factories import UserFactory

    case = make_case("submitted")
    admin = UserFactory(is_staff=True, is_superuser=True)
    page.goto("/admin/login/")
    page.locator("#id_username").fill(admin.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()

    for url in ("/admin/", "/admin/cases/case/", f"/admin/cases/case/{case.pk}/change/"):
        response = page.goto(url)
        assert response.status == 200, url

    assert violations == []


def test_an_injected_inline_script_is_refused_and_reported(page, violations):
    page.goto("/")

    ran = page.evaluate(
        """() => {
            window.injected = false;
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.appendChild(script);
            return window.injected;
        }"""
    )

    assert ran is False
    page.wait_for_timeout(200)
    assert any("inline script" in text for text in violations), violations
