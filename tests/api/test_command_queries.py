"""What each API command costs in statements (issue 11, "Speed at province scale").

A realistic case: five materials (one deferrable, one optional), reviewed by two departments
with several approvers each (all with a mobile), an applicant whose e-mail is confirmed.
Every command runs at most ``OWN`` statements of its own (``OWN_CASE`` for a case command,
the case read in one statement for the answer); what its reactions record (notices, papers)
is counted apart and does not grow with the number of approvers: a step's notices are one
INSERT.

Counts include the SAVEPOINT and RELEASE the test's own transaction turns the command's
``transaction.atomic`` into (in production its BEGIN and COMMIT are not statements counted).
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from cases import events, services
from cases.models import Case, MaterialFile, Review
from halls.selectors import city_centre
from matters.calendar import add_working_days
from notices.models import EmailAddress, Notice
from tests.cases.conftest import PDF_BYTES, applicant_of, pdf
from tests.factories import (
    DepartmentFactory,
    MaterialTypeFactory,
    MatterFactory,
    RequirementFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Statements a command may run apart from its reactions.
OWN = 15
# A case command reads its case once, locked, by its number (``CaseLookup``), and its answer in
# one statement (the case with everything it shows); accepting also reads the online 容缺
# commitment, and the clerk's hall (the intake hall, which must be one that may take the matter
# in; read with the API token when the clerk has one); the files uploaded online are taken in
# and the deferred materials deferred in one UPDATE.
OWN_CASE = 14
# What the reactions of a command may add: its notices (one INSERT, and the reads that
# choose their recipients) and the papers it asks for (the documents app's, about seven
# statements each: accepting with a deferral asks for two).
REACTIONS = 20


@pytest.fixture
def approvers_per_department():
    return 3


@pytest.fixture
def world(approvers_per_department):
    housing = DepartmentFactory(code="housing", name="市住房和城乡建设局", short_name="住建")
    tax = DepartmentFactory(code="tax", name="市税务局", short_name="税务")
    matter = MatterFactory(
        name="不动产转移登记",
        lead_department=housing,
        reviewing_departments=[housing, tax],
        with_guide=False,
    )
    for order, (name, options) in enumerate(
        [
            ("居民身份证", {"key": True}),
            ("不动产权证书", {}),
            ("购房合同", {}),
            ("完税凭证", {"deferrable": True}),
            ("户口簿", {"required": False}),
        ]
    ):
        RequirementFactory(
            matter=matter, material=MaterialTypeFactory(name=name), order=order, **options
        )
    clerk = UserFactory(clerk=True, name="王窗口", phone="13900000001")
    clerk.authorised_departments.add(housing)
    citizen = UserFactory(citizen=True, name="李四")
    EmailAddress.objects.create(user=citizen, email="lisi@example.com", confirmed_at=timezone.now())
    approvers = {
        department.code: [
            UserFactory(
                approver=True,
                department=department,
                name=f"审批{n}",
                phone=f"137{index}000{n:04d}",
            )
            for n in range(approvers_per_department)
        ]
        for index, department in enumerate((housing, tax))
    }
    instant = MatterFactory(name="房屋信息查询", lead_department=housing, instant=True)
    return {
        "matter": matter,
        "instant": instant,
        "clerk": clerk,
        "citizen": citizen,
        "approvers": approvers,
    }


@pytest.fixture
def reactions(monkeypatch):
    """The statements each event's reactions ran, in order (while queries are captured)."""
    counted: list[int] = []
    announce = events.announce

    def counting(event):
        start = len(connection.queries)
        announce(event)
        counted.append(len(connection.queries) - start)

    monkeypatch.setattr(events, "announce", counting)
    return counted


@pytest.fixture
def send(client_for, reactions, django_assert_max_num_queries):
    """``send(user, method, path, data)`` → (response, own statements, reaction statements),
    asserting the budgets."""
    clients = {}

    def call(user, method: str, path: str, data=None, *, format="json", status=200):
        client = clients.get(user.pk) or clients.setdefault(user.pk, client_for(user))
        reactions.clear()
        with django_assert_max_num_queries(OWN + REACTIONS) as captured:
            response = getattr(client, method)(path, data, format=format)
        assert response.status_code == status, response.content
        own = len(captured) - sum(reactions)
        listing = "\n".join(query["sql"][:160] for query in captured.captured_queries)
        on_a_case = path.startswith("/api/v1/cases/") and path != "/api/v1/cases/"
        budget = OWN_CASE if on_a_case else OWN
        assert own <= budget, f"{own} statements of its own:\n{listing}"
        return response, own, sum(reactions)

    return call


def url(case: Case, action: str = "") -> str:
    return f"/api/v1/cases/{case.number}/" + (f"{action}/" if action else "")


def new_case(world, *, window: bool = False, courier: bool = False) -> Case:
    citizen, clerk = world["citizen"], world["clerk"]
    delivery = None
    if courier:
        delivery = services.Delivery(
            method="courier",
            receiver="李四",
            phone="13800138000",
            province="浙江省",
            city="杭州市",
            district="西湖区",
            address="文三路100号2幢301室",
        )
    return services.case_create(
        by=clerk if window else citizen,
        matter=world["matter"],
        applicant=applicant_of(citizen),
        delivery=delivery,
    )


def filled(world, *, window: bool = False, skip_deferrable: bool = False, **kwargs) -> Case:
    case = new_case(world, window=window, **kwargs)
    by = world["clerk"] if window else world["citizen"]
    for material in case.materials.all():
        if material.required and not (skip_deferrable and material.deferrable):
            services.material_upload(
                case=case, by=by, requirement_id=material.requirement_id, upload=pdf()
            )
    return case


def submitted(world, **kwargs) -> Case:
    case = filled(world, **kwargs)
    by = world["clerk"] if kwargs.get("window") else world["citizen"]
    return services.case_submit(case=case, by=by)


def in_review(world, **kwargs) -> Case:
    case = submitted(world, **kwargs)
    return services.case_accept(case=case, by=world["clerk"])


def approved(world, **kwargs) -> Case:
    case = in_review(world, **kwargs)
    for review in case.reviews.select_related("department"):
        services.review_decide(
            review=review,
            by=world["approvers"][review.department.code][0],
            decision="approve",
            opinion="同意。",
        )
    return Case.objects.get(pk=case.pk)


def ready(world, **kwargs) -> Case:
    return services.case_issue(case=approved(world, **kwargs), by=world["clerk"])


def requirement_of(case: Case, name: str) -> int:
    return case.materials.get(material_type__name=name).requirement_id


# ---------------------------------------------------------------------------------------------
# Intake


def test_create(world, send):
    citizen = world["citizen"]
    body = {
        "matter": world["matter"].code,
        "applicant": {
            "kind": "person",
            "name": citizen.name,
            "id_number": citizen.id_number,
            "phone": citizen.phone,
        },
    }
    send(citizen, "post", "/api/v1/cases/", body, status=201)


def test_upload(world, send):
    case = new_case(world)
    _response, own, _reacted = send(
        world["citizen"],
        "post",
        url(case, "materials"),
        {
            "requirement": requirement_of(case, "购房合同"),
            "file": SimpleUploadedFile("a.pdf", PDF_BYTES, content_type="application/pdf"),
        },
        format="multipart",
        status=201,
    )
    # The token; the case read once, locked; the material with its files counted (one read);
    # the file, the case's counter, the material; the answer; and the savepoint pair.
    assert own == 9


def test_remove_a_file(world, send):
    case = filled(world)
    stored = MaterialFile.objects.filter(material__case=case).first()
    send(world["citizen"], "delete", f"{url(case, 'materials')}{stored.pk}/")


def test_submit(world, send):
    send(world["citizen"], "post", url(filled(world), "submit"))


def test_withdraw(world, send):
    send(world["citizen"], "post", url(submitted(world), "withdraw"), {"reason": "不办了。"})


@pytest.mark.parametrize("window", [False, True], ids=["online", "at-the-window"])
def test_accept(world, send, window):
    case = submitted(world, window=window)
    _response, _own, reacted = send(world["clerk"], "post", url(case, "accept"), {})
    if window:
        assert case.visits.count() == 1
    # The receipt's snapshot, the locker and the notices take the materials, reviews and
    # approvers the acceptance read and opened: the receipt's INSERT, the notices' INSERT.
    assert reacted == 2


def test_accept_at_the_clerks_own_hall(world, send):
    """The clerk's hall comes with the API token: no read of it."""
    world["clerk"].hall = city_centre()
    world["clerk"].save(update_fields=["hall"])
    _response, own, _reacted = send(world["clerk"], "post", url(submitted(world), "accept"), {})
    assert own == 12


def test_accept_with_a_deferral(world, send):
    case = submitted(world, skip_deferrable=True)
    due = add_working_days(timezone.localdate(), 5)
    services.case_commit_deferral(case=case, by=world["citizen"], due_date=due)
    body = {"deferred": [requirement_of(case, "完税凭证")], "due_date": due.isoformat()}
    _response, own, _reacted = send(world["clerk"], "post", url(case, "accept"), body)
    assert own == OWN_CASE
    # The notice names the deferred material from the event (no read of the materials).
    sms = Notice.objects.get(key__startswith="case-event:", template="case_accepted", channel="sms")
    assert "完税凭证" in sms.text


def test_request_supplement_and_resubmit(world, send):
    case = submitted(world)
    body = {"missing": [requirement_of(case, "购房合同")], "note": "印章不清。"}
    send(world["clerk"], "post", url(case, "request-supplement"), body)
    services.material_upload(
        case=case, by=world["citizen"], requirement_id=body["missing"][0], upload=pdf()
    )
    send(world["citizen"], "post", url(case, "resubmit"))


def test_reject(world, send):
    send(world["clerk"], "post", url(submitted(world), "reject"), {"reason": "不属于本事项。"})


def test_approve_instant(world, send):
    citizen, clerk = world["citizen"], world["clerk"]
    case = services.case_create(by=clerk, matter=world["instant"], applicant=applicant_of(citizen))
    for material in case.materials.all():
        services.material_upload(
            case=case, by=clerk, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=clerk)
    services.case_accept(case=case, by=clerk)
    send(clerk, "post", url(case, "approve-instant"))


# ---------------------------------------------------------------------------------------------
# Reviews


@pytest.mark.parametrize("decision", ["approve", "return", "deny"])
def test_each_review_decision_and_the_last(world, send, decision):
    case = in_review(world)
    reviews = list(case.reviews.select_related("department"))
    body = {"opinion": "意见。"}
    if decision == "return":
        body["missing"] = [requirement_of(case, "购房合同")]
    for review in reviews:  # the first decides a review, the last concludes the case
        approver = world["approvers"][review.department.code][0]
        response, own, _reacted = send(
            approver, "post", f"/api/v1/reviews/{review.pk}/{decision}/", body
        )
        if review != reviews[-1]:
            # The answer is the review as the service left it, with its case: not read again.
            assert own <= (10 if decision == "return" else 9)
        assert response.json()["case"]["number"] == case.number
        assert response.json()["status"] == Review.objects.get(pk=review.pk).status
    case.refresh_from_db()
    assert case.status == {"approve": "approved", "return": "supplement_required"}.get(
        decision, "denied"
    )


# ---------------------------------------------------------------------------------------------
# Handing over


def test_issue_and_collect(world, send):
    case = approved(world)
    send(world["clerk"], "post", url(case, "issue"))
    send(world["clerk"], "post", url(case, "collect"))


def test_ship(world, send):
    case = ready(world, courier=True)
    send(world["clerk"], "post", url(case, "ship"), {"waybill": "SF1234567890"})


def test_rating(world, send):
    case = ready(world)
    services.case_collect(case=case, by=world["clerk"])
    send(world["citizen"], "post", url(case, "rating"), {"score": 5, "comment": "很好。"})


# ---------------------------------------------------------------------------------------------
# Reactions do not grow with the approvers


def _accept_and_conclude(world, send) -> tuple[int, int, int]:
    """Statements of the reactions of accept, and of each review decision in all."""
    case = submitted(world)
    _response, _own, accept = send(world["clerk"], "post", url(case, "accept"), {})
    statements = []
    for review in case.reviews.select_related("department"):
        approver = world["approvers"][review.department.code][0]
        path = f"/api/v1/reviews/{review.pk}/approve/"
        _response, own, reacted = send(approver, "post", path, {"opinion": "同意。"})
        statements.append(own + reacted)
    return accept, *statements


@pytest.mark.parametrize("approvers_per_department", [1])
def test_the_reviewers_notices_cost_the_same_whatever_their_number(world, send):
    with_one = _accept_and_conclude(world, send)
    for index, approvers in enumerate(world["approvers"].values()):
        approvers += [
            UserFactory(
                approver=True, department=approvers[0].department, phone=f"136{index}000{n:04d}"
            )
            for n in range(4)
        ]
    with_five = _accept_and_conclude(world, send)

    assert with_five == with_one
    # Every approver heard of both cases, by inbox and SMS (one row each).
    assert Notice.objects.filter(template="review_assigned").count() == 2 * 2 * (1 + 5)
