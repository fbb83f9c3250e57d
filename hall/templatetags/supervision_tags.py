"""The supervision dashboard's one way of showing a rate (``hall.supervision.exports.percent``)."""

from django import template

from hall.supervision.exports import percent as format_percent

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """``0.6667`` → ``66.7%``; ``None`` → ``—``."""
    return format_percent(value)
