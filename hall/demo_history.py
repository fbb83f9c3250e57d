"""A year of a hall's history for the demo (``manage.py seed_demo --history``).

Cases, trips (visits), materials, events, ratings with their follow-ups, and queue tickets of
the working days before today, written in bulk (not through the services: a year through the
state machine would take minutes) and shaped like a real hall's: the busy matters busier,
Mondays busier than Fridays, most cases decided in time, some late, some returning for a second
trip, the staff at their windows. Seeded random: the same seed and days give the same hall.
Days that already have cases are left as they are, so a second run adds nothing. The
supervision summary is rebuilt at the end.
"""

import contextlib
import datetime
import random
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.models import User
from cases.events import CaseAction
from cases.models import (
    Case,
    CaseEvent,
    CaseMaterial,
    CaseSequence,
    CaseStatus,
    Channel,
    FollowUp,
    FollowUpOutcome,
    MaterialStatus,
    Rating,
    Review,
    ReviewStatus,
    Visit,
    VisitKind,
)
from halls.selectors import city_centre
from matters.calendar import add_working_days, working_days_in
from matters.checklist import options_of, plain_answers, questions_of
from matters.models import DeliveryMethod, HandlingType, Matter
from windows.models import Ticket, TicketEvent, TicketSequence, TicketStatus, Window

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华红玉兰飞鹏辉建国志刚晓燕"
# Cases per working day, before the weekday's factor (Monday busiest).
PER_DAY = 14
WEEKDAY_FACTOR = (1.35, 1.1, 1.0, 0.95, 0.8, 0.3, 0.3)
MATERIAL_STATUSES = (
    MaterialStatus.VERIFIED,
    MaterialStatus.RECEIVED,
    MaterialStatus.SATISFIED_BY_LICENCE,
)
COMPLAINTS = ("等候时间长", "告知不清楚", "办理慢")


@dataclass
class HistoryResult:
    days: int = 0
    cases: int = 0
    visits: int = 0
    ratings: int = 0
    tickets: int = 0
    events: int = 0


@contextlib.contextmanager
def _keeping_timestamps(*models):
    """Let ``bulk_create`` write the historical times given (``auto_now_add`` would stamp now)."""
    fields = [
        field
        for model in models
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now_add", False)
    ]
    try:
        for field in fields:
            field.auto_now_add = False
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def _at(day: datetime.date, minutes: int) -> datetime.datetime:
    """``day`` at ``minutes`` after 08:30 in the hall's time zone."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time(8, 30), tzinfo=tz)
    return start + datetime.timedelta(minutes=minutes)


def _id_number(rng: random.Random) -> str:
    from hall.management.commands.seed_demo import resident_id_number

    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 52))
    return resident_id_number(f"330402{born:%Y%m%d}{rng.randrange(100, 999)}")


class _Hall:
    """What the generator draws from: matters weighted by use, windows and their clerks."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.matters = list(
            Matter.published.select_related("board", "lead_department")
            .prefetch_related(
                "requirements__material", "reviewing_departments", "questions__options"
            )
            .order_by("code")
        )
        if not self.matters:
            raise ValueError("no published matters: run seed_demo first")
        # 情形引导: an online case of a matter that asks questions was filed with answers
        # (the first answer that does not rule out, so that the materials stay those listed).
        self.answers = {matter.pk: _answers(matter) for matter in self.matters}
        # Popular matters far more often than the rest (a long tail, as halls see).
        self.weights = [1 + (len(self.matters) - i) % 7 * 3 for i in range(len(self.matters))]
        # The history is the city centre's: its windows, its tickets.
        self.centre = city_centre()
        self.windows = list(
            Window.objects.filter(hall=self.centre).prefetch_related("boards").order_by("number")
        )
        clerks = list(User.objects.filter(groups__name=roles.CLERK).order_by("username"))
        self.clerks = clerks
        # Each window has its clerk; a window without one is staffed by a demo clerk in turn.
        self.staff = {
            window.pk: window.clerk or (clerks[i % len(clerks)] if clerks else None)
            for i, window in enumerate(self.windows)
        }
        self.approvers = defaultdict(list)
        for user in User.objects.filter(groups__name=roles.APPROVER).order_by("username"):
            self.approvers[user.department_id].append(user)

    def window_for(self, matter: Matter) -> Window | None:
        serving = [w for w in self.windows if matter.board in w.boards.all()]
        generalist = [w for w in self.windows if w.generalist]
        choices = serving + generalist or self.windows
        return self.rng.choice(choices) if choices else None

    def matter(self) -> Matter:
        return self.rng.choices(self.matters, weights=self.weights)[0]


def _answers(matter: Matter) -> list[dict]:
    """The answers a case keeps (``Case.answers``) for ``plain_answers``."""
    chosen = plain_answers(matter)
    return [
        {
            "code": question.code,
            "question": question.text,
            "value": option.value,
            "answer": option.label,
        }
        for question in questions_of(matter)
        for option in options_of(question)
        if chosen.get(question.code) == option.value
    ]


def seed_history(*, days: int = 365, seed: int = 12, per_day: int = PER_DAY) -> HistoryResult:
    """Write ``days`` calendar days of history ending yesterday; return what was written."""
    from hall.supervision.summary import supervision_summary_backfill

    rng = random.Random(seed)
    today = timezone.localdate()
    first = today - datetime.timedelta(days=days)
    last = today - datetime.timedelta(days=1)
    result = HistoryResult()
    if last < first:
        return result
    hall = _Hall(rng)
    filled = set(
        CaseSequence.objects.filter(day__range=(first, last)).values_list("day", flat=True)
    )
    with (
        transaction.atomic(),
        _keeping_timestamps(Case, CaseEvent, Rating, Review, Ticket, TicketEvent),
    ):
        for day in working_days_in(first, last):
            # The random draws of a day depend on the seed and the day only.
            day_rng = random.Random(f"{seed}-{day.isoformat()}")
            if day in filled:
                continue
            hall.rng = day_rng
            _seed_day(hall, day, today, per_day, result)
            result.days += 1
    supervision_summary_backfill(start=first, end=last)
    return result


def _seed_day(hall: _Hall, day: datetime.date, today, per_day: int, result: HistoryResult):
    rng = hall.rng
    count = max(1, round(per_day * WEEKDAY_FACTOR[day.weekday()] * rng.uniform(0.7, 1.3)))
    cases, plans = [], []
    for sequence in range(1, count + 1):
        matter = hall.matter()
        case, plan = _case(hall, matter, day, today, sequence)
        cases.append(case)
        plans.append(plan)
    Case.objects.bulk_create(cases)
    CaseSequence.objects.update_or_create(day=day, defaults={"last": count})
    visits, materials, events, ratings, reviews = [], [], [], [], []
    tickets, ticket_events = [], []
    ticket_sequence: dict[int, int] = defaultdict(int)
    for case, plan in zip(cases, plans, strict=True):
        for trip_day, kind, window in plan["trips"]:
            clerk = hall.staff.get(window.pk) if window else None
            visits.append(Visit(case=case, date=trip_day, kind=kind, clerk=clerk))
            if window is not None and trip_day == day:
                board = case.matter.board
                ticket_sequence[board.pk] += 1
                n = ticket_sequence[board.pk]
                taken = _at(day, rng.randrange(0, 420))
                called = taken + datetime.timedelta(minutes=rng.choice((2, 4, 6, 9, 12, 18, 25)))
                ticket = Ticket(
                    hall=hall.centre,
                    board=board,
                    date=day,
                    sequence=n,
                    number=f"{board.letter or 'A'}{n:03d}",
                    status=TicketStatus.DONE,
                    window=window,
                    case=case,
                    created_at=taken,
                    called_at=called,
                    served_at=called + datetime.timedelta(minutes=1),
                    done_at=called + datetime.timedelta(minutes=rng.randrange(5, 25)),
                )
                tickets.append(ticket)
                ticket_events.append((ticket, clerk, window, called))
        for position, requirement in enumerate(plan["requirements"]):
            status = rng.choices(MATERIAL_STATUSES, weights=(5, 2, 3))[0]
            materials.append(
                CaseMaterial(
                    case=case,
                    requirement=requirement,
                    material_type=requirement.material,
                    order=position,
                    key=requirement.key,
                    required=requirement.required,
                    copies=1,
                    status=status,
                    received_copies=0 if status == MaterialStatus.SATISFIED_BY_LICENCE else 1,
                )
            )
        for action, at, actor, role in plan["events"]:
            events.append(CaseEvent(case=case, action=action, actor=actor, actor_role=role, at=at))
        for department, decided_at, approver in plan["reviews"]:
            reviews.append(
                Review(
                    case=case,
                    department=department,
                    status=ReviewStatus.APPROVED,
                    decided_by=approver,
                    decided_at=decided_at,
                    created_at=case.submitted_at,
                )
            )
        if plan["rating"]:
            score, at = plan["rating"]
            ratings.append(
                Rating(
                    case=case,
                    score=score,
                    channel=case.channel,
                    created_at=at,
                    comment="" if score >= 4 else rng.choice(COMPLAINTS),
                )
            )
    # A second trip of an older case (collecting the result) is a visit of its own day.
    Visit.objects.bulk_create(visits, ignore_conflicts=True)
    CaseMaterial.objects.bulk_create(materials)
    CaseEvent.objects.bulk_create(events)
    Review.objects.bulk_create(reviews)
    Rating.objects.bulk_create(ratings)
    follow_ups = [
        FollowUp(
            rating=rating,
            department=rating.case.lead_department,
            due_date=add_working_days(timezone.localdate(rating.created_at), 5),
            **(
                {
                    "outcome": FollowUpOutcome.RECTIFIED,
                    "callback_note": "已回访，申请人认可整改。",
                    "closed_at": rating.created_at + datetime.timedelta(days=3),
                }
                if rating.created_at.date() < today - datetime.timedelta(days=10)
                else {}
            ),
        )
        for rating in ratings
        if rating.score <= 2
    ]
    FollowUp.objects.bulk_create(follow_ups)
    Ticket.objects.bulk_create(tickets)
    TicketEvent.objects.bulk_create(
        TicketEvent(
            ticket=ticket,
            action="call",
            from_status=TicketStatus.WAITING,
            to_status=TicketStatus.CALLED,
            actor=clerk,
            window=window,
            at=called,
        )
        for ticket, clerk, window, called in ticket_events
    )
    for board_id, last in ticket_sequence.items():
        TicketSequence.objects.update_or_create(
            hall=hall.centre, board_id=board_id, date=day, defaults={"last": last}
        )
    for case in cases:  # the counters the lists show, as the services keep them
        case.trip_count = len({v.date for v in visits if v.case_id == case.pk})
    Case.objects.bulk_update(cases, ["trip_count"])
    result.cases += len(cases)
    result.visits += len(visits)
    result.ratings += len(ratings)
    result.tickets += len(tickets)
    result.events += len(events)


def _case(hall: _Hall, matter: Matter, day: datetime.date, today, sequence: int):
    """An unsaved case submitted on ``day`` and what happened to it."""
    rng = hall.rng
    instant = matter.handling_type == HandlingType.INSTANT
    # 跑零次 matters are mostly applied for online; the others about half.
    online = matter.online_level >= 3 and rng.random() < (0.85 if matter.max_trips == 0 else 0.55)
    courier = DeliveryMethod.COURIER in (matter.delivery_methods or []) and (
        online or rng.random() < 0.3
    )
    submitted = _at(day, rng.randrange(0, 480))
    accepted_on = day if not online else add_working_days(day, rng.choice((0, 1, 1, 2)))
    if instant and not online:
        accepted_on = day
    deadline = add_working_days(accepted_on, matter.committed_days) if not instant else accepted_on
    warning_on = add_working_days(accepted_on, max(matter.committed_days - 2, 0))
    # Most cases within the promised days, one in twelve late.
    if instant:
        took = 0
    elif rng.random() < 1 / 12:
        took = matter.committed_days + rng.randrange(1, 4)
    else:
        took = rng.randrange(max(1, matter.committed_days // 3), matter.committed_days + 1)
    decided_on = add_working_days(accepted_on, took) if took else accepted_on
    decided = decided_on < today
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    case = Case(
        number=f"{day:%Y%m%d}-{sequence:05d}",
        matter=matter,
        matter_version=matter.version,
        lead_department=matter.lead_department,
        channel=Channel.ONLINE if online else Channel.WINDOW,
        applicant_kind="person",
        applicant_name=name,
        applicant_id_number=_id_number(rng),
        applicant_phone=f"138{rng.randrange(10_000_000, 99_999_999)}",
        delivery_method=DeliveryMethod.COURIER if courier else DeliveryMethod.PICKUP,
        committed_days=matter.committed_days,
        legal_days=matter.legal_days,
        submitted_at=submitted,
        accepted_on=accepted_on if accepted_on < today else None,
        deadline=deadline,
        warning_on=warning_on,
        status=CaseStatus.CLOSED if decided else CaseStatus.IN_REVIEW,
        decided_at=_at(decided_on, rng.randrange(60, 480)) if decided else None,
        closed_at=_at(decided_on, 500) if decided else None,
        created_at=submitted,
        answers=hall.answers[matter.pk] if online else [],
    )
    if not case.accepted_on:
        case.status = CaseStatus.SUBMITTED
    # Trips: a window application is one; collecting a result at the window another unless it
    # is collected in the same visit (instant) or sent by courier; one case in fifteen came
    # back for a missing paper (a miss of the promise), exception-list matters as published.
    window = None if online else hall.window_for(matter)
    trips = []
    if window is not None:
        trips.append((day, VisitKind.INTAKE, window))
    if decided and not courier and not instant:
        collect_day = add_working_days(decided_on, rng.choice((0, 1, 2)))
        comes = online or matter.max_trips >= 2 or rng.random() < 0.15
        if collect_day < today and collect_day != day and comes:
            trips.append((collect_day, VisitKind.COLLECT, hall.window_for(matter)))
    if window is not None and not instant and rng.random() < 1 / 15:
        again = add_working_days(day, 2)
        if again < today and all(t[0] != again for t in trips):
            trips.append((again, VisitKind.SUPPLEMENT, window))
    clerk = hall.staff.get(window.pk) if window else None
    events = [(CaseAction.SUBMIT, submitted, None, "citizen")]
    reviews = []
    if case.accepted_on:
        accepted_at = max(
            _at(case.accepted_on, rng.randrange(0, 400)), submitted + datetime.timedelta(minutes=8)
        )
        events.append((CaseAction.ACCEPT, accepted_at, clerk, "clerk"))
        if not instant and decided:
            for department in matter.reviewing_departments.all():
                approvers = hall.approvers.get(department.pk) or [None]
                approver = rng.choice(approvers)
                at = case.decided_at - datetime.timedelta(minutes=rng.randrange(5, 120))
                events.append((CaseAction.REVIEW_APPROVE, at, approver, "approver"))
                reviews.append((department, at, approver))
        if decided:
            events.append((CaseAction.CONCLUDE, case.decided_at, clerk, "clerk"))
    rating = None
    if decided and rng.random() < 0.6:
        score = rng.choices((5, 4, 3, 2, 1), weights=(70, 18, 6, 4, 2))[0]
        rated = case.closed_at + datetime.timedelta(hours=rng.randrange(1, 30))
        rating = (score, min(rated, timezone.now() - datetime.timedelta(minutes=5)))
    requirements = [r for r in matter.requirements.all() if r.required][:5]
    return case, {
        "trips": trips,
        "events": events,
        "reviews": reviews,
        "rating": rating,
        "requirements": requirements,
    }
