"""Builders for cases: real services all the way, so every state is reached as in life."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from cases import services
from cases.models import Case, Channel
from matters.calendar import add_working_days
from tests.factories import (
    DepartmentFactory,
    MaterialTypeFactory,
    MatterFactory,
    ProcessStepFactory,
    RequirementFactory,
    UserFactory,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7V\xbd\xfa"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), "white").save(buffer, "JPEG")
    return buffer.getvalue()


# A real (decodable) JPEG: uploads read an image's header for its size in pixels.
JPEG_BYTES = _jpeg()


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def housing(db):
    return DepartmentFactory(code="housing", name="市住房和城乡建设局", short_name="住建")


@pytest.fixture
def tax(db):
    return DepartmentFactory(code="tax", name="市税务局", short_name="税务")


@pytest.fixture
def matter(housing, tax):
    """A promised matter reviewed by housing and tax in parallel: one key material (ID card),
    one required auxiliary material that may be deferred, one conditional material."""
    matter = MatterFactory(
        name="不动产转移登记",
        lead_department=housing,
        reviewing_departments=[housing, tax],
        committed_days=5,
        legal_days=20,
        legal_extension_days=10,
        deferral_scope="完税凭证可容缺受理，5个工作日内补齐。",
        with_guide=False,
    )
    ProcessStepFactory(matter=matter, order=1)
    RequirementFactory(
        matter=matter, material=MaterialTypeFactory(name="居民身份证"), key=True, order=1
    )
    RequirementFactory(
        matter=matter, material=MaterialTypeFactory(name="完税凭证"), deferrable=True, order=2
    )
    RequirementFactory(
        matter=matter,
        material=MaterialTypeFactory(code="power-of-attorney", name="授权委托书"),
        required=False,
        condition="委托代理人办理的",
        order=3,
    )
    return matter


@pytest.fixture
def instant_matter(housing):
    matter = MatterFactory(name="房屋信息查询", lead_department=housing, instant=True)
    return matter


@pytest.fixture
def clerk(db, housing):
    clerk = UserFactory(clerk=True, name="王窗口")
    clerk.authorised_departments.add(housing)
    return clerk


@pytest.fixture
def housing_approver(housing):
    return UserFactory(approver=True, department=housing, name="住建审批")


@pytest.fixture
def tax_approver(tax):
    return UserFactory(approver=True, department=tax, name="税务审批")


def requirement(case: Case, name: str) -> int:
    return case.materials.get(material_type__name=name).requirement_id


def applicant_of(user) -> services.Applicant:
    return services.Applicant(
        kind="person", name=user.name, phone=user.phone, id_number=user.id_number
    )


# Every status ``drive_case`` reaches, in the order of the case's life.
CASE_STATUSES = (
    "draft",
    "withdrawn",
    "submitted",
    "rejected",
    "supplement_required",
    "in_review",
    "approved",
    "denied",
    "ready",
    "in_transit",
    "closed",
)


def drive_case(
    status: str = "draft",
    *,
    owner,
    clerk,
    matter,
    approvers: dict | None = None,
    delivery: services.Delivery | None = None,
    deferred: bool = False,
    waybill: str = "SF1234567890",
    opinion: str | None = None,
) -> Case:
    """The one case builder: a fresh case of ``matter`` driven to ``status`` by the real
    services, so that every state is reached as in life.

    Traits: ``delivery`` (e.g. by courier), ``deferred`` (accepted with the deferrable
    materials deferred, 容缺受理), ``approvers`` (department code → the approver who decides;
    a department without one gets a new approver), ``opinion`` (of every decision),
    ``waybill`` (given when shipped).
    """
    if status not in CASE_STATUSES:
        raise ValueError(status)
    case = services.case_create(
        by=owner, matter=matter, applicant=applicant_of(owner), delivery=delivery
    )
    if status == "draft":
        return case
    if status == "withdrawn":
        services.case_withdraw(case=case, by=owner)
        return Case.objects.get(pk=case.pk)
    for material in case.materials.all():
        if material.required and not (deferred and material.deferrable):
            services.material_upload(
                case=case, by=owner, requirement_id=material.requirement_id, upload=pdf()
            )
    services.case_submit(case=case, by=owner)
    if status == "submitted":
        return Case.objects.get(pk=case.pk)
    if status == "rejected":
        services.case_reject(case=case, by=clerk, reason="不属于本事项受理范围。")
        return Case.objects.get(pk=case.pk)
    if status == "supplement_required":
        services.case_request_supplement(
            case=case, by=clerk, missing=[requirement(case, "完税凭证")], note="印章不清。"
        )
        return Case.objects.get(pk=case.pk)
    if deferred:
        due = add_working_days(timezone.localdate(), 5)
        if case.channel == Channel.ONLINE:
            # As in life: the online applicant commits first (容缺承诺), then the window defers.
            services.case_commit_deferral(case=case, by=owner, due_date=due)
        services.case_accept(
            case=case,
            by=clerk,
            deferred=[m.requirement_id for m in case.materials.filter(deferrable=True)],
            due_date=due,
        )
    else:
        services.case_accept(case=case, by=clerk)
    if status == "in_review":
        return Case.objects.get(pk=case.pk)
    decision = "deny" if status == "denied" else "approve"
    opinion = opinion or ("同意。" if decision == "approve" else "意见。")
    for review in Case.objects.get(pk=case.pk).reviews.select_related("department"):
        approver = (approvers or {}).get(review.department.code) or UserFactory(
            approver=True, department=review.department
        )
        services.review_decide(review=review, by=approver, decision=decision, opinion=opinion)
    if status in ("approved", "denied"):
        return Case.objects.get(pk=case.pk)
    services.case_issue(case=Case.objects.get(pk=case.pk), by=clerk)
    if status == "ready":
        return Case.objects.get(pk=case.pk)
    if status == "in_transit":
        services.case_ship(case=Case.objects.get(pk=case.pk), by=clerk, waybill=waybill)
        return Case.objects.get(pk=case.pk)
    services.case_collect(case=Case.objects.get(pk=case.pk), by=clerk)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def make_case(citizen, clerk, matter):
    """``make_case("in_review")`` drives a fresh case of ``matter`` to that status."""

    def build(status: str = "draft", *, for_matter=None, deferred: bool = False) -> Case:
        return drive_case(
            status, owner=citizen, clerk=clerk, matter=for_matter or matter, deferred=deferred
        )

    return build


__all__ = ["JPEG_BYTES", "PDF_BYTES", "PNG_BYTES", "Channel", "pdf", "requirement"]
