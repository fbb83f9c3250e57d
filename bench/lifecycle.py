"""Case lifecycle benchmark: lifecycles per second through the service layer, and the p50/p95
of ``case_accept`` with 100,000 cases already in the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_lifecycle_bench \
        .venv/bin/python bench/lifecycle.py [--lifecycles 200] [--cases 100000] [--accepts 300]
        [--rebuild] [--explain] [--seed 2026]

A lifecycle is what a case goes through from the portal to the result: ``case_create``, one
small PDF per required material (``material_upload``), ``case_submit``, ``case_accept`` by a
clerk, ``review_decide`` (approve) by an approver of every reviewing department, ``case_issue``.
The services are called as the views call them, each in its own transaction.

It needs PostgreSQL and a database of its own whose name ends in ``bench`` (created if it does
not exist and migrated); it refuses anything else so that it never touches the real
``onetrip`` database. Uploaded files go to a temporary MEDIA_ROOT that is removed at the end.
See bench/README.md.
"""

import argparse
import datetime
import logging
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchdb import bench_database_url, ensure_database
from timing import percentile

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PREFIX = "lc"  # codes and usernames of what this bench creates
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CITIZENS = 5000
BATCH = 5000

# fmt: off
DEPARTMENTS = [
    ("zjj", "市住房和城乡建设局"), ("sw", "国家税务总局市税务局"), ("gaj", "市公安局"),
    ("scjg", "市市场监督管理局"), ("rsj", "市人力资源和社会保障局"), ("zrzy", "市自然资源和规划局"),
    ("mzj", "市民政局"), ("wjw", "市卫生健康委员会"), ("jtj", "市交通运输局"),
    ("sthj", "市生态环境局"), ("gjj", "市住房公积金管理中心"), ("cgj", "市城市管理局"),
]
MATTER_NAMES = [
    "不动产转移登记", "不动产抵押登记", "不动产首次登记", "二手房交易缴税", "住房公积金提取",
    "营业执照变更登记", "食品经营许可证核发", "药品经营许可证换证", "建筑工程施工许可证核发",
    "户口迁移", "居住证申领", "机动车驾驶证换证", "社会保障卡申领", "养老保险转移接续",
    "排污许可证核发", "道路运输经营许可证核发", "医师执业注册", "户外广告设置审批",
    "城市道路占用挖掘审批", "婚姻登记", "最低生活保障认定", "出租汽车驾驶员从业资格证核发",
    "公共场所卫生许可证核发", "人力资源服务许可证核发", "取水许可证核发", "林木采伐许可证核发",
    "特种设备使用登记", "燃气经营许可证核发", "商品房预售许可证核发", "契税申报",
]
MATERIAL_NAMES = [
    "居民身份证", "营业执照", "不动产权证书", "完税凭证", "购房合同", "申请表", "授权委托书",
    "婚姻关系证明", "户口簿", "场地使用证明", "卫生许可证明", "消防安全检查合格证", "规划许可证",
    "施工图审查合格书", "资金证明", "劳动合同", "社保缴费证明", "驾驶证", "体检证明", "照片",
    "法定代表人身份证明", "章程", "股东会决议", "租赁合同", "检测报告", "环评批复", "设计图纸",
    "资质证书", "安全生产许可证", "承诺书",
]
# The spread of statuses in a hall's database after two years: most cases are long closed.
STATUS_WEIGHTS = {
    "closed": 56, "ready": 4, "in_transit": 2, "in_review": 9, "approved": 2, "denied": 1,
    "supplement_required": 3, "submitted": 4, "draft": 8, "rejected": 3, "withdrawn": 8,
}
# fmt: on
REVIEW_ACTIONS = {
    "approved": "review_approve",
    "denied": "review_deny",
    "returned": "review_return",
}
ACCEPTED = {"in_review", "approved", "denied", "ready", "in_transit", "closed"}


def id_number(n: int) -> str:
    """A valid resident ID number, unique per ``n`` (birth date and sequence from ``n``)."""
    from stdnum.cn import ric

    birth = datetime.date(1990, 1, 1) + datetime.timedelta(days=n // 900)
    body = f"330102{birth:%Y%m%d}{n % 900 + 100:03d}"
    return body + ric.calc_check_digit(body + "0")


def mobile(n: int) -> str:
    return f"139{n:08d}"


# ---------------------------------------------------------------------------------------------
# The bench's catalog and actors


def build_catalog(rng: random.Random) -> None:
    """Departments, matters with requirements and reviewing departments, clerk, approvers,
    citizens: created once, reused by later runs (codes and usernames start with ``lc``)."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from accounts.models import Department, IdentityKind, User
    from halls.selectors import city_centre
    from matters.models import (
        Board,
        CatalogStatus,
        HandlingType,
        MaterialType,
        Matter,
        MatterKind,
        Requirement,
    )
    from matters.search import pinyin_initials

    if User.objects.filter(username=f"{PREFIX}-clerk").exists():
        # A catalog built before its clerk had a hall.
        User.objects.filter(username=f"{PREFIX}-clerk", hall=None).update(hall=city_centre())
        return
    started = time.perf_counter()
    with transaction.atomic():
        departments = [
            Department.objects.create(code=f"{PREFIX}-{code}", name=f"{name}（基准）")
            for code, name in DEPARTMENTS
        ]
        board = Board.objects.create(code=f"{PREFIX}-board", name="基准板块", letter="L", order=99)
        materials = [
            MaterialType.objects.create(code=f"{PREFIX}-mat{n:02d}", name=f"{name}（基准）")
            for n, name in enumerate(MATERIAL_NAMES)
        ]
        for n, name in enumerate(MATTER_NAMES):
            lead = departments[n % len(departments)]
            instant = n % 6 == 5
            matter = Matter.objects.create(
                code=f"{PREFIX}-m{n:02d}",
                name=f"{name}（基准）",
                pinyin_initials=pinyin_initials(name),
                kind=MatterKind.LICENSING,
                board=board,
                lead_department=lead,
                handling_type=HandlingType.INSTANT if instant else HandlingType.PROMISED,
                legal_days=20,
                committed_days=0 if instant else rng.choice([3, 5, 7, 10]),
                legal_extension_days=10,
                max_trips=1,
                online_level=4,
                conditions="申请人符合法定条件。",
                legal_basis="《中华人民共和国行政许可法》。",
                deferral_scope="辅助材料可容缺受理，5个工作日内补齐。",
                delivery_methods=["pickup", "courier"],
                places=["市民中心"],
                consultation_phone="0571-12345",
                result_name=f"{name}决定书",
                status=CatalogStatus.PUBLISHED,
            )
            if not instant:
                others = [d for d in departments if d != lead]
                matter.reviewing_departments.set(
                    [lead, *rng.sample(others, rng.choice([0, 1, 1, 2]))]
                )
            for order, material in enumerate(rng.sample(materials, rng.randint(2, 5)), 1):
                Requirement.objects.create(
                    matter=matter,
                    material=material,
                    order=order,
                    key=order == 1,
                    required=order < 5,
                    condition="" if order < 5 else "委托代理人办理的",
                    deferrable=order in (3, 4) and rng.random() < 0.4,
                )

        groups = {
            name: Group.objects.get_or_create(name=name)[0]
            for name in ("citizen", "clerk", "approver")
        }
        # A window clerk works at a hall, as the demo's clerk1 at the city centre.
        clerk = User.objects.create(
            username=f"{PREFIX}-clerk",
            name="基准窗口",
            is_staff=True,
            password="!",
            hall=city_centre(),
        )
        clerk.groups.add(groups["clerk"])
        clerk.authorised_departments.set(departments)
        for department in departments:
            approver = User.objects.create(
                username=f"{PREFIX}-approver-{department.code}",
                name=f"{department.name}审批",
                is_staff=True,
                department=department,
                password="!",
            )
            approver.groups.add(groups["approver"])
        citizens = User.objects.bulk_create(
            [
                User(
                    username=f"{PREFIX}-citizen-{n:05d}",
                    name=rng.choice("赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨")
                    + rng.choice("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"),
                    identity_kind=IdentityKind.PERSON,
                    id_number=id_number(n),
                    phone=mobile(n),
                    password="!",
                )
                for n in range(CITIZENS)
            ],
            batch_size=BATCH,
        )
        through = User.groups.through
        through.objects.bulk_create(
            [through(user_id=user.pk, group_id=groups["citizen"].pk) for user in citizens],
            batch_size=BATCH,
        )
    print(
        f"built the bench catalog: {len(departments)} departments, {len(MATTER_NAMES)} matters, "
        f"{CITIZENS} citizens in {time.perf_counter() - started:.1f} s"
    )


class Actors:
    """The bench's clerk, approvers by department, citizens and matters."""

    def __init__(self) -> None:
        from accounts.models import User
        from matters.checklist import plain_answers
        from matters.models import HandlingType, Matter

        self.clerk = User.objects.get(username=f"{PREFIX}-clerk")
        self.approvers = {
            user.department_id: user
            for user in User.objects.filter(username__startswith=f"{PREFIX}-approver-")
        }
        self.citizens = list(
            User.objects.filter(username__startswith=f"{PREFIX}-citizen-").order_by("id")
        )
        self.matters = list(
            Matter.objects.filter(code__startswith=f"{PREFIX}-m")
            .prefetch_related("requirements", "reviewing_departments")
            .order_by("code")
        )
        self.promised = [m for m in self.matters if m.handling_type == HandlingType.PROMISED]
        # 情形引导: a matter that asks questions is filed online with answers.
        self.answers = {m.pk: plain_answers(m) for m in self.promised}


# ---------------------------------------------------------------------------------------------
# Lifecycles through the service layer


def applicant(user):
    from cases import services

    return services.Applicant(
        kind="person", name=user.name, phone=user.phone, id_number=user.id_number
    )


def pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("scan.pdf", PDF_BYTES, content_type="application/pdf")


def submitted_case(actors: Actors, rng: random.Random, timings: dict | None = None):
    """Create a case, upload one PDF per required material and submit it; time each step."""
    from cases import services

    def timed(step: str, call):
        started = time.perf_counter()
        result = call()
        if timings is not None:
            timings.setdefault(step, []).append((time.perf_counter() - started) * 1000)
        return result

    matter = rng.choice(actors.promised)
    citizen = rng.choice(actors.citizens)
    at_window = rng.random() < 0.35
    case = timed(
        "create",
        lambda: services.case_create(
            by=actors.clerk if at_window else citizen,
            matter=matter,
            applicant=applicant(citizen),
            answers=actors.answers[matter.pk],
        ),
    )
    by = actors.clerk if at_window else citizen
    for material in case.materials.all():
        if material.required:
            timed(
                "upload",
                lambda m=material: services.material_upload(
                    case=case, by=by, requirement_id=m.requirement_id, upload=pdf()
                ),
            )
    timed("submit", lambda: services.case_submit(case=case, by=by))
    return case


def run_lifecycles(actors: Actors, count: int, rng: random.Random) -> tuple[float, dict]:
    """``count`` full lifecycles; lifecycles per second and per-step timings (ms)."""
    from cases import services
    from cases.models import Review

    timings: dict[str, list[float]] = {}

    def timed(step: str, call):
        started = time.perf_counter()
        result = call()
        timings.setdefault(step, []).append((time.perf_counter() - started) * 1000)
        return result

    started = time.perf_counter()
    for _n in range(count):
        case = submitted_case(actors, rng, timings)
        timed("accept", lambda c=case: services.case_accept(case=c, by=actors.clerk))
        for review in Review.objects.filter(case=case):
            timed(
                "review_decide",
                lambda r=review: services.review_decide(
                    review=r,
                    by=actors.approvers[r.department_id],
                    decision="approve",
                    opinion="同意。",
                ),
            )
        timed("issue", lambda c=case: services.case_issue(case=c, by=actors.clerk))
    elapsed = time.perf_counter() - started
    return count / elapsed, timings


def print_steps(timings: dict[str, list[float]]) -> None:
    header = f"  {'step':<16}{'calls':>7}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
    print(header)
    for step, values in timings.items():
        print(
            f"  {step:<16}{len(values):>7}{percentile(values, 50):>9.1f}"
            f"{percentile(values, 95):>9.1f}{max(values):>9.1f}"
        )


# ---------------------------------------------------------------------------------------------
# Bulk load: a hall's two years of cases


def weekdays_after(start: datetime.date, days: int) -> datetime.date:
    """``days`` weekdays after ``start`` (the bulk data's deadlines; holidays ignored)."""
    day = start
    while days:
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


@contextmanager
def historic_timestamps():
    """Let bulk_create write the generated creation times instead of now()."""
    from cases.models import Case, CaseEvent, MaterialFile, Review

    fields = [
        Case._meta.get_field("created_at"),
        CaseEvent._meta.get_field("at"),
        MaterialFile._meta.get_field("uploaded_at"),
        Review._meta.get_field("created_at"),
    ]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


class CaseGenerator:
    """Cases with a realistic spread of statuses, dates, matters and channels, and their
    materials, files, reviews, events and visits, consistent with each status."""

    def __init__(self, actors: Actors, rng: random.Random) -> None:
        from django.utils import timezone

        self.actors = actors
        self.rng = rng
        self.tz = timezone.get_current_timezone()
        self.today = timezone.localdate()
        self.sequences: Counter = Counter()
        self.statuses = list(STATUS_WEIGHTS)
        self.weights = list(STATUS_WEIGHTS.values())
        # Popular matters take most cases.
        self.matter_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(actors.matters))]
        self.requirements = {
            m.pk: sorted(m.requirements.all(), key=lambda r: r.order) for m in actors.matters
        }
        self.reviewers = {
            m.pk: [d.pk for d in m.reviewing_departments.all()] for m in actors.matters
        }

    def at(self, day: datetime.date, hour_from: int = 9, hour_to: int = 17) -> datetime.datetime:
        """A moment in the hall's opening hours of ``day``."""
        return datetime.datetime.combine(
            day,
            datetime.time(self.rng.randint(hour_from, hour_to - 1), self.rng.randint(0, 59)),
            tzinfo=self.tz,
        )

    def case(self):
        """One unsaved case and the plan of what it went through."""
        from accounts.models import IdentityKind
        from cases.models import Case, Channel

        rng = self.rng
        matter = rng.choices(self.actors.matters, self.matter_weights)[0]
        status = rng.choices(self.statuses, self.weights)[0]
        if matter.is_instant and status in ("in_review", "supplement_required"):
            status = "closed"
        age = (
            rng.randint(1, 730)
            if status not in ("draft", "submitted", "in_review")
            else rng.randint(1, 20)
        )
        created_day = self.today - datetime.timedelta(days=age)
        self.sequences[created_day] += 1
        citizen = rng.choice(self.actors.citizens)
        window = rng.random() < 0.35
        courier = rng.random() < 0.3
        case = Case(
            number=f"{created_day:%Y%m%d}-{self.sequences[created_day]:05d}",
            matter=matter,
            lead_department_id=matter.lead_department_id,
            channel=Channel.WINDOW if window else Channel.ONLINE,
            owner=None if window else citizen,
            created_by=self.actors.clerk if window else citizen,
            applicant_kind=IdentityKind.PERSON,
            applicant_name=citizen.name,
            applicant_id_number=citizen.id_number,
            applicant_phone=citizen.phone,
            delivery_method="courier" if courier else "pickup",
            status=status,
            committed_days=matter.committed_days,
            legal_days=matter.legal_days,
            created_at=self.at(created_day),
        )
        if courier:
            case.receiver, case.receiver_phone = citizen.name, citizen.phone
            case.province, case.city, case.district = "浙江省", "杭州市", "西湖区"
            case.address = f"文三路{rng.randint(1, 999)}号"
        plan = {"path": ["create"], "days": {"create": created_day}, "window": window}
        if status == "draft" or (status == "withdrawn" and rng.random() < 0.5):
            if status == "withdrawn":
                plan["path"].append("withdraw")
                case.closed_at = self.at(created_day, 17, 22)
            return case, plan
        submitted_day = created_day + datetime.timedelta(days=rng.randint(0, 2))
        case.submitted_at = self.at(submitted_day)
        plan["path"].append("submit")
        plan["days"]["submit"] = submitted_day
        accepted = status in ACCEPTED or (status == "supplement_required" and rng.random() < 0.5)
        if not accepted:
            if status == "rejected":
                case.decision_note = "不属于本事项受理范围。"
                case.closed_at = self.at(submitted_day + datetime.timedelta(days=1))
                plan["path"].append("reject")
            elif status == "withdrawn":
                case.closed_at = self.at(submitted_day + datetime.timedelta(days=1))
                plan["path"].append("withdraw")
            elif status == "supplement_required":
                plan["path"].append("request_supplement")
            return case, plan
        accepted_on = min(submitted_day + datetime.timedelta(days=rng.randint(0, 3)), self.today)
        case.accepted_on = accepted_on
        case.deadline = weekdays_after(accepted_on, matter.committed_days)
        case.warning_on = weekdays_after(accepted_on, round(0.8 * matter.committed_days))
        plan["path"].append("accept")
        plan["days"]["accept"] = accepted_on
        if status in ("in_review", "supplement_required"):
            if status == "supplement_required":
                case.clock_stopped_on = min(accepted_on + datetime.timedelta(days=2), self.today)
                plan["path"].append("return")
            return case, plan
        decided_day = min(
            weekdays_after(accepted_on, rng.randint(1, max(1, matter.committed_days))), self.today
        )
        case.decided_at = self.at(decided_day)
        plan["path"].append("deny" if status == "denied" else "approve")
        plan["days"]["decide"] = decided_day
        if status in ("approved", "denied"):
            return case, plan
        issued_day = min(decided_day + datetime.timedelta(days=1), self.today)
        plan["path"].append("issue")
        plan["days"]["issue"] = issued_day
        if status == "ready":
            return case, plan
        if courier:
            case.waybill = f"SF{rng.randint(10**11, 10**12 - 1)}"
            plan["path"].append("ship")
            if status == "closed":
                plan["path"].append("deliver")
        else:
            plan["path"].append("collect")
            case.status = "closed"
        if case.status == "in_transit" and not courier:
            case.status = "closed"
        if case.status == "closed":
            case.closed_at = self.at(
                min(issued_day + datetime.timedelta(days=rng.randint(0, 5)), self.today)
            )
        return case, plan

    def children(self, case, plan) -> dict[str, list]:
        """Materials (with files), reviews, events and visits for one saved case."""
        from cases.models import CaseEvent, CaseMaterial, MaterialFile, Review, Visit

        rng = self.rng
        actors = self.actors
        path = plan["path"]
        submitted = "submit" in path
        applicant_user = actors.clerk if plan["window"] else case.owner
        rows: dict[str, list] = {
            "materials": [],
            "files": [],
            "reviews": [],
            "events": [],
            "visits": [],
        }
        asked = None
        for order, requirement in enumerate(self.requirements[case.matter_id]):
            if submitted:
                received = requirement.required
            else:
                received = requirement.required and rng.random() < 0.5
            material = CaseMaterial(
                case=case,
                requirement=requirement,
                material_type_id=requirement.material_id,
                order=order,
                key=requirement.key,
                required=requirement.required,
                deferrable=requirement.deferrable,
                copies=requirement.copies,
                status="received" if received else "missing",
            )
            asking = "return" in path or "request_supplement" in path
            if asking and asked is None and requirement.required:
                asked = material
                material.status = "missing"
                material.reason = "材料不清晰，请重新提交。"
                received = False
            if received and case.status == "closed":
                material.status = "verified"
            rows["materials"].append((material, received))

        reviewers = self.reviewers[case.matter_id]
        if "accept" in path:
            for n, department_id in enumerate(reviewers):
                review = Review(
                    case=case,
                    department_id=department_id,
                    created_at=self.at(plan["days"]["accept"]),
                )
                if "approve" in path or "deny" in path or ("return" in path and n > 0):
                    review.status = "approved"
                    review.opinion = "同意。"
                    review.decided_by = actors.approvers[department_id]
                    review.decided_at = case.decided_at or self.at(plan["days"]["accept"])
                if "deny" in path and n == len(reviewers) - 1:
                    review.status = "denied"
                    review.opinion = "不符合法定条件。"
                if "return" in path and n == 0:
                    review.status = "returned"
                    review.opinion = "材料不清晰。"
                    review.missing = [asked.requirement_id] if asked else []
                    review.decided_by = actors.approvers[department_id]
                    review.decided_at = self.at(plan["days"]["accept"])
                if case.status == "in_review" and rng.random() < 0.4:
                    review.status = "approved"
                    review.opinion = "同意。"
                    review.decided_by = actors.approvers[department_id]
                    review.decided_at = self.at(plan["days"]["accept"])
                rows["reviews"].append(review)

        status_after = {
            "create": ("", "draft"),
            "submit": ("draft", "submitted"),
            "accept": ("submitted", "in_review"),
            "request_supplement": ("submitted", "supplement_required"),
            "reject": ("submitted", "rejected"),
            "return": ("in_review", "supplement_required"),
            "approve": ("in_review", "approved"),
            "deny": ("in_review", "denied"),
            "issue": (None, "ready"),
            "ship": ("ready", "in_transit"),
            "deliver": ("in_transit", "closed"),
            "collect": ("ready", "closed"),
            "withdraw": (None, "withdrawn"),
        }
        previous = ""
        for step in path:
            source, target = status_after[step]
            day = {
                "create": plan["days"]["create"],
                "submit": plan["days"].get("submit"),
                "accept": plan["days"].get("accept"),
                "approve": plan["days"].get("decide"),
                "deny": plan["days"].get("decide"),
                "issue": plan["days"].get("issue"),
            }.get(step) or (case.closed_at.date() if case.closed_at else plan["days"]["create"])
            clerk_step = step in (
                "accept",
                "request_supplement",
                "reject",
                "issue",
                "ship",
                "collect",
            )
            actor = (
                None
                if step in ("approve", "deny", "return", "deliver")
                else (actors.clerk if clerk_step else applicant_user)
            )
            rows["events"].append(
                CaseEvent(
                    case=case,
                    action="conclude" if step in ("approve", "deny", "return") else step,
                    from_status=previous if source is None else source,
                    to_status=target,
                    actor=actor,
                    actor_role="system"
                    if actor is None
                    else ("clerk" if actor == actors.clerk else "citizen"),
                    at=self.at(day),
                )
            )
            previous = target
        for review in rows["reviews"]:
            if review.decided_at:
                rows["events"].append(
                    CaseEvent(
                        case=case,
                        action=REVIEW_ACTIONS[review.status],
                        actor=review.decided_by,
                        actor_role="approver",
                        note="同意。",
                        at=review.decided_at,
                    )
                )
        if plan["window"] and "accept" in path:
            rows["visits"].append(
                Visit(case=case, date=plan["days"]["accept"], kind="intake", clerk=actors.clerk)
            )
        if "collect" in path and case.closed_at:
            collect_day = case.closed_at.date()
            if not (plan["window"] and collect_day == plan["days"].get("accept")):
                rows["visits"].append(
                    Visit(case=case, date=collect_day, kind="collect", clerk=actors.clerk)
                )
        for material, received in rows["materials"]:
            if received:
                rows["files"].append(
                    MaterialFile(
                        material=material,
                        file="bench/scan.pdf",
                        original_name="scan.pdf",
                        content_type="application/pdf",
                        size=len(PDF_BYTES),
                        uploaded_by=applicant_user,
                        uploaded_at=case.created_at,
                    )
                )
        rows["materials"] = [material for material, _received in rows["materials"]]
        return rows


def bulk_load(actors: Actors, total: int, rng: random.Random) -> None:
    """bulk_create ``total`` cases with their children, ``BATCH`` cases per transaction."""
    from django.db import connection, transaction

    from cases.models import (
        Case,
        CaseEvent,
        CaseMaterial,
        CaseSequence,
        MaterialFile,
        Review,
        Visit,
    )

    generator = CaseGenerator(actors, rng)
    # Continue the day sequences already used, so that numbers stay unique.
    for number in Case.objects.values_list("number", flat=True).iterator(chunk_size=BATCH):
        day = datetime.datetime.strptime(number[:8], "%Y%m%d").date()
        generator.sequences[day] = max(generator.sequences[day], int(number[9:]))
    started = time.perf_counter()
    counts: Counter = Counter()
    done = 0
    with historic_timestamps():
        while done < total:
            size = min(BATCH, total - done)
            with transaction.atomic():
                planned = [generator.case() for _ in range(size)]
                cases = Case.objects.bulk_create([case for case, _plan in planned])
                rows: dict[str, list] = {
                    "materials": [],
                    "files": [],
                    "reviews": [],
                    "events": [],
                    "visits": [],
                }
                for case, plan in zip(cases, (plan for _case, plan in planned), strict=True):
                    for kind, items in generator.children(case, plan).items():
                        rows[kind].extend(items)
                CaseMaterial.objects.bulk_create(rows["materials"], batch_size=BATCH)
                for stored in rows["files"]:
                    stored.material_id = stored.material.pk
                MaterialFile.objects.bulk_create(rows["files"], batch_size=BATCH)
                Review.objects.bulk_create(rows["reviews"], batch_size=BATCH)
                CaseEvent.objects.bulk_create(rows["events"], batch_size=BATCH)
                Visit.objects.bulk_create(rows["visits"], batch_size=BATCH)
            counts.update({kind: len(items) for kind, items in rows.items()})
            counts.update(case.status for case in cases)
            done += size
            elapsed = time.perf_counter() - started
            print(
                f"  {done:>7,} / {total:,} cases  ({elapsed:5.1f} s, "
                f"{done / elapsed:,.0f} cases/s)",
                flush=True,
            )
    with transaction.atomic():
        for day, last in generator.sequences.items():
            sequence, _created = CaseSequence.objects.get_or_create(day=day)
            if sequence.last < last:
                sequence.last = last
                sequence.save(update_fields=["last"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"loaded {total:,} cases in {time.perf_counter() - started:.1f} s: "
        + ", ".join(
            f"{counts[k]:,} {k}" for k in ("materials", "files", "reviews", "events", "visits")
        )
    )
    print("  statuses: " + ", ".join(f"{s} {counts[s]:,}" for s in STATUS_WEIGHTS))


# ---------------------------------------------------------------------------------------------
# case_accept with a full database


def measure_accepts(actors: Actors, count: int, rng: random.Random) -> list[float]:
    """Submit ``count`` fresh cases (not timed), then time ``case_accept`` on each (ms)."""
    from cases import services

    cases = [submitted_case(actors, rng) for _ in range(count)]
    samples = []
    for case in cases:
        started = time.perf_counter()
        services.case_accept(case=case, by=actors.clerk)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def accept_queries(actors: Actors, rng: random.Random, explain: bool) -> None:
    """The queries of one ``case_accept``: count, time each; with ``explain`` their plans."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from cases import services

    case = submitted_case(actors, rng)
    with CaptureQueriesContext(connection) as captured:
        services.case_accept(case=case, by=actors.clerk)
    queries = [q for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    total = sum(float(q["time"]) for q in queries) * 1000
    print(f"\none case_accept: {len(queries)} queries, {total:.1f} ms in the database")
    for query in sorted(queries, key=lambda q: -float(q["time"]))[:5]:
        print(f"  {float(query['time']) * 1000:6.2f} ms  {query['sql'][:150]}")
    if not explain:
        return
    case = submitted_case(actors, rng)
    with CaptureQueriesContext(connection) as captured:
        services.case_accept(case=case, by=actors.clerk)
    with transaction.atomic():
        for query in captured.captured_queries:
            sql = query["sql"]
            if sql.startswith(("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")):
                continue
            analyse = "ANALYZE, " if sql.startswith("SELECT") else ""
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN ({analyse}COSTS OFF) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"--- {sql[:200]}\n{plan}\n")
        transaction.set_rollback(True)


def configure_tasks(*, run: bool) -> None:
    """Queue Celery tasks in memory, where no worker takes them (what a web request pays:
    the outbox rows and the publish), or with ``run`` run them in process, as without Redis.

    Never Redis: a worker there would take tasks about the bench database's rows.
    """
    from hall.celery import app

    app.conf.broker_url = "memory://"
    app.conf.task_always_eager = run
    print(
        "Celery tasks run in process, inside the timings"
        if run
        else "Celery tasks are queued in memory and not run (--run-tasks to run them)"
    )


def table_sizes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid)) "
            "FROM pg_stat_user_tables WHERE relname LIKE 'cases_%%' ORDER BY n_live_tup DESC"
        )
        rows = cursor.fetchall()
    print("  " + ", ".join(f"{name} {count:,} rows ({size})" for name, count, size in rows[:6]))


def truncate_cases() -> None:
    from django.apps import apps
    from django.db import connection

    tables = [m._meta.db_table for m in apps.get_app_config("cases").get_models()]
    tables.append("accounts_idempotencykey")
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} "
            "RESTART IDENTITY CASCADE"
        )
    print("emptied the case tables")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lifecycles", type=int, default=200, help="full lifecycles to time")
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the database")
    parser.add_argument("--accepts", type=int, default=300, help="case_accept calls (≥ 200)")
    parser.add_argument("--rebuild", action="store_true", help="empty the case tables first")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN one accept's queries")
    parser.add_argument(
        "--run-tasks",
        action="store_true",
        help="run Celery tasks (notice sending…) in process, inside the timings",
    )
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    url = bench_database_url("lifecycle.py")
    ensure_database(url)
    media = tempfile.mkdtemp(prefix="onetrip-lifecycle-bench-")
    os.environ["MEDIA_ROOT"] = media
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from cases.models import Case

    assert connection.vendor == "postgresql"
    assert connection.settings_dict["NAME"].endswith("bench")
    settings.DEBUG = False
    # The console notice backends and Celery log every message at INFO.
    logging.disable(logging.INFO)
    configure_tasks(run=args.run_tasks)
    rng = random.Random(args.seed)
    try:
        call_command("migrate", verbosity=0)
        if args.rebuild:
            truncate_cases()
        build_catalog(rng)
        actors = Actors()

        in_db = Case.objects.count()
        print(f"\n{args.lifecycles} lifecycles with {in_db:,} cases in the database")
        rate, timings = run_lifecycles(actors, args.lifecycles, rng)
        print(f"  {rate:.1f} lifecycles/s")
        print_steps(timings)

        missing = args.cases - Case.objects.count()
        if args.cases == 0:
            print("\nno bulk load (--cases 0)")
        elif missing > 0:
            print(f"\nbulk-loading {missing:,} cases")
            bulk_load(actors, missing, rng)
        else:
            print(
                f"\nreusing the {Case.objects.count():,} cases in the database "
                "(--rebuild to reload)"
            )
        table_sizes()

        in_db = Case.objects.count()
        print(f"\n{args.accepts} case_accept calls with {in_db:,} cases in the database")
        samples = measure_accepts(actors, args.accepts, rng)
        print(
            f"  p50 {percentile(samples, 50):.1f} ms, p95 {percentile(samples, 95):.1f} ms, "
            f"max {max(samples):.1f} ms, mean {statistics.mean(samples):.1f} ms"
        )
        accept_queries(actors, rng, args.explain)

        print(f"\n{args.lifecycles} lifecycles with {Case.objects.count():,} cases in the database")
        rate, timings = run_lifecycles(actors, args.lifecycles, rng)
        print(f"  {rate:.1f} lifecycles/s")
        print_steps(timings)
    finally:
        shutil.rmtree(media, ignore_errors=True)


if __name__ == "__main__":
    main()
