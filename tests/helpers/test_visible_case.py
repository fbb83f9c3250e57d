"""The API's one-case lookup (``visible_case``: the row by number, then the rules the row
answers) lets through exactly the cases ``visible_cases`` lets through, for every kind of
caller and case: the applicant's account (as owner, or by identity alone), the agent who filed
online, clerk, supervisor, approvers, helpers."""

import pytest

from cases import services
from cases.access import visible_case, visible_cases
from cases.models import Case, Channel
from cases.selectors import case_answer_queryset
from tests.cases.conftest import applicant_of, drive_case
from tests.factories import UserFactory

from .conftest import file_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(clerk, helper, other_helper, resident, neighbour, housing, tax):
    return {
        "resident": resident,
        "neighbour": neighbour,
        "clerk": clerk,
        "supervisor": UserFactory(supervisor=True),
        "housing approver": UserFactory(approver=True, department=housing),
        "tax approver": UserFactory(approver=True, department=tax),
        "helper": helper,
        "other helper": other_helper,
    }


@pytest.fixture
def cases(people, clerk, matter, helper):
    resident, neighbour = people["resident"], people["neighbour"]
    approvers = {"housing": people["housing approver"], "tax": people["tax approver"]}
    # The neighbour files online for the resident, as the declared agent.
    agent_draft = services.case_create(
        by=neighbour,
        matter=matter,
        applicant=applicant_of(resident),
        agent=services.Agent(
            name=neighbour.name, id_number=neighbour.id_number, phone=neighbour.phone
        ),
    )
    carried = file_for(helper, resident, matter)
    handed = file_for(helper, neighbour, matter)
    Case.objects.filter(pk=handed.pk).update(first_responsible=people["other helper"])
    # Filed at the window for the resident: theirs by identity alone (no owner account).
    by_identity = drive_case("submitted", owner=resident, clerk=clerk, matter=matter)
    Case.objects.filter(pk=by_identity.pk).update(owner=None, channel=Channel.WINDOW)
    return {
        "resident's by identity": by_identity,
        "online draft": drive_case("draft", owner=resident, clerk=clerk, matter=matter),
        "in review": drive_case(
            "in_review", owner=resident, clerk=clerk, matter=matter, approvers=approvers
        ),
        "closed": drive_case(
            "closed", owner=neighbour, clerk=clerk, matter=matter, approvers=approvers
        ),
        "agent's draft": agent_draft,
        "helper's case": carried,
        "handed to the other helper": handed,
    }


def test_the_lookup_lets_through_what_the_list_lets_through(people, cases):
    seen = set()
    for who, user in people.items():
        for what, case in cases.items():
            listed = visible_cases(user).filter(pk=case.pk).exists()
            found = visible_case(user, case.number)
            assert (found is not None) == listed, (who, what)
            assert found is None or found.pk == case.pk
            # Read as the case GET reads it: the answer, whose reviews the rules may look at.
            answer = visible_case(
                user, case.number, case_answer_queryset(), name="case_answer_by_number"
            )
            assert (answer is not None) == listed, (who, what, "answer")
            if found is not None:
                seen.add((who, what))
    # The table is not empty either way: each rule lets someone through, and keeps others out.
    assert {
        ("resident", "online draft"),
        ("resident", "resident's by identity"),
        ("neighbour", "agent's draft"),
        ("clerk", "in review"),
        ("supervisor", "closed"),
        ("housing approver", "in review"),
        ("tax approver", "closed"),
        ("helper", "helper's case"),
        ("other helper", "handed to the other helper"),
    } <= seen
    kept_out = {
        ("neighbour", "in review"),
        ("neighbour", "resident's by identity"),
        ("clerk", "online draft"),
        ("housing approver", "online draft"),
        ("tax approver", "resident's by identity"),
        ("helper", "in review"),
        ("other helper", "helper's case"),
    }
    assert not kept_out & seen
    assert cases["online draft"].channel == Channel.ONLINE


def test_an_unknown_number_is_nobodys(people):
    assert visible_case(people["clerk"], "20990101-99999") is None
