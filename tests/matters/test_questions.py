"""情形引导: a matter's questions select exactly the conditional materials, rule applicants
out with a reason, and carry from the guide's questionnaire to the case."""

import itertools
import json
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from cases.models import Case
from matters.catalog_io import catalog_export, catalog_import
from matters.checklist import evaluate
from matters.exceptions import CatalogImportError, GuideError, InvalidAnswerError
from matters.models import (
    CatalogStatus,
    MaterialType,
    Matter,
    MatterVersion,
    ProvidedBy,
    Question,
    QuestionOption,
    Requirement,
)
from matters.selectors import matter_checklist_queryset
from matters.services import matter_publish
from tests.factories import MaterialTypeFactory, MatterFactory

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "matters" / "demo" / "catalog.json"


def option(question, value, label, order, **fields):
    return QuestionOption.objects.create(
        question=question, value=value, label=label, order=order, **fields
    )


def material(code, name):
    """The material type of that name (授权委托书 exists from the start), else a new one."""
    return MaterialType.objects.filter(name=name).first() or MaterialTypeFactory(
        code=code, name=name
    )


def conditional(matter, code, name, condition, *options, **fields):
    requirement = Requirement.objects.create(
        matter=matter,
        material=material(code, name),
        required=False,
        condition=condition,
        order=10 + Requirement.objects.filter(matter=matter).count(),
        **fields,
    )
    requirement.selected_by.set(options)
    return requirement


@pytest.fixture
def matter(db):
    """A 2-question matter: 是否委托他人办理 (授权委托书 + 受托人身份证) and 房屋是否有抵押
    (抵押权人同意书), with a third answer of the second question that rules out."""
    matter = MatterFactory(code="transfer", name="不动产转移登记", status=CatalogStatus.DRAFT)
    always = matter.requirements.get()
    always.material = material("id-card", "居民身份证")
    always.save()
    entrusted = Question.objects.create(matter=matter, code="entrusted", text="是否委托他人办理")
    self_ = option(entrusted, "no", "本人办理", 1)
    agent = option(entrusted, "yes", "委托他人办理", 2)
    mortgaged = Question.objects.create(
        matter=matter, code="mortgaged", text="房屋是否有抵押", order=2
    )
    option(mortgaged, "no", "无抵押", 1)
    yes = option(mortgaged, "yes", "有抵押", 2)
    option(
        mortgaged,
        "seized",
        "已被查封",
        3,
        rules_out=True,
        ruled_out_reason="房屋被查封的，不能办理转移登记。",
        instead="请先向法院申请解除查封。",
    )
    conditional(matter, "poa", "授权委托书", "委托他人办理的", agent)
    conditional(matter, "agent-id", "受托人身份证", "委托他人办理的", agent)
    conditional(matter, "consent", "抵押权人同意书", "房屋设有抵押的", yes)
    # A material that applies to everyone, never asked about.
    Requirement.objects.create(
        matter=matter,
        material=material("contract", "房屋买卖合同"),
        required=True,
        order=5,
    )
    assert self_.pk
    matter_publish(matter=matter, by=None)
    return matter


def loaded(matter):
    return matter_checklist_queryset().get(pk=matter.pk)


def names(result) -> set[str]:
    return {applied.requirement.material.name for applied in result.requirements}


ALWAYS = {"居民身份证", "房屋买卖合同"}


@pytest.mark.parametrize(
    ("entrusted", "mortgaged"), list(itertools.product(["no", "yes"], ["no", "yes"]))
)
def test_evaluate_selects_exactly_the_conditional_requirements(matter, entrusted, mortgaged):
    result = evaluate(loaded(matter), {"entrusted": entrusted, "mortgaged": mortgaged})

    expected = set(ALWAYS)
    if entrusted == "yes":
        expected |= {"授权委托书", "受托人身份证"}
    if mortgaged == "yes":
        expected |= {"抵押权人同意书"}
    assert names(result) == expected
    assert result.eligible and result.complete
    # A selected material is required of this applicant.
    assert all(applied.required for applied in result.requirements)


def test_ruling_out_answer_gives_reason_and_what_to_do_instead(matter):
    result = evaluate(loaded(matter), {"entrusted": "no", "mortgaged": "seized"})

    assert result.eligible is False
    [reason] = result.reasons
    assert reason.reason == "房屋被查封的，不能办理转移登记。"
    assert reason.instead == "请先向法院申请解除查封。"


@pytest.mark.parametrize(
    ("answers", "question"),
    [({"nope": "yes"}, "nope"), ({"entrusted": "maybe"}, "entrusted")],
)
def test_evaluate_refuses_unknown_question_or_value(matter, answers, question):
    with pytest.raises(InvalidAnswerError) as error:
        evaluate(loaded(matter), answers)
    assert error.value.question == question


def test_unanswered_questions_are_listed_and_select_nothing(matter):
    result = evaluate(loaded(matter), {"entrusted": "yes"})

    assert [q.code for q in result.unanswered] == ["mortgaged"]
    assert names(result) == ALWAYS | {"授权委托书", "受托人身份证"}


def test_pushed_material_selected_stays_not_required(matter):
    pushed = conditional(
        matter,
        "tax",
        "完税凭证",
        "有抵押的",
        QuestionOption.objects.get(value="yes", question__code="mortgaged"),
        provided_by=ProvidedBy.DEPARTMENT,
    )
    result = evaluate(loaded(matter), {"entrusted": "no", "mortgaged": "yes"})
    applied = next(a for a in result.requirements if a.requirement.pk == pushed.pk)
    assert applied.required is False


# --- the API ------------------------------------------------------------------------------


def checklist(client, code, answers):
    return client.post(f"/api/v1/matters/{code}/checklist/", {"answers": answers}, format="json")


def test_api_checklist_shape(matter):
    response = checklist(APIClient(), matter.code, {"entrusted": "yes", "mortgaged": "no"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["eligible"] is True
    assert body["complete"] is True
    assert body["reasons"] == []
    assert body["unanswered"] == []
    assert [a["answer"] for a in body["answers"]] == ["委托他人办理", "无抵押"]
    rows = {r["material"]["name"]: r for r in body["requirements"]}
    assert set(rows) == ALWAYS | {"授权委托书", "受托人身份证"}
    assert rows["授权委托书"]["required"] is True
    assert rows["授权委托书"]["selected_by"] == [{"question": "entrusted", "value": "yes"}]
    assert rows["居民身份证"]["selected_by"] == []


def test_api_checklist_ruled_out_and_incomplete(matter):
    body = checklist(APIClient(), matter.code, {"entrusted": "no", "mortgaged": "seized"}).json()
    assert body["eligible"] is False
    assert body["reasons"] == [
        {
            "question": "mortgaged",
            "answer": "已被查封",
            "reason": "房屋被查封的，不能办理转移登记。",
            "instead": "请先向法院申请解除查封。",
        }
    ]
    body = checklist(APIClient(), matter.code, {}).json()
    assert body["complete"] is False
    assert [q["code"] for q in body["unanswered"]] == ["entrusted", "mortgaged"]
    assert [o["value"] for o in body["unanswered"][1]["options"]] == ["no", "yes", "seized"]


@pytest.mark.parametrize(
    ("answers", "question"), [({"nope": "x"}, "nope"), ({"entrusted": "maybe"}, "entrusted")]
)
def test_api_checklist_refuses_bad_answers(matter, answers, question):
    response = checklist(APIClient(), matter.code, answers)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_answer"
    assert response.json()["question"] == question


def test_api_checklist_of_a_draft_is_not_found(matter):
    matter.status = CatalogStatus.DRAFT
    matter.save()
    assert checklist(APIClient(), matter.code, {}).status_code == 404


def test_api_checklist_is_throttled(matter, settings):
    from tests.throttles import set_rates

    set_rates(settings, checklist="2/minute")
    client = APIClient()
    assert checklist(client, matter.code, {}).status_code == 200
    assert checklist(client, matter.code, {}).status_code == 200
    assert checklist(client, matter.code, {}).status_code == 429


def test_api_checklist_queries_do_not_grow_with_questions(matter, django_assert_max_num_queries):
    for n in range(5):
        question = Question.objects.create(matter=matter, code=f"q{n}", text=f"问题{n}", order=9)
        a = option(question, "a", "甲", 1)
        option(question, "b", "乙", 2)
        conditional(matter, f"extra{n}", f"附加材料{n}", "甲的", a)
    answers = {"entrusted": "yes", "mortgaged": "yes", **{f"q{n}": "a" for n in range(5)}}
    with django_assert_max_num_queries(6):
        response = checklist(APIClient(), matter.code, answers)
    assert len(response.json()["requirements"]) == 5 + 5


def test_matter_detail_lists_questions_and_selectors(matter, django_assert_max_num_queries):
    body = APIClient().get(f"/api/v1/matters/{matter.code}/").json()

    assert [q["code"] for q in body["questions"]] == ["entrusted", "mortgaged"]
    seized = body["questions"][1]["options"][2]
    assert seized["rules_out"] is True and seized["instead"] == "请先向法院申请解除查封。"
    by_name = {r["material"]["name"]: r["selected_by"] for r in body["requirements"]}
    assert by_name["抵押权人同意书"] == [{"question": "mortgaged", "value": "yes"}]


# --- case creation --------------------------------------------------------------------------


@pytest.fixture
def citizen_client(citizen):
    client = APIClient()
    client.force_authenticate(citizen)
    return client


def create(client, citizen, matter, **extra):
    body = {
        "matter": matter.code,
        "applicant": {
            "kind": "person",
            "name": citizen.name,
            "id_number": citizen.id_number,
            "phone": citizen.phone,
        },
        **extra,
    }
    return client.post("/api/v1/cases/", body, format="json")


def test_case_with_answers_has_exactly_the_materials_that_apply(matter, citizen, citizen_client):
    response = create(
        citizen_client, citizen, matter, answers={"entrusted": "yes", "mortgaged": "no"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert {m["name"] for m in body["materials"]} == ALWAYS | {"授权委托书", "受托人身份证"}
    case = Case.objects.get(number=body["number"])
    assert set(
        case.materials.filter(required=True).values_list("material_type__name", flat=True)
    ) == (ALWAYS | {"授权委托书", "受托人身份证"})
    assert [(a["question"], a["answer"]) for a in body["answers"]] == [
        ("是否委托他人办理", "委托他人办理"),
        ("房屋是否有抵押", "无抵押"),
    ]


def test_a_case_with_answers_reads_its_matter_once(matter, citizen, citizen_client):
    # The matter by its code, with its lead department; the checklist is read onto it.
    with CaptureQueriesContext(connection) as captured:
        response = create(
            citizen_client, citizen, matter, answers={"entrusted": "yes", "mortgaged": "no"}
        )

    assert response.status_code == 201, response.content
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len([sql for sql in reads if 'FROM "matters_matter"' in sql]) == 1
    assert not [sql for sql in reads if 'FROM "accounts_department"' in sql]


def test_an_applicants_answers_leave_the_guides_checklist_as_it_is(matter, citizen):
    # The apply page hands the service the matter it read with its checklist; the answers of
    # one applicant make 授权委托书 required of their case, not of the guide shown afterwards.
    from cases import services
    from tests.cases.conftest import applicant_of

    shown = loaded(matter)
    case = services.case_create(
        by=citizen,
        matter=shown,
        applicant=applicant_of(citizen),
        answers={"entrusted": "yes", "mortgaged": "no"},
    )

    assert case.materials.get(material_type__name="授权委托书").required
    guide = {r.material.name: r.required for r in shown.requirements.all()}
    assert guide["授权委托书"] is False
    assert guide["受托人身份证"] is False
    assert guide["居民身份证"] is True


def test_online_case_without_answers_is_refused_for_a_matter_with_questions(
    matter, citizen, citizen_client
):
    # Without answers the conditional materials would be optional and 已被查封 unchecked.
    for extra in ({}, {"answers": None}, {"answers": {}}):
        response = create(citizen_client, citizen, matter, **extra)

        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "answers_incomplete"
        assert body["unanswered"] == ["entrusted", "mortgaged"]
        assert "是否委托他人办理" in body["detail"]
    assert not Case.objects.exists()


def test_a_helper_filing_without_answers_is_refused(matter):
    from cases import services
    from matters.exceptions import AnswersIncompleteError
    from tests.factories import HallFactory, UserFactory

    village = HallFactory(code="hehua", level="village", has_windows=False, has_queue=False)
    helper = UserFactory(helper=True, hall=village)
    resident = UserFactory(citizen=True)
    with pytest.raises(AnswersIncompleteError):
        services.case_create(
            by=helper,
            matter=Matter.objects.get(pk=matter.pk),
            applicant=services.Applicant(
                kind="person",
                name=resident.name,
                id_number=resident.id_number,
                phone=resident.phone,
            ),
        )
    assert not Case.objects.exists()


def test_clerk_window_case_without_answers_keeps_every_material(matter, citizen, clerk):
    client = APIClient()
    client.force_authenticate(clerk)
    response = create(client, citizen, matter)

    assert response.status_code == 201, response.content
    body = response.json()
    assert {m["name"] for m in body["materials"]} == ALWAYS | {
        "授权委托书",
        "受托人身份证",
        "抵押权人同意书",
    }
    assert body["answers"] == []
    case = Case.objects.get(number=body["number"])
    assert not case.materials.get(material_type__name="授权委托书").required


def test_a_matter_without_questions_needs_no_answers(citizen, citizen_client):
    plain = MatterFactory(code="plain")

    response = create(citizen_client, citizen, plain)

    assert response.status_code == 201, response.content
    assert response.json()["answers"] == []


def test_blank_answers_are_unanswered_not_invalid(matter, citizen, citizen_client):
    body = checklist(APIClient(), matter.code, {"entrusted": "yes", "mortgaged": " "}).json()
    assert body["complete"] is False
    assert [q["code"] for q in body["unanswered"]] == ["mortgaged"]

    response = create(
        citizen_client, citizen, matter, answers={"entrusted": "yes", "mortgaged": ""}
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "answers_incomplete"
    assert response.json()["unanswered"] == ["mortgaged"]


def test_apply_page_sends_the_applicant_to_the_questions_first(client, citizen, matter):
    client.force_login(citizen)

    response = client.get(f"/apply/{matter.code}/")
    assert response.status_code == 302
    assert response["Location"] == f"/matters/{matter.code}/checklist/"
    response = client.get(f"/apply/{matter.code}/?entrusted=yes")
    assert response.status_code == 302
    assert response["Location"] == f"/matters/{matter.code}/checklist/?entrusted=yes"

    # A form posted without the answers is refused, nothing created.
    response = client.post(
        f"/apply/{matter.code}/",
        {
            "applicant_kind": "person",
            "applicant_name": citizen.name,
            "applicant_id_number": citizen.id_number,
            "applicant_phone": citizen.phone,
            "delivery_method": "pickup",
            "answer.entrusted": "no",
        },
    )
    assert response.status_code == 400
    assert "请回答全部情形问题" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"entrusted": "yes"}, "answers_incomplete"),
        ({"entrusted": "maybe", "mortgaged": "no"}, "invalid_answer"),
        ({"entrusted": "no", "mortgaged": "seized"}, "not_eligible"),
    ],
)
def test_case_create_refuses_bad_answers_and_creates_nothing(
    matter, citizen, citizen_client, answers, code
):
    response = create(citizen_client, citizen, matter, answers=answers)

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    if code == "not_eligible":
        assert body["reasons"][0]["instead"] == "请先向法院申请解除查封。"
    if code == "answers_incomplete":
        assert body["unanswered"] == ["mortgaged"]
    assert not Case.objects.exists()


# --- publish checks ---------------------------------------------------------------------------


def problems_of(matter) -> list[str]:
    matter.status = CatalogStatus.DRAFT
    matter.save()
    with pytest.raises(GuideError) as error:
        matter_publish(matter=matter, by=None)
    return error.value.problems


def test_publish_refuses_a_question_with_one_option(matter):
    question = Question.objects.create(matter=matter, code="single", text="只有一个选项")
    option(question, "a", "甲", 1)

    assert any("至少应有两个选项" in p for p in problems_of(matter))


def test_publish_refuses_a_rules_out_option_without_reason(matter):
    QuestionOption.objects.filter(value="seized").update(ruled_out_reason="")

    assert any("须写明原因" in p for p in problems_of(matter))


def test_publish_refuses_an_unselected_conditional_requirement(matter):
    Requirement.objects.create(
        matter=matter,
        material=material("marriage", "结婚证"),
        required=False,
        condition="已婚的",
    )

    assert any("结婚证" in p and "适用情形" in p for p in problems_of(matter))


def test_publish_refuses_a_selected_requirement_without_a_condition(matter):
    Requirement.objects.filter(matter=matter, material__name="抵押权人同意书").update(condition="")

    problems = problems_of(matter)

    # The check of every non-required material (非必交材料须写明提交条件) covers it.
    assert any("抵押权人同意书" in p and "须写明提交条件" in p for p in problems), problems


def test_publish_refuses_a_question_whose_every_option_rules_out(matter):
    question = Question.objects.create(matter=matter, code="age", text="是否年满18周岁", order=3)
    option(question, "no", "未满18周岁", 1, rules_out=True, ruled_out_reason="须成年。")
    option(question, "unknown", "不清楚", 2, rules_out=True, ruled_out_reason="须成年。")

    problems = problems_of(matter)

    assert any("是否年满18周岁" in p and "至少应有一个选项可以申请" in p for p in problems)
    # One option that does not rule out is enough.
    option(question, "yes", "已满18周岁", 3)
    matter_publish(matter=matter, by=None)


def test_publish_refuses_an_option_selecting_another_matters_requirement(matter):
    other = MatterFactory()
    other.requirements.get().selected_by.add(QuestionOption.objects.get(value="seized"))

    assert any("不是本事项情形问题的选项" in p for p in problems_of(matter))


def test_published_version_keeps_the_questions(matter):
    guide = MatterVersion.objects.filter(matter=matter).latest("version").guide

    assert [q["code"] for q in guide["questions"]] == ["entrusted", "mortgaged"]
    consent = next(r for r in guide["requirements"] if r["material"] == "抵押权人同意书")
    assert consent["selected_by"] == [{"question": "mortgaged", "value": "yes"}]


# --- import and export ------------------------------------------------------------------------


def test_export_import_round_trip_keeps_questions_and_selectors(matter):
    data = catalog_export()
    row = next(m for m in data["matters"] if m["code"] == "transfer")
    assert [q["code"] for q in row["questions"]] == ["entrusted", "mortgaged"]
    Question.objects.filter(matter=matter).delete()
    Requirement.objects.filter(matter=matter, material__code="consent").update(required=True)

    catalog_import(data=data)

    assert catalog_export() == data
    result = evaluate(loaded(matter), {"entrusted": "no", "mortgaged": "yes"})
    assert names(result) == ALWAYS | {"抵押权人同意书"}
    # Importing again changes nothing.
    assert all(count == 0 for count in catalog_import(data=data).values())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda row: row["questions"][0]["options"].pop(), "至少应有两个选项"),
        (
            lambda row: row["questions"][1].update(code="entrusted"),
            "情形问题编码“entrusted”重复",
        ),
        (
            lambda row: row["requirements"][-1].update(
                selected_by=[{"question": "mortgaged", "value": "nope"}]
            ),
            "不是本事项情形问题的选项",
        ),
    ],
)
def test_import_refuses_broken_questions(matter, change, message):
    data = catalog_export()
    change(next(m for m in data["matters"] if m["code"] == "transfer"))

    with pytest.raises(CatalogImportError) as error:
        catalog_import(data=data)
    assert any(message in p for p in error.value.extra["problems"]), error.value.extra


def test_demo_catalog_has_questions_on_ten_matters_and_passes():
    data = json.loads(DEMO.read_text(encoding="utf-8"))
    with_questions = [m for m in data["matters"] if m.get("questions")]
    assert len(with_questions) >= 10
    assert any(o["rules_out"] for m in with_questions for q in m["questions"] for o in q["options"])

    catalog_import(data=data)

    assert Question.objects.count() >= 10
    assert catalog_export() == data


# --- the guide's questionnaire pages ----------------------------------------------------------


def test_guide_page_has_the_questionnaire_as_a_plain_get_form(client, matter):
    page = client.get(f"/matters/{matter.code}/").content.decode()

    assert f'action="/matters/{matter.code}/checklist/"' in page
    assert 'method="get"' in page
    assert 'name="entrusted" value="yes"' in page


def test_checklist_page_lists_my_materials_and_links_to_apply(client, matter):
    response = client.get(f"/matters/{matter.code}/checklist/?entrusted=yes&mortgaged=no")

    page = response.content.decode()
    assert response.status_code == 200
    assert "授权委托书" in page and "受托人身份证" in page
    assert "抵押权人同意书" not in page
    assert f'href="/apply/{matter.code}/?entrusted=yes&amp;mortgaged=no"' in page
    assert "按此清单申请" in page


def test_checklist_page_ruled_out_and_bad_answers(client, matter):
    page = client.get(f"/matters/{matter.code}/checklist/?entrusted=no&mortgaged=seized")
    text = page.content.decode()
    assert "请先向法院申请解除查封。" in text
    assert "按此清单申请" not in text

    assert client.get(f"/matters/{matter.code}/checklist/?entrusted=maybe").status_code == 400
    incomplete = client.get(f"/matters/{matter.code}/checklist/?entrusted=yes").content.decode()
    assert "请选择一项。" in incomplete
    assert "按此清单申请" not in incomplete


def test_apply_page_carries_the_answers_into_the_case(client, citizen, matter):
    client.force_login(citizen)
    page = client.get(f"/apply/{matter.code}/?entrusted=yes&mortgaged=yes").content.decode()
    assert 'name="answer.entrusted" value="yes"' in page
    assert "委托他人办理" in page

    response = client.post(
        f"/apply/{matter.code}/",
        {
            "applicant_kind": "person",
            "applicant_name": citizen.name,
            "applicant_id_number": citizen.id_number,
            "applicant_phone": citizen.phone,
            "delivery_method": "pickup",
            "answer.entrusted": "no",
            "answer.mortgaged": "yes",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.get()
    assert set(case.materials.values_list("material_type__name", flat=True)) == ALWAYS | {
        "抵押权人同意书"
    }
    assert [a["value"] for a in case.answers] == ["no", "yes"]
    detail = client.get(f"/my/cases/{case.number}/").content.decode()
    assert "房屋是否有抵押" in detail


def test_checklist_page_queries_constant(client, matter, django_assert_max_num_queries):
    for n in range(4):
        question = Question.objects.create(matter=matter, code=f"q{n}", text=f"问题{n}", order=9)
        option(question, "a", "甲", 1)
        option(question, "b", "乙", 2)
    query = "entrusted=yes&mortgaged=yes&" + "&".join(f"q{n}=a" for n in range(4))
    with CaptureQueriesContext(connection) as context:
        client.get(f"/matters/{matter.code}/checklist/?{query}")
    assert len(context.captured_queries) <= 12, [q["sql"] for q in context.captured_queries]


def test_bundle_case_refuses_answers(citizen, citizen_client, matter):
    from tests.factories import BundleFactory

    bundle = BundleFactory(matters=[matter, MatterFactory()], status=CatalogStatus.PUBLISHED)
    body = {
        "bundle": bundle.code,
        "applicant": {
            "kind": "person",
            "name": citizen.name,
            "id_number": citizen.id_number,
            "phone": citizen.phone,
        },
        "answers": {"entrusted": "yes"},
    }
    response = citizen_client.post("/api/v1/cases/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_answer"
    assert not Case.objects.exists()


def test_admin_edits_questions_and_options(client, matter):
    from accounts.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.gov.cn", "x"))
    page = client.get(f"/admin/matters/matter/{matter.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "是否委托他人办理" in text and "编辑选项" in text
    question = Question.objects.get(code="entrusted")
    page = client.get(f"/admin/matters/question/{question.pk}/change/")
    assert page.status_code == 200
    assert "委托他人办理" in page.content.decode()


def test_a_kept_version_page_shows_its_questions(client, matter):
    version = MatterVersion.objects.filter(matter=matter).latest("version")
    Question.objects.filter(matter=matter, code="mortgaged").update(text="房屋现在是否抵押")

    page = client.get(f"/matters/{matter.code}/v/{version.version}/").content.decode()

    assert "房屋是否有抵押" in page
    assert "房屋被查封的，不能办理转移登记。" in page


@pytest.fixture
def admin_client(client):
    from accounts.models import User

    client.force_login(User.objects.create_superuser("root", "root@example.gov.cn", "x"))
    return client


def test_admin_deleting_a_question_re_checks_the_guide(admin_client, matter):
    question = Question.objects.get(matter=matter, code="entrusted")

    response = admin_client.post(
        f"/admin/matters/question/{question.pk}/delete/", {"post": "yes"}, follow=True
    )

    assert response.status_code == 200
    matter.refresh_from_db()
    # 授权委托书 (委托他人办理的) is no longer selected by any answer: the guide is broken.
    assert matter.status == CatalogStatus.DRAFT
    assert "须指定由哪个选项选择" in response.content.decode()


def test_admin_delete_selected_questions_re_checks_each_guide(admin_client, matter):
    from matters.services import matter_revise

    extra = Question.objects.create(matter=matter, code="extra", text="是否首次办理", order=9)
    option(extra, "yes", "是", 1)
    option(extra, "no", "否", 2)
    assert matter_revise(matter=matter, by=None) == []
    version = Matter.objects.get(pk=matter.pk).version

    response = admin_client.post(
        "/admin/matters/question/",
        {"action": "delete_selected", "_selected_action": [extra.pk], "post": "yes"},
    )

    assert response.status_code == 302
    matter.refresh_from_db()
    # Still a sound guide: kept as a new published version, without the question.
    assert matter.status == CatalogStatus.PUBLISHED
    assert matter.version == version + 1
    kept = MatterVersion.objects.get(matter=matter, version=matter.version)
    assert "extra" not in json.dumps(kept.guide, ensure_ascii=False)


def test_admin_cannot_move_a_question_to_another_matter(admin_client, matter):
    other = MatterFactory(code="other")
    question = Question.objects.get(matter=matter, code="entrusted")

    page = admin_client.get(f"/admin/matters/question/{question.pk}/change/").content.decode()
    assert 'name="matter"' not in page

    admin_client.post(
        f"/admin/matters/question/{question.pk}/change/",
        {
            "matter": other.pk,
            "code": "entrusted",
            "text": "是否委托他人办理",
            "help": "",
            "order": 0,
            "options-TOTAL_FORMS": 0,
            "options-INITIAL_FORMS": 0,
        },
    )
    question.refresh_from_db()
    assert question.matter_id == matter.pk
