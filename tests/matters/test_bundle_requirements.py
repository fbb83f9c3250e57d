"""A bundle asks each material type once."""

import pytest

from matters.selectors import bundle_queryset, bundle_requirements
from tests.factories import BundleFactory, MaterialTypeFactory, MatterFactory, RequirementFactory

pytestmark = pytest.mark.django_db


def test_shared_material_is_asked_once_with_the_strictest_terms():
    id_card = MaterialTypeFactory(name="居民身份证")
    contract = MaterialTypeFactory(name="房屋买卖合同")
    transfer = MatterFactory(with_guide=False, deferral_scope="户口簿可容缺。")
    water = MatterFactory(with_guide=False, deferral_scope="户口簿可容缺。")
    RequirementFactory(matter=transfer, material=id_card, key=True, copies=1)
    RequirementFactory(matter=transfer, material=contract, key=False, copies=2, deferrable=True)
    RequirementFactory(matter=water, material=id_card, key=False, copies=2)
    RequirementFactory(matter=water, material=contract, key=False, copies=1, deferrable=False)
    bundle = BundleFactory(matters=[transfer, water])

    merged = {item.material.name: item for item in bundle_requirements(bundle)}

    assert set(merged) == {"居民身份证", "房屋买卖合同"}
    assert merged["居民身份证"].key is True
    assert merged["居民身份证"].copies == 2
    assert len(merged["居民身份证"].matters) == 2
    # Deferrable only where every matter allows it.
    assert merged["房屋买卖合同"].deferrable is False


def test_merged_checklist_reads_in_constant_queries(django_assert_max_num_queries):
    for size in (2, 6):
        bundle = BundleFactory(matters=[MatterFactory() for _ in range(size)])
        with django_assert_max_num_queries(8):
            loaded = bundle_queryset().get(pk=bundle.pk)
            assert len(bundle_requirements(loaded)) == size


def test_merged_form_asks_for_both_when_matters_disagree():
    from matters.models import MaterialForm

    contract = MaterialTypeFactory(name="购房合同")
    first, second = MatterFactory(with_guide=False), MatterFactory(with_guide=False)
    RequirementFactory(matter=first, material=contract, form=MaterialForm.ORIGINAL)
    RequirementFactory(matter=second, material=contract, form=MaterialForm.COPY)
    (merged,) = bundle_requirements(BundleFactory(matters=[first, second]))
    assert merged.form == MaterialForm.ORIGINAL_AND_COPY


def test_a_retired_matter_drops_out_of_its_bundle():
    from matters.services import matter_retire

    kept, retired = MatterFactory(), MatterFactory()
    bundle = BundleFactory(matters=[kept, retired])
    matter_retire(matter=retired, by=None)
    loaded = bundle_queryset().get(pk=bundle.pk)
    assert [item.matter for item in loaded.items.all()] == [kept]
