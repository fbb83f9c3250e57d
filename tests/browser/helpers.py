"""What the browser tests share: signing in through the real sign-in page."""

import re

from playwright.sync_api import expect

from tests.factories import PASSWORD


def sign_in(page, user, next_url: str = "") -> None:
    """Sign ``user`` in through the sign-in form; signed in once the browser has left it (for
    the person's own workspace, the home page or ``next_url``)."""
    page.goto(f"/accounts/login/?next={next_url}" if next_url else "/accounts/login/")
    page.get_by_label("账号").fill(user.username)
    page.get_by_label("密码").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
