"""Filters that end a quoted reason once: texts that end with what a person wrote ("理由：…")
must not print a doubled full stop when the writer already put one."""

from django import template

register = template.Library()

# A sentence may end with these as they are; trailing commas, semicolons and the like are not
# endings and give way to the full stop.
ENDINGS = "。！？!?…"
TRAILING = "。．.，,；;：:、 \t\r\n\u3000"


@register.filter
def clause(text) -> str:
    """The text without its closing punctuation, to sit inside a longer sentence."""
    return str(text or "").rstrip(TRAILING + ENDINGS)


@register.filter
def sentence(text) -> str:
    """The text ending in exactly one full stop (or its own ! or ?); empty stays empty."""
    stripped = str(text or "").rstrip(TRAILING)
    if not stripped:
        return ""
    if stripped[-1] in ENDINGS:
        return stripped
    return stripped + "。"
