"""The case's event vocabulary (cases/events.py): every action named once, labelled, and
carrying what its reactions need."""

import pytest

from cases import events, services
from cases.events import CaseAction
from cases.labels import EVENT_LABELS, event_label
from cases.models import Case, CaseEvent
from cases.services._core import record_event  # noqa: TID251 - the event writer itself
from hall.reactions import REACTIONS
from notices.models import Notice

from .conftest import requirement

pytestmark = pytest.mark.django_db


def test_every_action_has_a_label():
    assert set(EVENT_LABELS) == set(CaseAction)


def test_every_reaction_key_is_an_action():
    assert REACTIONS
    for action in REACTIONS:
        assert isinstance(action, CaseAction), action


def test_every_case_transition_is_an_action():
    names = {t.name for t in Case._meta.get_field("status").get_all_transitions(Case)}
    assert names <= set(CaseAction.values)


def test_registering_a_reaction_for_an_unknown_action_is_refused():
    with pytest.raises(ValueError):
        events.register("acept", lambda event: None)


def test_record_event_refuses_an_unknown_action(make_case, citizen):
    case = make_case("draft")
    before = case.events.count()
    with pytest.raises(ValueError):
        record_event(case, action="acept", by=citizen)
    assert case.events.count() == before


def test_an_event_is_labelled_by_its_action(make_case):
    case = make_case("submitted")
    assert event_label(case.events.get(action=CaseAction.SUBMIT)) == "提交申请"


def test_a_special_procedure_event_carries_the_procedure(make_case, housing_approver):
    case = make_case("in_review")
    procedure = services.special_procedure_start(
        case=case, by=housing_approver, kind="inspection", reason="需现场勘查。", expected_days=3
    )
    event = case.events.get(action=CaseAction.SPECIAL_PROCEDURE_START)
    assert event.payload == {
        "procedure": procedure.pk,
        "kind": "inspection",
        "days": 3,
        "reason": "需现场勘查。",
    }
    sms = Notice.objects.get(key=f"case-event:{event.pk}", channel="sms")
    assert "现场勘查，预计3个工作日" in sms.text and "理由：需现场勘查" in sms.text


def test_an_extension_event_carries_the_extension_granted(make_case, housing_approver, supervisor):
    case = make_case("in_review")
    extension = services.extension_request(case=case, by=housing_approver, days=4, reason="会商。")
    services.extension_decide(extension=extension, by=supervisor, grant=True)
    event = case.events.get(action=CaseAction.EXTENSION_GRANTED)
    assert event.payload == {"extension": extension.pk, "days": 4, "reason": "会商。"}
    sms = Notice.objects.get(key=f"case-event:{event.pk}", channel="sms")
    assert "延长4个工作日" in sms.text and "理由：会商" in sms.text


def test_a_one_time_notice_carries_every_material_asked_for(make_case, clerk):
    case = make_case("submitted")
    tax_proof = requirement(case, "完税凭证")
    services.case_request_supplement(
        case=case, by=clerk, missing=[tax_proof], reasons={tax_proof: "缺少印章。"}
    )
    event = case.events.get(action=CaseAction.REQUEST_SUPPLEMENT)
    assert event.payload == {"missing": [{"name": "完税凭证", "reason": "缺少印章。"}]}
    sms = Notice.objects.get(key=f"case-event:{event.pk}", channel="sms")
    assert "完税凭证" in sms.text


def test_events_written_before_the_payload_read_as_empty(make_case):
    case = make_case("draft")
    assert CaseEvent.objects.get(case=case).payload == {}
