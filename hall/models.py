"""Tables of the hall package: the supervision dashboard's daily summary.

``SupervisionDaily`` holds, per day and grain (lead department × matter or bundle), the counts
and sums the dashboard adds up (see ``hall.supervision.selectors``): received cases by their
submission day, decided ones by their decision day, ratings by their day. It is derived data,
rebuilt by ``hall.supervision.summary.supervision_summary_refresh``; ``SupervisionSummaryState``
records which days it covers, and the dashboard reads every other day from the cases.
``SupervisionOpenFollowUps`` counts the follow-ups open at the last refresh.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupervisionDaily(models.Model):
    """One day's supervision figures for one lead department and matter (or bundle)."""

    day = models.DateField(_("日期"), db_index=True)
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
    timed = models.PositiveIntegerField(default=0)
    working_days = models.IntegerField(default=0)
    committed_days = models.PositiveIntegerField(default=0)
    legal_days = models.PositiveIntegerField(default=0)
    with_deadline = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    good_ratings = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("监察日汇总")
        verbose_name_plural = _("监察日汇总")
        ordering = ["day", "id"]

    def __str__(self) -> str:
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
