"""``manage.py seed_demo``: load the demo catalog and the demo accounts; safe to run again.

The catalog comes from ``matters/demo/catalog.json`` through ``catalog_import`` (rows matched
by code, unchanged rows left alone). Accounts are created only when missing; an existing
account is never touched, so a re-run resets no password and duplicates nothing. Every demo
password is ``Demo#2026``.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from stdnum.cn import ric, uscc

import matters
from accounts import roles
from accounts.models import Department, IdentityKind, User
from halls.demo import HALLS, HELPERS, seed_halls
from halls.models import Hall
from halls.selectors import city_centre
from matters.catalog_io import SECTION_LABELS, SECTIONS, catalog_import
from matters.exceptions import CatalogImportError

CATALOG_PATH = Path(matters.__file__).resolve().parent / "demo" / "catalog.json"
PASSWORD = "Demo#2026"
HALL_DEPARTMENT = "hall"


def resident_id_number(body: str) -> str:
    """A valid resident ID number from its first 17 digits (area, birth date, sequence)."""
    # python-stdnum 2.x computes the check digit from a number that already carries one.
    return body + ric.calc_check_digit(body + "0")


def credit_code(body: str) -> str:
    """A valid unified social credit code from its first 17 characters."""
    return body + uscc.calc_check_digit(body)


@dataclass
class DemoUser:
    username: str
    name: str
    roles: tuple[str, ...] = ()
    department: str | None = None
    is_staff: bool = False
    is_superuser: bool = False
    hall: str | None = None
    fields: dict = field(default_factory=dict)


def demo_users(departments: list[Department]) -> list[DemoUser]:
    """The demo accounts: citizens, a company, clerks, one approver per department and more."""
    users = [
        DemoUser(
            "citizen1",
            "张伟",
            (roles.CITIZEN,),
            fields={
                "identity_kind": IdentityKind.PERSON,
                "id_number": resident_id_number("33040219880512301"),
                "phone": "13857301001",
            },
        ),
        DemoUser(
            "citizen2",
            "李娜",
            (roles.CITIZEN,),
            fields={
                "identity_kind": IdentityKind.PERSON,
                "id_number": resident_id_number("33041119930621262"),
                "phone": "13857301002",
            },
        ),
        DemoUser(
            "company1",
            "云帆信息科技有限公司",
            (roles.CITIZEN,),
            fields={
                "identity_kind": IdentityKind.COMPANY,
                "credit_code": credit_code("91330402MA2B8C3X4"),
                "phone": "13957302001",
            },
        ),
        DemoUser("clerk1", "王芳", (roles.CLERK,), HALL_DEPARTMENT, is_staff=True, hall="city"),
        DemoUser("clerk2", "刘洋", (roles.CLERK,), HALL_DEPARTMENT, is_staff=True, hall="city"),
        DemoUser("supervisor1", "陈静", (roles.SUPERVISOR,), is_staff=True),
        DemoUser("catalog-admin", "赵敏", (roles.CATALOG_ADMIN,), HALL_DEPARTMENT, is_staff=True),
        DemoUser("admin", "系统管理员", is_staff=True, is_superuser=True),
    ]
    # A clerk at every other hall with windows, and the helpers (代办员) at village points.
    users += [
        DemoUser(
            f"clerk-{code}",
            f"{name.removesuffix('便民服务中心')}窗口人员",
            (roles.CLERK,),
            HALL_DEPARTMENT,
            is_staff=True,
            hall=code,
        )
        for code, name, *_rest, queue, _boards in HALLS
        if queue
    ]
    users += [
        DemoUser(username, name, (roles.HELPER,), HALL_DEPARTMENT, is_staff=True, hall=hall)
        for username, name, hall in HELPERS
    ]
    users += [
        DemoUser(
            f"approver-{department.code}",
            f"{department.display_name}审批员",
            (roles.APPROVER,),
            department.code,
            is_staff=True,
        )
        for department in departments
    ]
    return users


def grant_role_permissions() -> None:
    """Give the staff roles their admin permissions (only adds, never removes).

    catalog_admin maintains the catalog: add, change and view every model of ``matters`` and
    the departments; supervisor views the catalog and the departments; approver and clerk
    view the catalog.
    """
    catalog = Q(content_type__app_label="matters")
    department = Q(content_type__app_label="accounts", content_type__model="department")
    verbs = ("add_", "change_", "view_")
    grants = {
        roles.CATALOG_ADMIN: (catalog | department, verbs),
        roles.SUPERVISOR: (catalog | department, ("view_",)),
        roles.APPROVER: (catalog, ("view_",)),
        roles.CLERK: (catalog, ("view_",)),
        roles.HELPER: (catalog, ("view_",)),
    }
    for role, (scope, prefixes) in grants.items():
        group, _ = Group.objects.get_or_create(name=role)
        verb = Q()
        for prefix in prefixes:
            verb |= Q(codename__startswith=prefix)
        group.permissions.add(*Permission.objects.filter(scope & verb))


def create_demo_user(spec: DemoUser, departments: dict[str, Department]) -> bool:
    """Create the account if its username is free; True if it was created."""
    if User.objects.filter(username=spec.username).exists():
        return False
    hall = None
    if spec.hall == "city":
        hall = city_centre()
    elif spec.hall:
        hall = Hall.objects.get(code=spec.hall)
    user = User(
        username=spec.username,
        name=spec.name,
        hall=hall,
        department=departments.get(spec.department) if spec.department else None,
        is_staff=spec.is_staff,
        is_superuser=spec.is_superuser,
        **spec.fields,
    )
    user.set_password(PASSWORD)
    user.full_clean()
    user.save()
    user.groups.add(*Group.objects.filter(name__in=spec.roles))
    return True


def authorise_demo_clerks() -> None:
    """Let the demo clerks decide instant matters at the window for every department that
    leads one (窗口授权); only adds."""
    from matters.models import HandlingType, Matter

    leading = Department.objects.filter(
        pk__in=Matter.published.filter(handling_type=HandlingType.INSTANT).values("lead_department")
    )
    for clerk in User.objects.filter(groups__name=roles.CLERK, username__startswith="clerk"):
        clerk.authorised_departments.add(*leading)


class Command(BaseCommand):
    help = "导入演示事项清单并创建演示账号（密码均为 Demo#2026）；可重复执行，不会重复创建。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--history",
            action="store_true",
            help="also generate a year of cases, visits, ratings and queue tickets (seeded "
            "random, reproducible; days that have cases are left alone) and build the "
            "supervision summary",
        )
        parser.add_argument(
            "--history-days", type=int, default=365, help="calendar days before today"
        )
        parser.add_argument("--history-seed", type=int, default=12, help="random seed")

    @transaction.atomic
    def handle(self, *args, history=False, history_days=365, history_seed=12, **options) -> None:
        data = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
        try:
            counts = catalog_import(data=data)
        except CatalogImportError as exc:
            raise CommandError(exc.detail) from exc
        grant_role_permissions()
        halls_created = seed_halls()

        codes = [row["code"] for row in data["departments"]]
        departments = Department.objects.in_bulk(codes, field_name="code")
        specs = demo_users([departments[code] for code in sorted(codes)])
        created = [spec.username for spec in specs if create_demo_user(spec, departments)]
        authorise_demo_clerks()
        from windows.demo import seed_slots, seed_windows

        seed_windows()
        seed_slots()

        catalog = "；".join(
            f"{SECTION_LABELS[section]}新增 {counts[f'{section}_created']}、"
            f"更新 {counts[f'{section}_updated']}"
            for section in SECTIONS
        )
        self.stdout.write(f"事项清单：{catalog}")
        self.stdout.write(f"服务网点：新增 {halls_created} 个")
        self.stdout.write(
            f"演示账号：新增 {len(created)} 个，已存在 {len(specs) - len(created)} 个；"
            f"密码均为 {PASSWORD}"
        )
        if created:
            self.stdout.write("新增账号：" + "、".join(created))
        if history:
            self._history(history_days, history_seed)
        self.stdout.write(self.style.SUCCESS("演示数据就绪。"))

    def _history(self, days: int, seed: int) -> None:
        import time

        from hall.demo_history import seed_history

        if days < 1:
            raise CommandError("--history-days must be at least 1")
        began = time.perf_counter()
        result = seed_history(days=days, seed=seed)
        self.stdout.write(
            f"历史数据：{result.days} 个工作日，办件 {result.cases}、跑动 {result.visits}、"
            f"评价 {result.ratings}、取号 {result.tickets}、办件记录 {result.events}；"
            f"监察汇总已生成（用时 {time.perf_counter() - began:.1f} 秒）"
        )
