"""Opening hours as people read them: 周一至周五 09:00–12:00."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

WEEKDAY_NAMES = {
    1: gettext_lazy("周一"),
    2: gettext_lazy("周二"),
    3: gettext_lazy("周三"),
    4: gettext_lazy("周四"),
    5: gettext_lazy("周五"),
    6: gettext_lazy("周六"),
    7: gettext_lazy("周日"),
}


def describe_days(days: list[int]) -> str:
    """``[1, 2, 3, 4, 5]`` → 周一至周五; ``[6, 7]`` → 周六、周日; runs of three or more joined."""
    days = sorted(set(days))
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(
                _("%(first)s至%(last)s")
                % {"first": WEEKDAY_NAMES[run[0]], "last": WEEKDAY_NAMES[run[-1]]}
            )
        else:
            parts.extend(str(WEEKDAY_NAMES[day]) for day in run)
    return _("、").join(parts)


def describe_hours(hours: list[dict]) -> list[str]:
    """One line per period, in the order given."""
    lines = []
    for period in hours or ():
        line = f"{describe_days(period['days'])} {period['open']}–{period['close']}"
        if period.get("note"):
            line += _("（%(note)s）") % {"note": period["note"]}
        lines.append(line)
    return lines
