"""What Celery beat runs, and when (``CELERY_BEAT_SCHEDULE = BEAT_SCHEDULE`` in settings).

Times are the hall's (``CELERY_TIMEZONE``). Every entry expires before its next run, so that
while no worker is there the broker does not pile up copies of the same scan; each task is
safe to run twice anyway. Messages to people go out in office hours: the daily scans run in
the morning, the deadline scan hourly through the working day (a case turns yellow or red on
a new day, or when its clock restarts after a supplement).
"""

from celery.schedules import crontab

MINUTE = 60
HOUR = 60 * MINUTE

BEAT_SCHEDULE = {
    # The supervision dashboard's daily summary (exact for closed days), rebuilt nightly.
    "hall-refresh-supervision-summary": {
        "task": "hall.tasks.refresh_supervision_summary",
        "schedule": crontab(minute=0, hour=8),
        "options": {"expires": 12 * HOUR},
    },
    # Appointments: the reminder the working day before, and missed bookings as no-shows.
    "windows-appointment-reminders": {
        "task": "windows.tasks.send_appointment_reminders",
        "schedule": crontab(minute=0, hour=16),
        "options": {"expires": HOUR},
    },
    "windows-appointment-no-shows": {
        "task": "windows.tasks.mark_appointment_no_shows",
        "schedule": crontab(minute="*/15", hour="8-18"),
        "options": {"expires": 10 * MINUTE},
    },
    # Papers nobody downloaded yet are rendered by this sweep, a bounded batch per run.
    "documents-render-pending": {
        "task": "documents.tasks.render_pending_documents",
        "schedule": 5 * MINUTE,
        "options": {"expires": 4 * MINUTE},
    },
    # The outbox's safety net: notices left unsent (broker down at commit, worker lost,
    # retries due).
    "notices-sweep-outbox": {
        "task": "notices.tasks.sweep_outbox",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Courier tracking for the shipments still on their way.
    "delivery-poll-shipments": {
        "task": "delivery.tasks.poll_shipments",
        "schedule": 5 * MINUTE,
        "options": {"expires": 4 * MINUTE},
    },
    # 网上缴费: orders still open are checked with the payment platform; refunds resent.
    "payments-reconcile": {
        "task": "payments.tasks.reconcile_payments",
        "schedule": 5 * MINUTE,
        "options": {"expires": 4 * MINUTE},
    },
    # Yellow and red warnings to approvers and supervisors, once per case and colour.
    "hall-scan-deadlines": {
        "task": "hall.tasks.scan_deadlines",
        "schedule": crontab(minute=5, hour="8-18"),
        "options": {"expires": 50 * MINUTE},
    },
    # Online cases nobody answered within 5 working days are accepted (art. 32).
    "hall-deem-accepted": {
        "task": "hall.tasks.deem_accepted",
        "schedule": crontab(minute=30, hour=8),
        "options": {"expires": 12 * HOUR},
    },
    # Applicants whose deferred materials are due in 2 working days.
    "hall-remind-deferred-materials": {
        "task": "hall.tasks.remind_deferred_materials",
        "schedule": crontab(minute=0, hour=9),
        "options": {"expires": 12 * HOUR},
    },
    # Expired API tokens and spent password-reset codes are deleted.
    "accounts-purge-expired-credentials": {
        "task": "accounts.tasks.purge_expired_credentials",
        "schedule": crontab(minute=20, hour=8),
        "options": {"expires": 12 * HOUR},
    },
    # Departments whose bad-rating follow-ups are nearly due.
    "hall-remind-follow-ups": {
        "task": "hall.tasks.remind_follow_ups",
        "schedule": crontab(minute=10, hour=9),
        "options": {"expires": 12 * HOUR},
    },
}
