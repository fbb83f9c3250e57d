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


@pytest.fixture
def make_case(citizen, clerk, matter):
    """``make_case("in_review")`` drives a fresh case of ``matter`` to that status."""

    def build(status: str = "draft", *, for_matter=None, deferred: bool = False) -> Case:
        case = services.case_create(
            by=citizen, matter=for_matter or matter, applicant=applicant_of(citizen)
        )
        if status == "draft":
            return case
        for material in case.materials.all():
            if material.required and not (deferred and material.deferrable):
                services.material_upload(
                    case=case, by=citizen, requirement_id=material.requirement_id, upload=pdf()
                )
        services.case_submit(case=case, by=citizen)
        if status == "submitted":
            return case
        if deferred:
            deferrable = [m.requirement_id for m in case.materials.filter(deferrable=True)]
            services.case_accept(
                case=case,
                by=clerk,
                deferred=deferrable,
                due_date=add_working_days(timezone.localdate(), 5),
            )
        else:
            services.case_accept(case=case, by=clerk)
        case.refresh_from_db()
        if status == "in_review":
            return case
        for review in case.reviews.all():
            approver = UserFactory(approver=True, department=review.department)
            services.review_decide(review=review, by=approver, decision="approve", opinion="同意。")
        if status == "approved":
            return Case.objects.get(pk=case.pk)
        raise ValueError(status)

    return build


__all__ = ["JPEG_BYTES", "PDF_BYTES", "PNG_BYTES", "Channel", "pdf", "requirement"]
