"""情形引导 at the window: the desk's new-case form asks the matter's questions; the clerk
may leave them all unanswered (every material listed, checked at the window)."""

import pytest

from cases.models import Case
from matters.models import Question, QuestionOption, Requirement

from .helpers import applicant_data, url

pytestmark = pytest.mark.django_db

LETTER = "授权委托书"


@pytest.fixture
def asked(matter):
    """The cases' matter asking 是否委托他人办理, whose 是 selects the power of attorney."""
    question = Question.objects.create(matter=matter, code="entrusted", text="是否委托他人办理")
    QuestionOption.objects.create(question=question, value="no", label="本人办理", order=1)
    yes = QuestionOption.objects.create(
        question=question, value="yes", label="委托他人办理", order=2
    )
    Requirement.objects.get(matter=matter, material__name=LETTER).selected_by.set([yes])
    return matter


def materials(case) -> set[str]:
    return set(case.materials.values_list("material_type__name", flat=True))


def test_the_desk_form_asks_the_matters_questions(clerk_client, asked):
    page = clerk_client.get(url("case-new") + f"?matter={asked.code}").content.decode()

    assert "是否委托他人办理" in page
    assert 'name="answer.entrusted" value="yes"' in page


def test_the_clerk_may_leave_the_questions_unanswered(clerk_client, asked):
    response = clerk_client.post(url("case-new") + f"?matter={asked.code}", applicant_data())

    assert response.status_code == 302
    case = Case.objects.get()
    assert LETTER in materials(case)
    assert case.answers == []


def test_the_clerks_answers_select_the_materials(clerk_client, asked):
    data = {**applicant_data(), "answer.entrusted": "no"}

    response = clerk_client.post(url("case-new") + f"?matter={asked.code}", data)

    assert response.status_code == 302
    case = Case.objects.get()
    assert LETTER not in materials(case)
    assert [(a["code"], a["value"]) for a in case.answers] == [("entrusted", "no")]
