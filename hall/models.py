"""Tables of the hall package: the supervision dashboard's daily summary.

``SupervisionDaily`` holds, per day and grain (intake hall × lead department × matter or
bundle), the counts and sums the dashboard adds up (see ``hall.supervision.selectors``): received
cases by their submission day, decided ones by their decision day, ratings by their day. It is
derived data, rebuilt by ``hall.supervision.summary.supervision_summary_refresh``;
``SupervisionSummaryState`` records which days it covers, and the dashboard reads every other day
from the cases. ``SupervisionRollupDaily`` holds the same counts summed over the halls, and
summed per hall, for the dashboard without a filter (most of the time).
``SupervisionOpenFollowUps`` counts the follow-ups open at the last refresh;
``SupervisionPeopleDaily`` holds the figures per window and staff member the same way.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SupervisionDaily(models.Model):
    """One day's supervision figures for one intake hall, lead department and matter (or
    bundle)."""

    day = models.DateField(_("日期"), db_index=True)
    hall = models.ForeignKey(
        "halls.Hall", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lead_department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+"
    )
    matter = models.ForeignKey(
        "matters.Matter", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    bundle = models.ForeignKey(
        "matters.Bundle", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    received = models.PositiveIntegerField(default=0)
    instant_received = models.PositiveIntegerField(default=0)
    decided = models.PositiveIntegerField(default=0)
    one_trip = models.PositiveIntegerField(default=0)
    zero_trip = models.PositiveIntegerField(default=0)
    promise_kept = models.PositiveIntegerField(default=0)
    exceptions = models.PositiveIntegerField(default=0)
    steps = models.PositiveIntegerField(default=0)
    trips = models.PositiveIntegerField(default=0)
    brought = models.PositiveIntegerField(default=0)
    required = models.PositiveIntegerField(default=0)
    by_licence = models.PositiveIntegerField(default=0)
    by_data = models.PositiveIntegerField(default=0)
    by_locker = models.PositiveIntegerField(default=0)
    timed = models.PositiveIntegerField(default=0)
    working_days = models.IntegerField(default=0)
    committed_days = models.PositiveIntegerField(default=0)
    legal_days = models.PositiveIntegerField(default=0)
    with_deadline = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    good_ratings = models.PositiveIntegerField(default=0)
    helped = models.PositiveIntegerField(default=0)
    home_visits = models.PositiveIntegerField(default=0)
    cross_pickups = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("监察日汇总")
        verbose_name_plural = _("监察日汇总")
        ordering = ["day", "id"]

    def __str__(self) -> str:
        return f"{self.day} {self.lead_department_id}/{self.matter_id or self.bundle_id}"


# A ``SupervisionDaily`` row's grain; every other column is a count, summed by the tables below.
DAILY_GRAIN = ("id", "day", "hall", "lead_department", "matter", "bundle")


def _with_daily_counts(model: type[models.Model]) -> type[models.Model]:
    """Give ``model`` every count column of ``SupervisionDaily``: a count added there is summed
    here as well, by construction."""
    for daily_field in SupervisionDaily._meta.local_concrete_fields:
        if daily_field.name not in DAILY_GRAIN:
            model.add_to_class(daily_field.name, daily_field.clone())
    return model


@_with_daily_counts
class SupervisionRollupDaily(models.Model):
    """``SupervisionDaily`` summed over part of its grain, for the dashboard without a
    department, board, matter or hall filter (most of the time): a few times fewer rows.

    A row summed over the intake halls (``per_hall`` off, ``hall`` empty) is one day's figures
    per lead department and matter (or bundle): the total and the tables per department,
    board and matter. A row summed over departments, matters and bundles (``per_hall`` on,
    those empty) is one day's figures per intake hall (an empty hall: applied online, not
    taken in yet): the tables per hall and level. Every case is counted once in each kind.

    A ``month`` row is the sum of a month's day rows of its kind and grain (``day``: the first
    of the month): a year's range reads twelve of them and the days of its partial months.
    """

    day = models.DateField(_("日期"), db_index=True)
    per_hall = models.BooleanField(default=False)
    month = models.BooleanField(default=False)
    hall = models.ForeignKey(
        "halls.Hall", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lead_department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    matter = models.ForeignKey(
        "matters.Matter", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    bundle = models.ForeignKey(
        "matters.Bundle", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("监察汇总日合计")
        verbose_name_plural = _("监察汇总日合计")
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["month", "day"], name="sv_rollup_month_day_idx")]

    def __str__(self) -> str:
        if self.per_hall:
            return f"{self.day}{' month' if self.month else ''} hall {self.hall_id}"
        return f"{self.day} {self.lead_department_id}/{self.matter_id or self.bundle_id}"


class SupervisionSummaryState(models.Model):
    """The days ``SupervisionDaily`` covers, as one closed range (one row at most)."""

    covered_from = models.DateField()
    covered_to = models.DateField()
    refreshed_at = models.DateTimeField(auto_now=True)
    # When ``SupervisionOpenFollowUps`` was counted, and the last follow-up it could see: the
    # dashboard adds the follow-ups created since and takes off those closed since.
    followups_counted_at = models.DateTimeField(null=True, blank=True)
    followups_last_id = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("监察汇总状态")
        verbose_name_plural = _("监察汇总状态")

    def __str__(self) -> str:
        return f"{self.covered_from} .. {self.covered_to}"


class SupervisionOpenFollowUps(models.Model):
    """Bad-rating follow-ups open when the summary was last refreshed, per grain.

    Open follow-ups are a count of now, whatever the date range; counting them from the cases
    means one case row per open follow-up, which grows with the hall's history.
    """

    hall = models.ForeignKey(
        "halls.Hall", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lead_department = models.ForeignKey(
        "accounts.Department", on_delete=models.CASCADE, related_name="+"
    )
    matter = models.ForeignKey(
        "matters.Matter", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    bundle = models.ForeignKey(
        "matters.Bundle", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    open = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("监察未办结整改")
        verbose_name_plural = _("监察未办结整改")

    def __str__(self) -> str:
        return f"{self.lead_department_id}/{self.matter_id or self.bundle_id}: {self.open}"


class SupervisionPeopleDaily(models.Model):
    """One day's figures per window or per staff member (对窗口工作人员重点考核), per grain.

    A row is a window's (``window`` set: its tickets of the day, and the ratings given that day
    of cases it served), a staff member's (``user`` set: the trips they served, the tickets they
    called, and the ratings given that day of cases they served) or a hall's (``hall`` set:
    every ticket taken there). ``board`` is
    the ticket's board for ticket counts and the matter's board otherwise (what the board filter
    reads); lead department, matter and bundle are the case's (empty for a ticket without one).

    A case counted once over a range (``cases``) needs to know whether the same window or clerk
    served it before within the range: ``previous`` is the day they last did (before this trip
    or ticket), so the figure for any range is the rows with no ``previous`` or one before it.
    """

    day = models.DateField(_("日期"), db_index=True)
    window = models.ForeignKey(
        "windows.Window", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    # A hall's row: every ticket taken there (the queue per hall).
    hall = models.ForeignKey(
        "halls.Hall", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    board = models.ForeignKey(
        "matters.Board", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    lead_department = models.ForeignKey(
        "accounts.Department", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    matter = models.ForeignKey(
        "matters.Matter", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    bundle = models.ForeignKey(
        "matters.Bundle", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    previous = models.DateField(null=True, blank=True)
    # The same counts summed over board, department, matter and bundle (those columns empty):
    # what the dashboard reads when it is not filtered by them, a few rows a day per window and
    # clerk instead of one per matter they served.
    whole = models.BooleanField(default=False)
    # Staff rows: trips served.
    visits = models.PositiveIntegerField(default=0)
    # Window rows: tickets there, those linked to a case, those called and served, and the
    # waits of those called (sum, in ``wait``).
    tickets = models.PositiveIntegerField(default=0)
    case_tickets = models.PositiveIntegerField(default=0)
    called = models.PositiveIntegerField(default=0)
    served = models.PositiveIntegerField(default=0)
    # Staff rows: tickets called (each once) and calls (a ticket recalled counts again), with
    # the wait of the ticket at each call (sum).
    tickets_called = models.PositiveIntegerField(default=0)
    calls = models.PositiveIntegerField(default=0)
    wait = models.DurationField(default=datetime.timedelta(0))
    ratings = models.PositiveIntegerField(default=0)
    good_ratings = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("监察窗口人员日汇总")
        verbose_name_plural = _("监察窗口人员日汇总")
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["whole", "day"], name="sv_people_whole_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} window {self.window_id} / user {self.user_id}"
