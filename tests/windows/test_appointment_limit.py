"""Appointments by board or by matter for a chosen day, and the per-person limit: one booking
per person per day and board (enforced in the service under a lock, also under concurrency)."""

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from matters.calendar import add_working_days
from tests.factories import BoardFactory, MatterFactory, UserFactory
from windows.exceptions import AppointmentError
from windows.models import Appointment, AppointmentStatus, Slot
from windows.services import appointment_book, appointment_cancel


def _day(n: int = 1) -> datetime.date:
    return add_working_days(timezone.localdate(), n)


def _slots(board, day, *hours, capacity=5):
    return [
        Slot.objects.create(
            board=board,
            date=day,
            start=datetime.time(hour),
            end=datetime.time(hour + 1),
            capacity=capacity,
        )
        for hour in hours
    ]


@pytest.fixture
def board(db):
    return BoardFactory(letter="A", code="realty", name="不动产登记")


def test_one_booking_per_person_per_day_and_board(board):
    other_board = BoardFactory(letter="B", code="business", name="商事登记")
    morning, afternoon = _slots(board, _day(), 9, 14)
    next_day = _slots(board, _day(2), 9)[0]
    elsewhere = _slots(other_board, _day(), 9)[0]
    citizen = UserFactory(citizen=True)

    appointment_book(slot=morning, by=citizen)
    with pytest.raises(AppointmentError) as refused:
        appointment_book(slot=afternoon, by=citizen)
    assert refused.value.code == "daily_limit"
    assert "不动产登记" in refused.value.detail
    # Another day, another board, another person: all allowed.
    appointment_book(slot=next_day, by=citizen)
    appointment_book(slot=elsewhere, by=citizen)
    appointment_book(slot=afternoon, by=UserFactory(citizen=True))
    assert Appointment.objects.filter(user=citizen).count() == 3


def test_a_cancelled_booking_frees_the_day(board):
    morning, afternoon = _slots(board, _day(), 9, 14)
    citizen = UserFactory(citizen=True)
    booked = appointment_book(slot=morning, by=citizen)
    appointment_cancel(appointment=booked, by=citizen)
    assert appointment_book(slot=afternoon, by=citizen).status == AppointmentStatus.BOOKED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_bookings_of_one_person_keep_the_daily_limit():
    board = BoardFactory(letter="C", code="social", name="社会事务")
    slots = _slots(board, _day(), 9, 10, 11, 13, 14, 15)
    citizen = UserFactory(citizen=True)
    barrier = threading.Barrier(len(slots))
    outcomes: list[str] = []

    def work(slot):
        try:
            barrier.wait()
            appointment_book(slot=slot, by=citizen)
            outcomes.append("booked")
        except AppointmentError as error:
            outcomes.append(error.code)
        except BaseException as error:
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(slot,)) for slot in slots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["daily_limit"] * 5
    assert Appointment.objects.filter(user=citizen).count() == 1


def test_the_page_refuses_a_second_booking_of_the_day_in_words(board, citizen):
    morning, afternoon = _slots(board, _day(), 9, 14)
    client = Client()
    client.force_login(citizen)
    day = _day().isoformat()
    first = client.post(
        "/appointments/", {"slot": morning.pk, "board": "realty", "date": day}, follow=True
    )
    assert first.redirect_chain[-1][0] == f"/appointments/?board=realty&date={day}"
    assert "预约成功" in first.content.decode()
    second = client.post(
        "/appointments/", {"slot": afternoon.pk, "board": "realty", "date": day}, follow=True
    )
    page = second.content.decode()
    assert "每人每天在同一板块限预约一次" in page
    assert Appointment.objects.filter(user=citizen).count() == 1
    # The booking made stays, with its code, in 我的预约.
    assert Appointment.objects.get(user=citizen).code in page


def test_slots_by_board_and_day_with_the_booking_window(board, citizen):
    _slots(board, _day(1), 9, 14)
    _slots(board, _day(3), 10)
    client = Client()
    client.force_login(citizen)
    page = client.get("/appointments/", {"board": "realty", "date": _day(3).isoformat()})
    html = page.content.decode()
    assert 'type="date"' in html
    assert f'min="{_day(1).isoformat()}"' in html and f'max="{_day(3).isoformat()}"' in html
    assert "10:00–11:00" in html and "09:00–10:00" not in html
    # No day given: the first day with open slots.
    html = client.get("/appointments/", {"board": "realty"}).content.decode()
    assert "09:00–10:00" in html and "14:00–15:00" in html
    assert f'value="{_day(1).isoformat()}"' in html


def test_slots_by_matter_show_its_board(board, citizen):
    matter = MatterFactory(code="estate-transfer", name="不动产转移登记", board=board)
    _slots(board, _day(), 9)
    client = Client()
    client.force_login(citizen)
    html = client.get("/appointments/", {"matter": matter.code}).content.decode()
    assert "“不动产转移登记”在不动产登记板块办理。" in html
    assert "09:00–10:00" in html


def test_a_day_outside_the_window_is_refused_under_the_date_field(board, citizen):
    _slots(board, _day(1), 9)
    client = Client()
    client.force_login(citizen)
    late = _day(1) + datetime.timedelta(days=60)
    html = client.get("/appointments/", {"board": "realty", "date": late.isoformat()})
    html = html.content.decode()
    assert 'id="id_date_error"' in html and "可预约" in html
    assert 'aria-invalid="true"' in html
    html = client.get("/appointments/", {"board": "realty", "date": "tomorrow"}).content.decode()
    assert "请按“年-月-日”选择日期。" in html


def test_appointments_page_queries_do_not_grow(board, citizen, django_assert_max_num_queries):
    client = Client()
    client.force_login(citizen)
    hours = (9, 10, 11, 13, 14, 15)
    for n in (1, 2):
        for slot in _slots(board, _day(n), *hours):
            appointment_book(slot=slot, by=UserFactory(citizen=True))
    for _n in range(5):
        MatterFactory(board=board)
    appointment_book(slot=Slot.objects.filter(date=_day(1)).first(), by=citizen)
    appointment_book(slot=Slot.objects.filter(date=_day(2)).first(), by=citizen)
    with django_assert_max_num_queries(12):
        response = client.get("/appointments/", {"board": "realty", "date": _day(2).isoformat()})
    assert response.status_code == 200
