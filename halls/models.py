"""The city's service network: the city centre, district and town centres and village points.

A hall (服务网点) is where a resident applies, collects a result or meets a helper: a
市民服务中心 (level ``city``), a district or town/street 便民服务中心 (``district``, ``town``)
or a village/community 代办点 (``village``). Windows, tickets, the kiosk, the board and
appointment slots belong to a hall; a case records the hall that took it in and the hall its
result is collected at.

Opening hours are a list of periods, each ``{"days": [1..7], "open": "HH:MM", "close":
"HH:MM", "note": ""}`` with ISO weekdays (1 = Monday); weekend duty days and 延时服务
evenings are periods like any other, with a note.
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from matters.models import Board


class HallLevel(models.TextChoices):
    CITY = "city", _("市级")
    DISTRICT = "district", _("区县级")
    TOWN = "town", _("乡镇（街道）级")
    VILLAGE = "village", _("村（社区）级")


# Highest first: a matter open to "town and up" is open to these levels' halls.
LEVEL_ORDER = (HallLevel.CITY, HallLevel.DISTRICT, HallLevel.TOWN, HallLevel.VILLAGE)

_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def validate_hours(value) -> None:
    """Opening hours: a list of ``{days, open, close, note}`` periods."""
    if not isinstance(value, list):
        raise ValidationError(_("办公时间须为时段列表。"))
    for period in value:
        if not isinstance(period, dict):
            raise ValidationError(_("办公时间须为时段列表。"))
        days = period.get("days")
        if (
            not isinstance(days, list)
            or not days
            or not all(isinstance(day, int) and 1 <= day <= 7 for day in days)
        ):
            raise ValidationError(_("每个时段须写明星期（1 为星期一，7 为星期日）。"))
        opens, closes = period.get("open", ""), period.get("close", "")
        if not (
            isinstance(opens, str)
            and isinstance(closes, str)
            and _TIME.match(opens)
            and _TIME.match(closes)
        ):
            raise ValidationError(_("时段的开始和结束时间须为 HH:MM。"))
        if closes <= opens:
            raise ValidationError(_("时段的结束时间须晚于开始时间。"))


class Hall(models.Model):
    """A place of the city's service network (服务网点)."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100, unique=True)
    level = models.CharField(_("层级"), max_length=10, choices=HallLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=30, blank=True)
    hours = models.JSONField(
        _("办公时间"),
        default=list,
        blank=True,
        validators=[validate_hours],
        help_text=_(
            '时段列表，如 [{"days": [1,2,3,4,5], "open": "09:00", "close": "17:00", "note": ""}]；'
            "星期 1 为星期一，周末值班和延时服务各为一个时段"
        ),
    )
    boards = models.ManyToManyField(
        Board, verbose_name=_("服务板块"), blank=True, related_name="halls"
    )
    has_windows = models.BooleanField(_("设有窗口"), default=True)
    has_queue = models.BooleanField(
        _("设有排队叫号"), default=True, help_text=_("村（社区）代办点一般只设代办员服务台")
    )
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("服务网点")
        verbose_name_plural = _("服务网点")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(has_queue=True, has_windows=False),
                name="hall_queue_needs_windows",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.has_queue and not self.has_windows:
            raise ValidationError({"has_queue": _("没有窗口的网点不能设排队叫号。")})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("上级网点不能是它自己。")})

    def open_at(self, moment: datetime.datetime) -> bool:
        """Whether the hall is open at ``moment`` (an aware time, read in the local zone)."""
        from django.utils import timezone

        local = timezone.localtime(moment)
        now = local.strftime("%H:%M")
        weekday = local.isoweekday()
        return any(
            weekday in period.get("days", ()) and period["open"] <= now < period["close"]
            for period in self.hours or ()
        )

    @property
    def is_city_centre(self) -> bool:
        return self.level == HallLevel.CITY and self.parent_id is None
