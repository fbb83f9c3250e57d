"""Admin index warning while the working calendar of this or next year is missing."""

from django import template
from django.utils import timezone

from matters.calendar import missing_years

register = template.Library()


@register.simple_tag
def missing_calendar_years() -> list[int]:
    """This year and next year, those not entered in full."""
    this_year = timezone.localdate().year
    return missing_years([this_year, this_year + 1])
