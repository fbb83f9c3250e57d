"""What a decision paper says, by the kind of the matter (事项类型).

Only a 行政许可 is decided under the Administrative Licensing Law: 准予/不予行政许可决定书,
art. 38 (1) and (2). A 行政确认, 行政给付, 行政裁决, 行政奖励 or other power is decided under
the law that sets it up, and says so in its own words; a 公共服务 is not an administrative
decision at all (no reconsideration or litigation against it, a complaint channel instead).
A bundle whose matters are of one kind speaks as that kind; mixed kinds get the neutral
wording of "other powers" (never the licensing one).
"""

from dataclasses import dataclass

from matters.models import MatterKind

BASIS = "依照有关法律、法规的规定"


@dataclass(frozen=True)
class DecisionWording:
    approved_title: str
    denied_title: str
    approved_text: str  # follows "你（单位）提出的“…”申请，经审查，"
    denied_text: str
    reason_heading: str
    denied_as: str  # the outcome in a notice: "您的办件…未予许可，理由：…"
    approved_as: str  # "您的办件…已审批通过，办理结果：…"
    seal: str
    remedies: bool = True  # administrative reconsideration and litigation on a refusal
    remedies_on_approval: bool = False  # a ruling binds both parties, whatever it says
    opinion_label: str = "审查意见"


WORDINGS: dict[str, DecisionWording] = {
    MatterKind.LICENSING: DecisionWording(
        approved_title="准予行政许可决定书",
        denied_title="不予行政许可决定书",
        approved_text="符合法定条件和标准。依照《中华人民共和国行政许可法》第三十八条第一款"
        "的规定，决定准予行政许可。",
        denied_text="不符合法定条件和标准。依照《中华人民共和国行政许可法》第三十八条第二款"
        "的规定，决定不予行政许可。",
        reason_heading="不予许可理由",
        denied_as="未予许可",
        approved_as="已审批通过",
        seal="行政许可专用章",
    ),
    MatterKind.CONFIRMATION: DecisionWording(
        approved_title="行政确认决定书",
        denied_title="不予确认决定书",
        approved_text=f"符合法定条件。{BASIS}，决定予以确认。",
        denied_text=f"不符合法定条件。{BASIS}，决定不予确认。",
        reason_heading="不予确认理由",
        denied_as="不予确认",
        approved_as="已予以确认",
        seal="业务专用章",
    ),
    MatterKind.BENEFIT: DecisionWording(
        approved_title="准予给付决定书",
        denied_title="不予给付决定书",
        approved_text=f"符合给付条件。{BASIS}，决定予以给付。",
        denied_text=f"不符合给付条件。{BASIS}，决定不予给付。",
        reason_heading="不予给付理由",
        denied_as="不予给付",
        approved_as="已准予给付",
        seal="业务专用章",
    ),
    MatterKind.RULING: DecisionWording(
        approved_title="行政裁决书",
        denied_title="驳回裁决申请决定书",
        approved_text=f"事实清楚。{BASIS}，作出裁决如下。",
        denied_text=f"不符合裁决条件。{BASIS}，决定驳回裁决申请。",
        reason_heading="驳回理由",
        denied_as="驳回裁决申请",
        approved_as="已作出裁决",
        seal="业务专用章",
        remedies_on_approval=True,
        opinion_label="裁决内容",
    ),
    MatterKind.REWARD: DecisionWording(
        approved_title="行政奖励决定书",
        denied_title="不予奖励决定书",
        approved_text=f"符合奖励条件。{BASIS}，决定给予奖励。",
        denied_text=f"不符合奖励条件。{BASIS}，决定不予奖励。",
        reason_heading="不予奖励理由",
        denied_as="不予奖励",
        approved_as="已决定给予奖励",
        seal="业务专用章",
    ),
    MatterKind.OTHER_POWER: DecisionWording(
        approved_title="准予办理决定书",
        denied_title="不予办理决定书",
        approved_text=f"符合法定条件。{BASIS}，决定准予办理。",
        denied_text=f"不符合法定条件。{BASIS}，决定不予办理。",
        reason_heading="不予办理理由",
        denied_as="不予办理",
        approved_as="已准予办理",
        seal="业务专用章",
    ),
    MatterKind.PUBLIC_SERVICE: DecisionWording(
        approved_title="办理结果告知书",
        denied_title="不予办理告知书",
        approved_text="符合办理条件，已为你（单位）办理完毕。",
        denied_text="不符合办理条件，本次不予办理。",
        reason_heading="不予办理原因",
        denied_as="不予办理",
        approved_as="已办理完毕",
        seal="业务专用章",
        remedies=False,
    ),
}


def decision_kind(kinds: list[str]) -> str:
    """The kind a case's decision speaks as: its matters' one kind, else other powers."""
    distinct = set(kinds)
    if len(distinct) == 1:
        return distinct.pop()
    return MatterKind.OTHER_POWER


def wording_for(kinds: list[str]) -> DecisionWording:
    """The decision wording for matters of these kinds (one matter, or a bundle's)."""
    return WORDINGS.get(decision_kind(kinds), WORDINGS[MatterKind.OTHER_POWER])
