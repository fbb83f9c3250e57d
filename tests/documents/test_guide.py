"""The printable guide (办事指南) of every published matter."""

import pytest

from tests.factories import MatterFactory

from .conftest import pdf_text, squeeze

pytestmark = pytest.mark.django_db


def test_guide_pdf_of_a_published_matter(client, matter):
    response = client.get(f"/matters/{matter.code}/guide.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = squeeze(pdf_text(response.content))
    assert "办事指南" in text and "不动产转移登记" in text
    assert "居民身份证" in text and "完税凭证" in text and "可容缺受理" in text
    assert "20个工作日" in text and "5个工作日" in text
    assert "市住房和城乡建设局" in text


def test_no_guide_for_a_draft_matter(client):
    draft = MatterFactory(draft=True)
    assert client.get(f"/matters/{draft.code}/guide.pdf").status_code == 404


def test_the_guide_pdf_lists_the_halls_that_take_the_matter_in(client):
    from halls.selectors import city_centre
    from matters.models import IntakeScope
    from tests.factories import HallFactory

    HallFactory(code="xinjia", name="新嘉街道便民服务中心", address="新嘉路66号")
    matter = MatterFactory(intake_scope=IntakeScope.NAMED)
    matter.intake_halls.set([city_centre()])
    text = squeeze(pdf_text(client.get(f"/matters/{matter.code}/guide.pdf").content))
    assert squeeze(city_centre().name) in text and "周一至周五" in text
    assert "新嘉街道便民服务中心" not in text
    nearby = MatterFactory(intake_scope=IntakeScope.ALL)
    text = squeeze(pdf_text(client.get(f"/matters/{nearby.code}/guide.pdf").content))
    assert "新嘉街道便民服务中心" in text and "新嘉路66号" in text


def test_the_guide_pdf_lists_the_questions_and_what_they_select(client, matter):
    from matters.models import Question, QuestionOption

    question = Question.objects.create(matter=matter, code="entrusted", text="是否委托他人办理")
    QuestionOption.objects.create(question=question, value="no", label="本人办理", order=1)
    yes = QuestionOption.objects.create(
        question=question, value="yes", label="委托他人办理", order=2
    )
    QuestionOption.objects.create(
        question=question,
        value="minor",
        label="申请人未成年",
        order=3,
        rules_out=True,
        ruled_out_reason="须由监护人申请。",
    )
    matter.requirements.get(material__name="授权委托书").selected_by.set([yes])

    text = squeeze(pdf_text(client.get(f"/matters/{matter.code}/guide.pdf").content))

    assert "情形引导" in text and "是否委托他人办理" in text
    assert "本人办理" in text and "委托他人办理" in text
    assert "不符合申请条件：须由监护人申请。" in text
    assert "是否委托他人办理选“委托他人办理”" in text
