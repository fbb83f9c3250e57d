"""Appointment slots open on working days only, in one go for many boards and days."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import User
from matters.calendar import working_days_in
from tests.factories import BoardFactory
from windows.models import Slot
from windows.services import DEFAULT_SLOT_TIMES, slots_open_for_days

pytestmark = pytest.mark.django_db


def test_slots_open_on_working_days_only_and_twice_is_once():
    boards = [BoardFactory(), BoardFactory()]
    # National Day 2026: 1–7 October off, Saturday 10 October worked.
    start, end = dt.date(2026, 9, 30), dt.date(2026, 10, 10)
    created = slots_open_for_days(boards=boards, start=start, end=end, capacity=4)
    days = sorted(set(Slot.objects.values_list("date", flat=True)))
    assert days == [
        dt.date(2026, 9, 30),
        dt.date(2026, 10, 8),
        dt.date(2026, 10, 9),
        dt.date(2026, 10, 10),
    ]
    assert created == len(boards) * len(days) * len(DEFAULT_SLOT_TIMES)
    assert slots_open_for_days(boards=boards, start=start, end=end, capacity=4) == 0
    assert working_days_in(start, end) == days


def test_the_admin_refuses_a_slot_on_a_holiday(client):
    admin = User.objects.create_superuser("root", "root@example.gov.cn", "Demo#2026")
    client.force_login(admin)
    board = BoardFactory()
    response = client.post(
        reverse("admin:windows_slot_add"),
        {"board": board.pk, "date": "2026-10-02", "start": "09:00", "end": "10:00", "capacity": 5},
    )
    assert response.status_code == 200
    assert "须在工作日" in response.content.decode()
    assert not Slot.objects.exists()
