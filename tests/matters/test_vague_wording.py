"""The publish check finds catch-all wording by its form, not from a fixed list of words."""

import pytest

from matters.guide import vague_phrase
from matters.services import matter_publish
from tests.factories import MaterialTypeFactory, MatterFactory, RequirementFactory

from .test_publish import publish_problems


@pytest.mark.parametrize(
    "text",
    [
        # 其他…材料/文件/资料/证明
        "其他材料",
        "申请人需提交的其它证明文件",
        "其他需要提交的资料",
        "以及其他能够证明身份的证件",
        "其他申请文件",
        # …等相关材料
        "房屋买卖合同等相关材料",
        "户口簿、结婚证等有关证明",
        "营业执照、章程等材料",
        "身份证明等其他",
        # 必要的材料
        "必要的材料",
        "申请人应提交必要证明",
        # 审批机关要求的…
        "审批机关要求的其他材料",
        "审批机关要求提交的材料",
        "按审核机关要求的格式补充",
        # 有关部门要求的…
        "有关部门要求的证明",
        "相关部门要求提供的佐证",
        "登记部门认为需要的",
        # the old fixed phrases are still found
        "材料不全的另行通知",
        "窗口认为需要补充时",
    ],
)
def test_each_form_of_catch_all_is_found(text):
    phrase = vague_phrase(text)
    assert phrase and phrase in text


@pytest.mark.parametrize(
    "text",
    [
        "市行政服务中心其他综合事务窗口",  # 其他 naming a place, no paper asked for
        "其他情形不收费。",
        "其他情形提交结婚证明",  # 其他 names a case; the paper is concrete
        "其他情况下提交户口簿及出生医学证明",
        "生态环境局组织技术评估，必要时进行现场踏勘。",
        "同等学力证明",  # 等 inside a word
        "机关事业单位工作人员提交单位出具的在职证明",
        "审批机关应在受理之日起5个工作日内作出决定。",
        "不动产登记部门审核通过后发证。",
        "按要求填写《申请表》并签字",
        "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》：每件80元。",
        "依据《有关部门要求的其他材料目录》提交。",  # a quoted title is not vague
        "居民身份证原件",
        "",
    ],
)
def test_near_misses_pass(text):
    assert vague_phrase(text) is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "material",
    ["申请人认为必要的证明材料", "主管部门要求提供的其它资料", "出生医学证明等相关证件"],
)
def test_publish_is_refused_naming_the_catch_all(material):
    matter = MatterFactory(draft=True)
    RequirementFactory(matter=matter, material=MaterialTypeFactory(name=material))
    problems = publish_problems(matter)
    assert any("兜底表述" in problem and material in problem for problem in problems)


@pytest.mark.django_db
def test_conditions_with_a_catch_all_are_refused_and_a_concrete_guide_publishes():
    matter = MatterFactory(draft=True, conditions="申请人应提交审批机关要求的材料。")
    assert any("受理条件" in problem for problem in publish_problems(matter))
    matter.conditions = "申请人为本市户籍居民，年满十六周岁。"
    matter.save()
    assert matter_publish(matter=matter, by=None).status == "published"
