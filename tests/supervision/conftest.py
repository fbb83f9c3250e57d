"""A small known hall: five cases in March 2026 whose figures are counted by hand.

Range 2026-03-03 .. 2026-03-31 (no holidays in March 2026; weekends only).

c1: m1, lead A, submitted 03-02 (out of range), accepted 03-02, deadline 03-09, decided 03-06
    (4 working days), 1 visit, materials received/verified/licence of 3 required, rated 5 on 03-10.
c2: m1, A, submitted 03-03, accepted 03-03, deadline 03-10, decided 03-13 (8 wd, 2 stopped:
    6 counted, late), 2 visits, 3 received of 3, rated 2 on 03-16 with an open follow-up.
c3: m2 (instant), B, submitted, accepted and decided 03-04 (0 wd), no visit, 1 licence of 1
    required, rated 4 on 03-05.
c4: m1, A, submitted 03-20, open, deadline 03-27, warning 03-26, 1 visit.
c7: m1, B, submitted 01-05 (out), open, deadline 03-20, warning 03-18.
"""

import datetime
import itertools

import pytest
from django.utils import timezone

from cases.models import (
    Case,
    CaseMaterial,
    CaseStatus,
    Channel,
    FollowUp,
    MaterialStatus,
    Rating,
    Visit,
)
from tests.factories import (
    BoardFactory,
    DepartmentFactory,
    MaterialTypeFactory,
    MatterFactory,
    RequirementFactory,
)

START = datetime.date(2026, 3, 3)
END = datetime.date(2026, 3, 31)
TODAY = datetime.date(2026, 3, 26)
_numbers = itertools.count(1)


def at(day: str) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.fromisoformat(f"2026-{day} 10:00"), timezone.get_current_timezone()
    )


def day(value: str) -> datetime.date:
    return datetime.date.fromisoformat(f"2026-{value}")


def make_case(matter, department, *, submitted, accepted, deadline, decided=None, **extra):
    return Case.objects.create(
        number=f"T{next(_numbers):08d}",
        matter=matter,
        lead_department=department,
        channel=Channel.WINDOW,
        applicant_kind="person",
        applicant_name="张三",
        applicant_phone="13800000000",
        status=CaseStatus.CLOSED if decided else CaseStatus.IN_REVIEW,
        committed_days=matter.committed_days,
        legal_days=matter.legal_days,
        submitted_at=at(submitted),
        accepted_on=day(accepted),
        deadline=day(deadline),
        decided_at=at(decided) if decided else None,
        **extra,
    )


def add_materials(case, requirements, statuses):
    for requirement, status in zip(requirements, statuses, strict=False):
        CaseMaterial.objects.create(
            case=case,
            requirement=requirement,
            material_type=requirement.material,
            required=requirement.required,
            status=status,
        )


def rate(case, score, on, *, follow_up_department=None):
    rating = Rating.objects.create(case=case, score=score, channel=Channel.ONLINE)
    Rating.objects.filter(pk=rating.pk).update(created_at=at(on))
    if follow_up_department:
        FollowUp.objects.create(
            rating=rating, department=follow_up_department, due_date=day("03-31")
        )
    return rating


@pytest.fixture
def hall(db):
    a = DepartmentFactory(code="dept_a", name="甲局")
    b = DepartmentFactory(code="dept_b", name="乙局")
    x = BoardFactory(code="board_x", name="甲板块")
    y = BoardFactory(code="board_y", name="乙板块")
    m1 = MatterFactory(
        code="m1",
        name="事项一",
        board=x,
        lead_department=a,
        committed_days=5,
        legal_days=20,
        with_guide=False,
    )
    m2 = MatterFactory(
        code="m2",
        name="事项二",
        board=y,
        lead_department=b,
        instant=True,
        legal_days=1,
        with_guide=False,
    )
    r1 = [RequirementFactory(matter=m1, material=MaterialTypeFactory()) for _ in range(3)]
    r2 = [RequirementFactory(matter=m2, material=MaterialTypeFactory())]
    S = MaterialStatus  # noqa: N806

    c1 = make_case(m1, a, submitted="03-02", accepted="03-02", deadline="03-09", decided="03-06")
    Visit.objects.create(case=c1, date=day("03-02"), kind="intake")
    add_materials(c1, r1, [S.RECEIVED, S.VERIFIED, S.SATISFIED_BY_LICENCE])
    rate(c1, 5, "03-10")

    c2 = make_case(
        m1,
        a,
        submitted="03-03",
        accepted="03-03",
        deadline="03-10",
        decided="03-13",
        stopped_days=2,
    )
    Visit.objects.create(case=c2, date=day("03-03"), kind="intake")
    Visit.objects.create(case=c2, date=day("03-13"), kind="collect")
    add_materials(c2, r1, [S.RECEIVED, S.RECEIVED, S.RECEIVED])
    rate(c2, 2, "03-16", follow_up_department=a)

    c3 = make_case(m2, b, submitted="03-04", accepted="03-04", deadline="03-04", decided="03-04")
    add_materials(c3, r2, [S.SATISFIED_BY_LICENCE])
    rate(c3, 4, "03-05")

    c4 = make_case(
        m1, a, submitted="03-20", accepted="03-20", deadline="03-27", warning_on=day("03-26")
    )
    Visit.objects.create(case=c4, date=day("03-20"), kind="intake")

    c7 = make_case(
        m1, b, submitted="01-05", accepted="01-05", deadline="03-20", warning_on=day("03-18")
    )
    return {"a": a, "b": b, "x": x, "y": y, "m1": m1, "m2": m2, "c4": c4, "c7": c7}
