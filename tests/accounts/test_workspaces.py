"""After sign-in staff land on their own workspace, and the navigation is their role's: no
我的办件 or 我的证照 for staff; citizens keep theirs; a ``next`` still wins."""

import pytest
from django.urls import reverse

from accounts import roles
from tests.factories import PASSWORD, DepartmentFactory, UserFactory

LOGIN = reverse("accounts:login")
pytestmark = pytest.mark.django_db


def signed_up(**fields):
    user = UserFactory(**fields)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.parametrize(
    ("role", "workspace"),
    [
        (roles.CLERK, "windows:desk-home"),
        (roles.APPROVER, "admin:cases_review_changelist"),
        (roles.SUPERVISOR, "supervision:dashboard"),
        (roles.CATALOG_ADMIN, "admin:index"),
    ],
)
def test_staff_land_on_their_workspace(client, role, workspace):
    user = signed_up(
        is_staff=True, initial_roles=(role,), department=DepartmentFactory(code=f"d-{role}")
    )

    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse(workspace)


def test_a_citizen_lands_home_and_a_next_still_wins(client):
    citizen = signed_up(initial_roles=(roles.CITIZEN,))
    response = client.post(LOGIN, {"username": citizen.username, "password": PASSWORD})
    assert response["Location"] == reverse("home")

    client.logout()
    clerk = signed_up(is_staff=True, initial_roles=(roles.CLERK,))
    track = reverse("cases:track")
    response = client.post(
        f"{LOGIN}?next={track}", {"username": clerk.username, "password": PASSWORD, "next": track}
    )
    assert response["Location"] == track


def test_the_navigation_is_the_roles_own(client):
    clerk = signed_up(is_staff=True, initial_roles=(roles.CLERK,))
    client.force_login(clerk)
    nav = client.get(reverse("home")).content.decode()
    nav = nav[nav.index("site-nav") : nav.index("</nav>")]
    assert "窗口工作台" in nav and "管理后台" in nav
    assert "我的办件" not in nav and "我的证照" not in nav and "预约办事" not in nav

    citizen = signed_up(initial_roles=(roles.CITIZEN,))
    client.force_login(citizen)
    nav = client.get(reverse("home")).content.decode()
    nav = nav[nav.index("site-nav") : nav.index("</nav>")]
    assert "我的办件" in nav and "我的证照" in nav
    assert "窗口工作台" not in nav and "管理后台" not in nav
