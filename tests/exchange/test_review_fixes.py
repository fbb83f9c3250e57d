"""The review of the data exchange: consent only from the applicant (or a clerk at the
window), no lookup under the day's number lock and a bounded call, the previous applicant's
data forgotten, the log surviving a failed creation, broken HTTP answers, the snapshot hidden
from supervisors, old accounts' own lookups, and empty records."""

import contextlib
import socket
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from cases import satisfiers, services
from cases.exceptions import MissingMaterialsError
from cases.models import Case, MaterialStatus
from exchange import services as exchange_services
from exchange.models import DataLookup
from exchange.sources import ExchangeUnavailableError, HttpSource, Query
from tests.factories import UserFactory, make_mobile

from .conftest import KNOWN, id_number


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _statuses(case: Case) -> dict[str, str]:
    return {m.material_type.name: m.status for m in case.materials.select_related("material_type")}


# 1. Consent only from the applicant or a clerk at the window -------------------------------


def test_an_agent_cannot_consent_for_someone_else(known_citizen, card_matter):
    victim = id_number("311")
    response = _client(known_citizen).post(
        "/api/v1/cases/",
        {
            "matter": card_matter.code,
            "consent": True,
            "applicant": {
                "kind": "person",
                "name": "受害人",
                "id_number": victim,
                "phone": make_mobile(),
            },
            "agent": {
                "name": known_citizen.name,
                "id_number": known_citizen.id_number,
                "phone": make_mobile(),
            },
        },
        format="json",
    )

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "consent_not_applicant"
    assert not Case.objects.exists()
    assert not DataLookup.objects.filter(identity=victim).exists()


def test_an_agent_without_consent_files_as_before(known_citizen, card_matter):
    response = _client(known_citizen).post(
        "/api/v1/cases/",
        {
            "matter": card_matter.code,
            "applicant": {
                "kind": "person",
                "name": "王五",
                "id_number": id_number("312"),
                "phone": make_mobile(),
            },
            "agent": {
                "name": known_citizen.name,
                "id_number": known_citizen.id_number,
                "phone": make_mobile(),
            },
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert not DataLookup.objects.exists()


def test_the_apply_page_refuses_an_agents_consent(known_citizen, card_matter):
    web = Client()
    web.force_login(known_citizen)
    data = {
        "applicant_kind": "person",
        "applicant_name": "受害人",
        "applicant_id_number": id_number("316"),
        "applicant_phone": make_mobile(),
        "agent_name": known_citizen.name,
        "agent_id_number": known_citizen.id_number,
        "agent_phone": make_mobile(),
        "delivery_method": "pickup",
        "next": "1",
        "consent": "on",
    }

    response = web.post(f"/apply/{card_matter.code}/", data)

    assert response.status_code == 400
    assert "只有申请人本人" in response.content.decode()
    assert not Case.objects.exists()
    assert not DataLookup.objects.exists()


@pytest.fixture
def helper(db):
    from halls.models import HallLevel
    from tests.factories import HallFactory

    village = HallFactory(code="hehua", name="荷花村代办点", level=HallLevel.VILLAGE)
    return UserFactory(helper=True, name="周敏", hall=village, username="helper1")


def test_a_helper_cannot_consent_for_the_resident(card_matter, helper):
    resident = id_number("307")
    response = _client(helper).post(
        "/api/v1/cases/",
        {
            "matter": card_matter.code,
            "consent": True,
            "applicant": {
                "kind": "person",
                "name": "王阿婆",
                "id_number": resident,
                "phone": make_mobile(),
            },
        },
        format="json",
    )
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "consent_not_applicant"
    assert not Case.objects.exists()

    # The workbench offers no consent; whatever is posted, nothing is looked up.
    web = Client()
    web.force_login(helper)
    assert "申请人已同意查询共享数据" not in web.get("/helper/").content.decode()
    web.post(
        "/helper/",
        {
            "name": "王阿婆",
            "phone": "13857309999",
            "matter": card_matter.pk,
            "id_number": resident,
            "data_consent": "on",
        },
    )
    case = Case.objects.get(applicant_id_number=resident)
    assert not case.data_lookups.exists()
    assert not case.materials.filter(status=MaterialStatus.SATISFIED_BY_DATA).exists()
    assert not DataLookup.objects.exists()


# 2. No lookup under the case's transaction; the HTTP call has a total deadline -------------


class WatchingSource:
    """Records whether it was asked inside a transaction and whether a case was numbered."""

    name = "watching"
    seen: list = []

    def lookup(self, query):
        WatchingSource.seen.append((connection.in_atomic_block, Case.objects.count()))
        return {code: {"fields": [{"label": "x", "value": "y"}]} for code in query.items}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_lookup_runs_before_the_case_is_numbered(settings, known_citizen, card_matter):
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "BACKEND": f"{__name__}.WatchingSource"}
    WatchingSource.seen = []

    response = _client(known_citizen).post(
        "/api/v1/cases/", {"matter": card_matter.code, "consent": True}, format="json"
    )

    assert response.status_code == 201, response.json()
    # Outside any transaction: no row lock (the day's case sequence) is held meanwhile.
    assert WatchingSource.seen == [(False, 0)]
    case = Case.objects.get()
    assert case.materials.filter(status=MaterialStatus.SATISFIED_BY_DATA).count() == 2
    assert set(DataLookup.objects.values_list("case_id", flat=True)) == {case.pk}


@contextlib.contextmanager
def raw_server(handle):
    """A TCP server answering each connection with ``handle(conn)``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    stop = threading.Event()

    def serve():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _address = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_run, args=(handle, conn), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/lookup"
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def _run(handle, conn):
    with contextlib.suppress(OSError), conn:
        conn.settimeout(5)
        conn.recv(65536)
        handle(conn)


QUERY = Query(
    identity_kind="person",
    identity=KNOWN,
    name="张伟",
    items=("household",),
    purpose="办理《社会保障卡申领》",
    requester="police",
)


def _http(settings, url, **config):
    settings.DATA_EXCHANGE = {
        "BACKEND": "exchange.sources.HttpSource",
        "URL": url,
        "KEY": "k",
        "TIMEOUT": 0.5,
        "RETRIES": 0,
        "DEADLINE": 0,
        **config,
    }
    return HttpSource()


def test_a_trickling_platform_is_cut_at_the_deadline(settings):
    def trickle(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(40):  # one header byte every 0.2 s: each read is within TIMEOUT
            time.sleep(0.2)
            conn.sendall(b"X")

    with raw_server(trickle) as url:
        source = _http(settings, url, TIMEOUT=0.5, RETRIES=1, DEADLINE=1.0)
        started = time.monotonic()
        with pytest.raises(ExchangeUnavailableError):
            source.lookup(QUERY)
        assert time.monotonic() - started < 2.0


# 5. Broken HTTP answers (not OSErrors) count as unavailable and are tried again -------------


@pytest.mark.parametrize(
    "answer",
    [
        b'HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{"records"',  # IncompleteRead
        b"garbage\r\n\r\n",  # BadStatusLine
        b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70000 + b"\r\n\r\n",  # LineTooLong
    ],
    ids=["incomplete-read", "bad-status-line", "line-too-long"],
)
def test_a_broken_http_answer_counts_as_unavailable(settings, answer):
    calls = []

    def broken(conn):
        calls.append(1)
        conn.sendall(answer)

    with raw_server(broken) as url:
        source = _http(settings, url, RETRIES=1)
        with pytest.raises(ExchangeUnavailableError):
            source.lookup(QUERY)
    assert len(calls) == 2  # tried again


# 3. A new applicant on the draft: the previous one's data no longer counts ------------------


def test_changing_the_applicant_forgets_the_previous_applicants_data(card_matter, window_clerk):
    from tests.windows.helpers import applicant_data

    web = Client()
    web.force_login(window_clerk)
    web.post(
        f"/desk/new/?matter={card_matter.code}",
        applicant_data(id_number=id_number("305"), data_consent="on"),
    )
    case = Case.objects.get()
    assert _statuses(case)["居民户口簿"] == MaterialStatus.SATISFIED_BY_DATA
    materials_in = case.materials_in

    # The phone alone changes: nothing is forgotten.
    same = services.Applicant(
        kind="person", name=case.applicant_name, phone=make_mobile(), id_number=id_number("305")
    )
    services.case_update_details(case=case, by=window_clerk, applicant=same)
    assert _statuses(Case.objects.get())["居民户口簿"] == MaterialStatus.SATISFIED_BY_DATA

    other = services.Applicant(
        kind="person", name="另一人", phone=make_mobile(), id_number=id_number("309")
    )
    services.case_update_details(case=case, by=window_clerk, applicant=other)

    case = Case.objects.get()
    statuses = _statuses(case)
    assert statuses["居民户口簿"] == statuses["结婚证"] == MaterialStatus.MISSING
    assert case.materials_in == materials_in - 2
    # The log keeps the fact of the lookups, not the previous applicant's data.
    assert case.data_lookups.count() == 2
    assert all(s == {} for s in case.data_lookups.values_list("snapshot", flat=True))
    answer = _client(window_clerk).get(f"/api/v1/cases/{case.number}/").json()
    assert all(m["data"] is None for m in answer["materials"])


def test_the_identity_change_hook_runs_only_when_the_identity_changes(
    card_matter, window_clerk, monkeypatch
):
    seen = []
    monkeypatch.setattr(satisfiers, "_identity_changes", [*satisfiers._identity_changes])
    satisfiers.register_identity_change(lambda case: seen.append(case.applicant_identity))
    applicant = services.Applicant(
        kind="person", name="甲", phone=make_mobile(), id_number=id_number("313")
    )
    from matters.models import Matter

    case = services.case_create(
        by=window_clerk, applicant=applicant, matter=Matter.objects.get(pk=card_matter.pk)
    )
    services.case_update_details(case=case, by=window_clerk, applicant=applicant)
    assert seen == []
    services.case_update_details(
        case=case,
        by=window_clerk,
        applicant=services.Applicant(
            kind="person", name="乙", phone=make_mobile(), id_number=id_number("314")
        ),
    )
    assert seen == [id_number("314")]


def test_submission_rechecks_that_the_data_is_the_applicants(known_citizen, card_matter):
    response = _client(known_citizen).post(
        "/api/v1/cases/", {"matter": card_matter.code, "consent": True}, format="json"
    )
    case = Case.objects.get(number=response.json()["number"])
    from tests.cases.conftest import pdf

    for material in case.materials.filter(status=MaterialStatus.MISSING):
        services.material_upload(
            case=case, by=known_citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    # The lookups were made for someone else than the case's applicant (e.g. an identity
    # changed behind the service's back).
    DataLookup.objects.filter(case=case).update(identity=id_number("315"))

    with pytest.raises(MissingMaterialsError):
        services.case_submit(case=case, by=known_citizen)
    statuses = _statuses(Case.objects.get(pk=case.pk))
    assert statuses["居民户口簿"] == statuses["结婚证"] == MaterialStatus.MISSING


# 4. The log survives a creation that fails afterwards ---------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_lookup_log_survives_a_failed_creation(known_citizen, card_matter, monkeypatch):
    def fail(case, found):
        raise RuntimeError("the paper could not be made")

    monkeypatch.setattr(exchange_services, "_found_listeners", [fail])
    applicant = services.Applicant(
        kind="person", name=known_citizen.name, phone=known_citizen.phone, id_number=KNOWN
    )

    with pytest.raises(RuntimeError):
        services.case_create(
            by=known_citizen, applicant=applicant, matter=card_matter, consent=True
        )

    assert not Case.objects.exists()
    lookups = list(DataLookup.objects.order_by("data_item__code"))
    assert [(x.data_item.code, x.outcome) for x in lookups] == [
        ("household", "found"),
        ("marriage", "found"),
    ]
    assert all(x.case_id is None and x.identity == KNOWN for x in lookups)
    assert all(x.by_id == known_citizen.pk and "社会保障卡申领" in x.purpose for x in lookups)
    # The person still sees the lookup.
    answer = _client(known_citizen).get("/api/v1/me/data-access/").json()
    assert answer["count"] == 2 and answer["results"][0]["case"] is None
    page = Client()
    page.force_login(known_citizen)
    assert page.get("/me/data-access/").status_code == 200


# 6. Supervisors see that the data was found, not what it says -------------------------------


def test_a_supervisor_does_not_see_the_snapshot(known_citizen, card_matter):
    response = _client(known_citizen).post(
        "/api/v1/cases/", {"matter": card_matter.code, "consent": True}, format="json"
    )
    number = response.json()["number"]
    own = next(m for m in response.json()["materials"] if m["name"] == "居民户口簿")
    assert own["data"]["fields"][0]["label"] == "户籍地址"
    case = Case.objects.get(number=number)
    from tests.cases.conftest import pdf

    for material in case.materials.filter(status=MaterialStatus.MISSING):
        services.material_upload(
            case=case, by=known_citizen, requirement_id=material.requirement_id, upload=pdf()
        )
    services.case_submit(case=case, by=known_citizen)

    supervisor = UserFactory(supervisor=True)
    answer = _client(supervisor).get(f"/api/v1/cases/{number}/")
    assert answer.status_code == 200, answer.json()
    household = next(m for m in answer.json()["materials"] if m["name"] == "居民户口簿")
    assert household["status"] == "satisfied_by_data"
    assert household["data"]["item"]["code"] == "household"
    assert household["data"]["fields"] is None
    assert "户籍地址" not in answer.content.decode()


# 7. An account from before identity kinds sees its own lookups ------------------------------


def test_an_old_account_without_a_kind_sees_its_lookups(known_citizen, card_matter):
    known_citizen.identity_kind = ""
    known_citizen.save(update_fields=["identity_kind"])
    response = _client(known_citizen).post(
        "/api/v1/cases/", {"matter": card_matter.code, "consent": True}, format="json"
    )
    assert response.status_code == 201, response.json()

    answer = _client(known_citizen).get("/api/v1/me/data-access/").json()
    assert answer["count"] == 2
    web = Client()
    web.force_login(known_citizen)
    assert "谁查询了我的数据" in web.get("/accounts/profile/").content.decode()


# 8. An empty record is not found -------------------------------------------------------------


class EmptySource:
    name = "empty"

    def lookup(self, query):
        return {
            "household": {"fields": []},
            "marriage": {"fields": [{"label": "婚姻状况", "value": "已婚"}]},
        }


def test_an_empty_record_is_not_found(settings, known_citizen, card_matter):
    settings.DATA_EXCHANGE = {**settings.DATA_EXCHANGE, "BACKEND": f"{__name__}.EmptySource"}
    response = _client(known_citizen).post(
        "/api/v1/cases/", {"matter": card_matter.code, "consent": True}, format="json"
    )
    assert response.status_code == 201, response.json()
    statuses = {m["name"]: m["status"] for m in response.json()["materials"]}
    assert statuses["居民户口簿"] == "missing"
    assert statuses["结婚证"] == "satisfied_by_data"
    outcomes = dict(DataLookup.objects.values_list("data_item__code", "outcome"))
    assert outcomes == {"household": "not_found", "marriage": "found"}
