from matters.guide import guide_problems
from tests.factories import BundleFactory, MatterFactory


def test_factory_matter_passes_publishing_checks(db):
    matter = MatterFactory()
    assert guide_problems(matter) == []
    bundle = BundleFactory(matters=[matter, MatterFactory()])
    assert bundle.matters.count() == 2
