"""factory_boy factories for accounts and the catalog."""

import factory
from django.contrib.auth.models import Group

from accounts.models import Department, IdentityKind, User
from halls.models import Hall, HallLevel
from halls.selectors import DEFAULT_HOURS, city_centre
from matters.models import (
    Board,
    Bundle,
    BundleItem,
    CatalogStatus,
    HandlingType,
    LicenceType,
    MaterialType,
    Matter,
    MatterKind,
    ProcessStep,
    Requirement,
)

from .identities import make_credit_code, make_id_number, make_mobile

PASSWORD = "Demo#2026"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"测试局{n}")
    short_name = factory.Sequence(lambda n: f"测{n}")
    phone = "0571-87000000"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    name = "张三"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)
    # Set by the traits below; taken off before the model is built.
    initial_roles = ()

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        initial_roles = kwargs.pop("initial_roles", ())
        user = super()._create(model_class, *args, **kwargs)
        user._initial_roles = initial_roles
        return user

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or getattr(self, "_initial_roles", ()):
            self.groups.add(Group.objects.get_or_create(name=role)[0])
        if create:
            self.save()

    class Params:
        citizen = factory.Trait(
            identity_kind=IdentityKind.PERSON,
            id_number=factory.LazyFunction(make_id_number),
            phone=factory.LazyFunction(make_mobile),
            initial_roles=("citizen",),
        )
        company = factory.Trait(
            identity_kind=IdentityKind.COMPANY,
            name="杭州示例科技有限公司",
            credit_code=factory.LazyFunction(make_credit_code),
            phone=factory.LazyFunction(make_mobile),
            initial_roles=("citizen",),
        )
        clerk = factory.Trait(
            department=factory.SubFactory(DepartmentFactory),
            is_staff=True,
            initial_roles=("clerk",),
        )
        approver = factory.Trait(
            department=factory.SubFactory(DepartmentFactory),
            is_staff=True,
            initial_roles=("approver",),
        )
        supervisor = factory.Trait(is_staff=True, initial_roles=("supervisor",))
        helper = factory.Trait(
            department=factory.SubFactory(DepartmentFactory),
            is_staff=True,
            phone=factory.LazyFunction(make_mobile),
            initial_roles=("helper",),
        )


class HallFactory(factory.django.DjangoModelFactory):
    """A town centre under the city centre unless told otherwise."""

    class Meta:
        model = Hall
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"hall{n}")
    name = factory.Sequence(lambda n: f"测试便民服务中心{n}")
    level = HallLevel.TOWN
    parent = factory.LazyFunction(city_centre)
    address = "测试路 1 号"
    phone = "0571-88888888"
    hours = factory.LazyFunction(lambda: list(DEFAULT_HOURS))


class LicenceTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LicenceType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"licence{n}")
    name = factory.Sequence(lambda n: f"测试证照{n}")


class BoardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Board
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"board{n}")
    name = factory.Sequence(lambda n: f"测试板块{n}")
    letter = factory.Sequence(lambda n: "ABCDEFGHJKLMNPQRSTUVWXYZ"[n % 24])
    order = factory.Sequence(lambda n: n)


class MaterialTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MaterialType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"material{n}")
    name = factory.Sequence(lambda n: f"测试材料{n}")


class MatterFactory(factory.django.DjangoModelFactory):
    """A matter whose guide passes the publishing checks (published unless ``status`` says)."""

    class Meta:
        model = Matter
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"m{n:05d}")
    name = factory.Sequence(lambda n: f"测试事项{n}")
    kind = MatterKind.LICENSING
    board = factory.SubFactory(BoardFactory)
    lead_department = factory.SubFactory(DepartmentFactory)
    handling_type = HandlingType.PROMISED
    legal_days = 20
    committed_days = 5
    legal_extension_days = 10
    max_trips = 1
    online_level = 4
    conditions = "申请人为本市户籍居民。"
    legal_basis = "《中华人民共和国行政许可法》第二十九条。"
    delivery_methods = ["pickup", "courier"]
    places = ["市民中心"]
    consultation_phone = "0571-12345"
    result_name = "准予许可决定书"
    status = CatalogStatus.PUBLISHED

    @factory.post_generation
    def reviewing_departments(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is not None:
            self.reviewing_departments.set(extracted)
        elif self.handling_type == HandlingType.PROMISED:
            self.reviewing_departments.set([self.lead_department])

    @factory.post_generation
    def with_guide(self, create, extracted, **kwargs):
        """One process step and one key requirement, unless ``with_guide=False``."""
        if not create or extracted is False:
            return
        ProcessStep.objects.create(matter=self, order=1, name="受理", description="窗口受理。")
        Requirement.objects.create(
            matter=self, material=MaterialTypeFactory(), key=True, required=True
        )

    class Params:
        instant = factory.Trait(handling_type=HandlingType.INSTANT, committed_days=0)
        draft = factory.Trait(status=CatalogStatus.DRAFT)


class ProcessStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProcessStep

    matter = factory.SubFactory(MatterFactory)
    order = factory.Sequence(lambda n: n + 10)
    name = "审查"
    description = "部门审查申请材料。"


class RequirementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Requirement

    matter = factory.SubFactory(MatterFactory)
    material = factory.SubFactory(MaterialTypeFactory)
    key = False
    required = True


class BundleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bundle
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"bundle{n}")
    name = factory.Sequence(lambda n: f"一件事{n}")
    description = "多个事项一次办。"
    status = CatalogStatus.PUBLISHED

    @factory.post_generation
    def matters(self, create, extracted, **kwargs):
        if not create:
            return
        for order, matter in enumerate(extracted or ()):
            BundleItem.objects.create(bundle=self, matter=matter, order=order)
