"""Template tags shared by every portal page: the hall's name and phone, the page language,
online-level stars and links that keep the current query string."""

from django import template
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def hall_name() -> str:
    """The service hall's name (``settings.HALL_NAME``)."""
    return settings.HALL_NAME


@register.simple_tag
def hall_phone() -> str:
    """The hall's consultation phone (``settings.HALL_PHONE``)."""
    return settings.HALL_PHONE


@register.simple_tag
def html_lang() -> str:
    """The BCP 47 tag for ``<html lang>``: ``zh-CN`` for Simplified Chinese."""
    language = get_language() or settings.LANGUAGE_CODE
    if language.lower() in {"zh-hans", "zh-cn", "zh"}:
        return "zh-CN"
    return language


@register.filter
def stars(level: int, total: int = 5) -> str:
    """``4`` → ``★★★★☆``: a visual only; pages put the level in words beside it."""
    try:
        level = max(0, min(int(level), total))
    except (TypeError, ValueError):
        return ""
    return "★" * level + "☆" * (total - level)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (``None`` or ``""`` drops one)."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for name, value in changes.items():
        if value is None or value == "":
            query.pop(name, None)
        else:
            query[name] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def has_role(user, role: str) -> bool:
    """``{% if user|has_role:"supervisor" %}``: whether a signed-in user has the role."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(role)
