"""The one after-commit enqueue (accounts/enqueue.py) every service hands its jobs to."""

import logging

import pytest
from django.db import transaction
from kombu.exceptions import OperationalError

from accounts.enqueue import enqueue_after_commit
from notices.tasks import send_notice


@pytest.fixture
def sent(monkeypatch):
    calls: list = []
    monkeypatch.setattr(send_notice, "delay", lambda *args: calls.append(args))
    return calls


@pytest.mark.django_db
def test_the_job_is_handed_over_only_when_the_transaction_commits(
    sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        enqueue_after_commit("notices.tasks.send_notice", 7)
        assert sent == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert sent == [(7,)]


@pytest.mark.django_db
def test_a_rolled_back_transaction_hands_over_nothing(sent, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue_after_commit(send_notice, 7)
        raise RuntimeError
    assert callbacks == [] and sent == []


@pytest.mark.django_db
def test_a_dead_broker_is_logged_and_the_row_left_to_its_sweep(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broker_down(*args):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(send_notice, "delay", broker_down)
    with (
        caplog.at_level(logging.WARNING, logger="accounts.enqueue"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        enqueue_after_commit(send_notice, 7)  # does not raise into the committed request
    assert "broker unavailable" in caplog.text and "(7,)" in caplog.text


def test_a_misspelt_task_fails_in_the_caller():
    with pytest.raises(ImportError):
        enqueue_after_commit("notices.tasks.send_notise", 7)
