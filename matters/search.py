"""Search helpers for the catalog: pinyin initials and the one search filter."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from pypinyin import Style, lazy_pinyin

MAX_WORDS = 5


def pinyin_initials(text: str) -> str:
    """``不动产转移登记`` → ``bdczydj`` (letters and digits kept as they are, lower-case)."""
    letters = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return "".join(part for part in letters if part.isalnum()).lower()


def search_words(term: str) -> list[str]:
    """The words of a query: split on any space (full-width too), at most a handful."""
    return (term or "").split()[:MAX_WORDS]


def _word_filter(word: str) -> Q:
    from .models import MaterialType, Requirement

    query = (
        Q(name__icontains=word)
        | Q(code__icontains=word)
        | Q(result_name__icontains=word)
        | Q(keywords__icontains=word)
        # Matters asking for a material of that name: one uncorrelated subquery (hashed once),
        # not a probe of the requirements for each matter.
        | Q(
            pk__in=Requirement.objects.filter(
                material_id__in=MaterialType.objects.filter(name__icontains=word).values("pk")
            ).values("matter_id")
        )
    )
    if word.isascii() and word.isalnum():
        query |= Q(pinyin_initials__contains=word.lower())
    return query


def search_matters(queryset: QuerySet, term: str) -> QuerySet:
    """Matters where every word of ``term`` is in the name, code, pinyin initials, result,
    keywords or a required material's name (case-insensitive substrings): ``公积金 提取`` finds
    住房公积金提取, ``营业执照`` the matters that issue one."""
    words = search_words(term)
    if not words:
        return queryset
    for word in words:
        queryset = queryset.filter(_word_filter(word))
    return queryset.annotate(search_rank=_rank(words))


def _rank(words: list[str]):
    """What a person most likely means first: every word in the name, then in the result or
    the keywords, then matters that only ask for a material of that name."""
    in_name = Q()
    in_result = Q()
    for word in words:
        in_name &= Q(name__icontains=word)
        in_result &= (
            Q(result_name__icontains=word) | Q(keywords__icontains=word) | Q(name__icontains=word)
        )
    return Case(
        When(in_name, then=Value(3)),
        When(in_result, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
