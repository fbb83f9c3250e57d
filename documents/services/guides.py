"""Printable guides (办事指南) of published matters."""

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from halls.availability import matter_places
from halls.hours import describe_hours
from halls.selectors import active_halls
from matters.checklist import options_of, questions_of
from matters.models import Matter

from ..pdf import in_papers_language, qr_img, render_pdf
from ._common import cn_date


def _intake_places(matter: Matter) -> list[str]:
    """Where the matter can be taken in, one line a hall: name, address, hours (Chinese)."""
    with in_papers_language():
        lines = []
        for hall in matter_places(matter, active_halls()):
            facts = "；".join(filter(None, [hall.address, *describe_hours(hall.hours)]))
            lines.append(f"{hall.name}（{facts}）" if facts else hall.name)
        return lines


def guide_pdf(matter: Matter) -> bytes:
    """The printable guide (办事指南) of a published matter, cached per version of the matter."""
    key = f"documents:guide:{matter.code}:{matter.version}:{matter.updated_at.timestamp()}"
    pdf = cache.get(key)
    if pdf is None:
        context = {
            "title": "办事指南",
            "hall": settings.HALL_NAME,
            "hall_phone": settings.HALL_PHONE,
            "matter": matter,
            "requirements": list(matter.requirements.all()),
            "steps": list(matter.steps.all()),
            # 情形引导: the questions with their options (prefetched by the detail queryset).
            "questions": [
                {"question": question, "options": options_of(question)}
                for question in questions_of(matter)
            ],
            "reviewing_departments": list(matter.reviewing_departments.all()),
            "intake_places": _intake_places(matter),
            "delivery_methods": [
                {"pickup": "窗口领取", "courier": "快递送达"}.get(m, m)
                for m in matter.delivery_methods or []
            ],
            "effective_date": cn_date(matter.effective_date),
            "printed_on": cn_date(timezone.localdate()),
            "guide_url": settings.SITE_URL + reverse("matters:matter-detail", args=[matter.code]),
        }
        context["qr"] = qr_img(context["guide_url"], size_mm=24)
        _html, pdf = render_pdf("pdf/guide.html", context)
        cache.set(key, pdf, 24 * 3600)
    return pdf
