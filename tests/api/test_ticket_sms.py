"""A ticket's mobile is typed at the kiosk by whoever stands there: the queue reminder SMS goes
to one mobile at most ``TICKET_SMS_PER_MOBILE_PER_DAY`` times a day, across tickets."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from notices.models import Channel, Notice
from tests.factories import BoardFactory
from tests.identities import make_mobile
from windows.services import ticket_take

pytestmark = pytest.mark.django_db


def near_sms(phone: str) -> int:
    return Notice.objects.filter(channel=Channel.SMS, template="ticket_near", address=phone).count()


def take_fourth(phone: str, *, letter: str) -> None:
    """A new board with three waiting, then a ticket for ``phone``: three ahead, so texted."""
    board = BoardFactory(letter=letter)
    for _ in range(3):
        ticket_take(board=board)
    APIClient(REMOTE_ADDR=f"10.9.9.{ord(letter)}").post(
        "/api/v1/tickets/", {"board": board.code, "phone": phone}, format="json"
    )


def test_a_mobile_gets_at_most_the_daily_number_of_reminders(settings):
    assert settings.TICKET_SMS_PER_MOBILE_PER_DAY == 3
    victim = make_mobile()
    for letter in "ABCDE":
        take_fourth(victim, letter=letter)

    assert near_sms(victim) == 3


def test_other_mobiles_are_not_held_up(settings):
    settings.TICKET_SMS_PER_MOBILE_PER_DAY = 1
    first, second = make_mobile(), make_mobile()
    take_fourth(first, letter="A")
    take_fourth(first, letter="B")
    take_fourth(second, letter="C")

    assert near_sms(first) == 1
    assert near_sms(second) == 1


def test_the_count_starts_again_the_next_day(settings):
    settings.TICKET_SMS_PER_MOBILE_PER_DAY = 1
    phone = make_mobile()
    take_fourth(phone, letter="A")
    Notice.objects.filter(address=phone).update(
        created_at=timezone.now() - datetime.timedelta(days=1)
    )
    take_fourth(phone, letter="B")

    assert near_sms(phone) == 2
