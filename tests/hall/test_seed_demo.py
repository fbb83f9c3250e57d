"""seed_demo: the demo catalog and accounts, complete, valid and safe to load twice."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import RequestFactory

from accounts.identity import validate_credit_code, validate_id_number
from accounts.models import Department, IdentityKind, User
from matters.guide import guide_problems
from matters.models import (
    Board,
    Bundle,
    BundleItem,
    CatalogStatus,
    HandlingType,
    LicenceType,
    MaterialType,
    Matter,
    ProcessStep,
    Requirement,
)
from matters.selectors import bundle_queryset, bundle_requirements, popular_matters

pytestmark = pytest.mark.django_db

PASSWORD = "Demo#2026"
BOARDS = {
    "投资项目",
    "不动产登记",
    "商事登记",
    "社会事务",
    "医保社保",
    "公安服务",
    "公积金",
    "其他综合事务",
}


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    models = (
        Department,
        LicenceType,
        Board,
        MaterialType,
        Matter,
        ProcessStep,
        Requirement,
        Bundle,
        BundleItem,
        User,
    )
    counts = {model.__name__: model.objects.count() for model in models}
    counts["memberships"] = User.groups.through.objects.count()
    counts["permissions"] = Group.permissions.through.objects.count()
    return counts


@pytest.fixture
def seeded() -> str:
    return seed()


def test_running_twice_creates_nothing_more(seeded):
    before = snapshot()
    stamps = dict(Matter.objects.values_list("code", "updated_at"))

    output = seed()

    assert snapshot() == before
    assert dict(Matter.objects.values_list("code", "updated_at")) == stamps
    assert "新增 0 个" in output
    assert "事项新增 0、更新 0" in output
    assert before["Matter"] >= 40 and before["User"] >= 20


def test_re_run_resets_nothing_it_finds(seeded):
    citizen = User.objects.get(username="citizen1")
    citizen.set_password("Changed#2027")
    citizen.phone = "13900000000"
    citizen.save()

    seed()

    citizen.refresh_from_db()
    assert citizen.check_password("Changed#2027")
    assert citizen.phone == "13900000000"


def test_boards_have_the_seed_names_and_distinct_ticket_letters(seeded):
    boards = list(Board.objects.all())
    assert {board.name for board in boards} >= BOARDS
    letters = [board.letter for board in boards]
    assert len(set(letters)) == len(letters)
    assert set("ABCDEFGH") <= set(letters)
    for board in boards:
        assert Matter.published.filter(board=board).exists(), board.name


def test_departments_and_licence_types(seeded):
    assert Department.objects.count() >= 12
    names = set(Department.objects.values_list("name", flat=True))
    for name in (
        "市行政服务中心",
        "市自然资源和规划局",
        "市住房公积金管理中心",
        "市市场监督管理局",
    ):
        assert name in names
    assert all(Department.objects.values_list("phone", flat=True))
    assert MaterialType.objects.get(name="营业执照").licence_type.name == "营业执照"
    assert MaterialType.objects.get(name="不动产权证书").licence_type.name == "不动产权证书"
    assert not MaterialType.objects.filter(name__contains="其他").exists()


def test_published_matters_are_complete_and_pass_the_publishing_checks(seeded):
    matters = list(Matter.published.prefetch_related("reviewing_departments", "steps"))
    assert len(matters) >= 40
    for matter in matters:
        assert guide_problems(matter) == [], matter.code
        assert 3 <= matter.steps.count() <= 6, matter.code
        assert 2 <= matter.requirements.count() <= 8, matter.code
        assert matter.legal_days >= matter.committed_days
        assert sum(step.days for step in matter.steps.all()) == matter.committed_days, matter.code
        assert matter.effective_date is not None
        assert matter.places and matter.consultation_phone and matter.result_name
        if matter.is_instant:
            assert matter.committed_days == 0 and not matter.reviewing_departments.exists()
        else:
            assert matter.reviewing_departments.exists()
            assert matter.committed_days < matter.legal_days, matter.code
        if matter.max_trips == 0:
            assert matter.allows_courier, matter.code
    instant = sum(matter.handling_type == HandlingType.INSTANT for matter in matters)
    assert instant / len(matters) >= 0.3
    assert any(matter.fee > 0 and matter.fee_basis for matter in matters)
    assert any(matter.deferral_scope for matter in matters)
    assert Requirement.objects.filter(deferrable=True, key=False).exists()
    assert not Requirement.objects.filter(deferrable=True, key=True).exists()


def test_the_matters_named_in_the_seeds_are_there(seeded):
    names = set(Matter.published.values_list("name", flat=True))
    for wanted in (
        "生育登记",
        "供水过户",
        "供电过户",
        "供气过户",
        "食品经营许可",
        "公共场所卫生许可",
        "住房公积金个人购房贷款",
        "居住证办理",
        "企业投资项目备案",
        "建设工程规划许可证核发",
    ):
        assert wanted in names
    for fragment in ("不动产转移登记", "不动产抵押登记", "企业设立登记", "住房公积金提取"):
        assert any(fragment in name for name in names), fragment


def test_home_page_most_used_matters_have_a_spread_of_usage(seeded):
    top = list(popular_matters(limit=8))
    usage = [matter.usage_count for matter in top]
    assert usage == sorted(usage, reverse=True)
    assert len(set(usage)) == 8
    assert usage[0] > 10 * Matter.published.order_by("usage_count").first().usage_count


def test_three_published_bundles_ask_shared_materials_once(seeded):
    bundles = {bundle.code: bundle for bundle in bundle_queryset()}
    assert len(bundles) == 3
    for bundle in bundles.values():
        matters = [item.matter for item in bundle.items.all()]
        assert len(matters) >= 2
        assert all(matter.status == CatalogStatus.PUBLISHED for matter in matters)
        checklist = bundle_requirements(bundle)
        materials = [entry.material.pk for entry in checklist]
        assert len(materials) == len(set(materials)), bundle.code
        asked = sum(item.matter.requirements.count() for item in bundle.items.all())
        assert len(checklist) < asked, f"{bundle.code} shares no material"

    transfer = bundles["property-transfer-utilities"]
    names = {item.matter.name for item in transfer.items.all()}
    assert {"供水过户", "供电过户", "供气过户"} <= names
    merged = {entry.material.name: entry for entry in bundle_requirements(transfer)}
    assert len(merged["居民身份证"].matters) == 4
    assert len(merged["不动产权证书"].matters) == 4
    assert merged["居民身份证"].key

    loan = {
        entry.material.name: entry for entry in bundle_requirements(bundles["fund-loan-mortgage"])
    }
    assert len(loan["居民身份证"].matters) == 2


def test_demo_accounts_have_their_roles_and_sign_in(seeded):
    expected = {
        "citizen1": "citizen",
        "citizen2": "citizen",
        "company1": "citizen",
        "clerk1": "clerk",
        "clerk2": "clerk",
        "supervisor1": "supervisor",
        "catalog-admin": "catalog_admin",
    }
    request = RequestFactory().post("/accounts/login/")
    for username, role in expected.items():
        user = User.objects.get(username=username)
        assert user.role_names() == [role], username
        assert user.is_staff == (role != "citizen"), username
        assert authenticate(request, username=username, password=PASSWORD) == user
    assert authenticate(request, username="citizen1", password="wrong") is None

    hall = Department.objects.get(code="hall")
    assert User.objects.get(username="clerk1").department == hall
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert authenticate(request, username="admin", password=PASSWORD) == admin


def test_citizens_and_company_carry_valid_identities(seeded):
    zhang, li = User.objects.get(username="citizen1"), User.objects.get(username="citizen2")
    assert (zhang.name, li.name) == ("张伟", "李娜")
    for person in (zhang, li):
        assert person.identity_kind == IdentityKind.PERSON
        assert validate_id_number(person.id_number) == person.id_number
        assert len(person.phone) == 11 and person.phone.startswith("1")
        person.full_clean()
    company = User.objects.get(username="company1")
    assert company.identity_kind == IdentityKind.COMPANY
    assert validate_credit_code(company.credit_code) == company.credit_code
    company.full_clean()


def test_one_approver_per_department(seeded):
    approvers = User.objects.filter(groups__name="approver").select_related("department")
    by_department = {user.department.code: user for user in approvers}
    assert set(by_department) == set(Department.objects.values_list("code", flat=True))
    assert len(by_department) == approvers.count()
    for code, user in by_department.items():
        assert user.username == f"approver-{code}"
        assert user.is_staff


def test_staff_roles_get_admin_permissions(seeded):
    catalog_admin = User.objects.get(username="catalog-admin")
    clerk = User.objects.get(username="clerk1")
    supervisor = User.objects.get(username="supervisor1")
    approver = User.objects.get(username="approver-housing-fund")

    assert catalog_admin.has_perms(["matters.add_matter", "matters.change_matter"])
    assert catalog_admin.has_perms(["matters.change_bundle", "matters.view_requirement"])
    assert catalog_admin.has_perm("accounts.change_department")
    assert not catalog_admin.has_perm("matters.delete_matter")
    assert supervisor.has_perms(["matters.view_matter", "accounts.view_department"])
    assert not supervisor.has_perm("matters.change_matter")
    for user in (clerk, approver):
        assert user.has_perm("matters.view_matter")
        assert not user.has_perm("matters.change_matter")
    assert not User.objects.get(username="citizen1").has_perm("matters.view_matter")


def test_the_demo_hall_has_windows_and_bookable_slots(seeded):
    from django.utils import timezone

    from halls.models import Hall
    from halls.selectors import city_centre
    from matters.calendar import add_working_days
    from matters.models import Board
    from windows.models import Slot, Window

    centre = city_centre()
    assert Window.objects.get(hall=centre, number=1).clerk.username == "clerk1"
    assert Window.objects.get(hall=centre, number=2).clerk.username == "clerk2"
    tomorrow = add_working_days(timezone.localdate(), 1)
    boards_with_slots = set(
        Slot.objects.filter(hall=centre, date=tomorrow).values_list("board", flat=True)
    )
    assert boards_with_slots == set(Board.objects.values_list("pk", flat=True))
    # Every other hall with windows: a generalist window for its clerk, board windows, and
    # slots for the boards it serves; village points have neither.
    for hall in Hall.objects.exclude(pk=centre.pk):
        windows = Window.objects.filter(hall=hall)
        slots = set(Slot.objects.filter(hall=hall, date=tomorrow).values_list("board", flat=True))
        if hall.has_windows:
            assert windows.get(number=1).clerk.username == f"clerk-{hall.code}"
            assert windows.get(number=1).generalist
            assert windows.filter(generalist=False).count() >= 1
            assert slots == set(hall.boards.values_list("pk", flat=True))
        else:
            assert not windows.exists() and not slots
