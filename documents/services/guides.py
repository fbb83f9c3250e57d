"""Printable guides (办事指南) of published matters."""

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from matters.models import Matter

from ..pdf import qr_img, render_pdf
from ._common import cn_date


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
            "reviewing_departments": list(matter.reviewing_departments.all()),
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
