"""Publishing checks: a guide goes public only when a citizen can act on it."""

import pytest

from matters.exceptions import GuideError
from matters.models import CatalogStatus, HandlingType
from matters.services import bundle_publish, matter_publish, matter_retire, matter_revise
from tests.factories import (
    BundleFactory,
    DepartmentFactory,
    MaterialTypeFactory,
    MatterFactory,
    RequirementFactory,
)

pytestmark = pytest.mark.django_db


def publish_problems(matter) -> list[str]:
    with pytest.raises(GuideError) as excinfo:
        matter_publish(matter=matter, by=None)
    matter.refresh_from_db()
    assert matter.status == CatalogStatus.DRAFT
    return excinfo.value.problems


def test_complete_guide_is_published_with_an_effective_date():
    matter = MatterFactory(draft=True)
    matter_publish(matter=matter, by=None)
    matter.refresh_from_db()
    assert matter.status == CatalogStatus.PUBLISHED
    assert matter.effective_date is not None
    assert matter.version == 1


def test_committed_limit_above_legal_is_refused():
    matter = MatterFactory(draft=True, legal_days=10, committed_days=12)
    assert any("承诺时限" in problem for problem in publish_problems(matter))


@pytest.mark.parametrize("vague", ["其他材料", "房屋买卖合同等相关材料"])
def test_vague_material_is_refused_with_a_clear_message(vague):
    matter = MatterFactory(draft=True)
    RequirementFactory(matter=matter, material=MaterialTypeFactory(name=vague))
    problems = publish_problems(matter)
    assert any("兜底表述" in problem and vague in problem for problem in problems)


def test_vague_step_is_refused():
    matter = MatterFactory(draft=True)
    step = matter.steps.get()
    step.description = "提交其他相关资料后审核。"
    step.save()
    assert any("办理环节" in problem for problem in publish_problems(matter))


def test_instant_matter_with_a_back_office_review_is_refused():
    department = DepartmentFactory()
    matter = MatterFactory(draft=True, instant=True, reviewing_departments=[department])
    assert any("即办件" in problem for problem in publish_problems(matter))


def test_promised_matter_without_a_reviewing_department_is_refused():
    matter = MatterFactory(draft=True, reviewing_departments=[])
    assert matter.handling_type == HandlingType.PROMISED
    assert any("审核部门" in problem for problem in publish_problems(matter))


def test_deferrable_material_needs_the_guides_deferral_scope():
    matter = MatterFactory(draft=True, deferral_scope="")
    RequirementFactory(matter=matter, deferrable=True)
    assert any("容缺受理范围" in problem for problem in publish_problems(matter))
    matter.deferral_scope = "辅件可容缺，5个工作日内补齐。"
    matter.save()
    matter_publish(matter=matter, by=None)


def test_conditional_material_needs_its_condition_and_zero_trip_needs_courier():
    matter = MatterFactory(draft=True, max_trips=0, delivery_methods=["pickup"])
    RequirementFactory(matter=matter, required=False, condition="")
    problems = publish_problems(matter)
    assert any("提交条件" in problem for problem in problems)
    assert any("跑零次" in problem for problem in problems)


def test_every_problem_is_reported_at_once():
    matter = MatterFactory(draft=True, legal_days=3, committed_days=5, conditions="其他材料齐全")
    RequirementFactory(matter=matter, material=MaterialTypeFactory(name="其他材料"))
    assert len(publish_problems(matter)) >= 3


def test_republishing_bumps_the_version_only_after_a_change_and_retire_withdraws():
    matter = MatterFactory()
    matter_publish(matter=matter, by=None)
    matter.refresh_from_db()
    assert matter.version == 1
    matter.committed_days -= 1
    matter.save()
    matter_publish(matter=matter, by=None)
    matter.refresh_from_db()
    assert matter.version == 2
    matter_retire(matter=matter, by=None)
    matter.refresh_from_db()
    assert matter.status == CatalogStatus.RETIRED


def test_an_edit_that_breaks_a_published_guide_sends_it_back_to_draft():
    matter = MatterFactory()
    matter.committed_days = matter.legal_days + 1
    matter.save()
    problems = matter_revise(matter=matter, by=None)
    matter.refresh_from_db()
    assert problems
    assert matter.status == CatalogStatus.DRAFT


def test_bundle_needs_published_matters():
    draft = MatterFactory(draft=True)
    bundle = BundleFactory(status=CatalogStatus.DRAFT, matters=[MatterFactory(), draft])
    with pytest.raises(GuideError) as excinfo:
        bundle_publish(bundle=bundle, by=None)
    assert draft.name in excinfo.value.detail
    matter_publish(matter=draft, by=None)
    assert bundle_publish(bundle=bundle, by=None).status == CatalogStatus.PUBLISHED


def test_database_refuses_a_deferrable_key_material():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        RequirementFactory(key=True, deferrable=True)


def test_a_quoted_document_title_is_not_vague_wording():
    from matters.guide import vague_phrase

    assert vague_phrase("《关于不动产登记收费标准等有关问题的通知》：每件80元。") is None
    assert vague_phrase("按规定收取等有关费用") == "等有关"
