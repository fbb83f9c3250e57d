"""Opening hours as people read them: 周一至周五 09:00–12:00."""

import functools

from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

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
    periods = tuple(
        (tuple(period["days"]), period["open"], period["close"], period.get("note") or "")
        for period in hours or ()
    )
    return list(_described(periods, get_language()))


@functools.lru_cache(maxsize=256)
def _described(periods: tuple, language: str | None) -> tuple[str, ...]:
    # Every paper and acceptance notice names its hall's hours: written once per hall's
    # schedule and language (the translations are the language's).
    lines = []
    for days, opens, closes, note in periods:
        line = f"{describe_days(list(days))} {opens}–{closes}"
        if note:
            line += _("（%(note)s）") % {"note": note}
        lines.append(line)
    return tuple(lines)
