"""Search helpers for the catalog: pinyin initials and the one search filter."""

from django.db.models import Q, QuerySet
from pypinyin import Style, lazy_pinyin


def pinyin_initials(text: str) -> str:
    """``不动产转移登记`` → ``bdczydj`` (letters and digits kept as they are, lower-case)."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(part for part in letters if part.isalnum()).lower()


def search_matters(queryset: QuerySet, term: str) -> QuerySet:
    """Filter matters by name, code or pinyin initials (case-insensitive substrings)."""
    term = (term or "").strip()
    if not term:
        return queryset
    query = Q(name__icontains=term) | Q(code__icontains=term)
    if term.isascii() and term.replace(" ", "").isalnum():
        query |= Q(pinyin_initials__contains=term.replace(" ", "").lower())
    return queryset.filter(query)
