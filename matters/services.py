"""Operations that change the catalog: publish and retire matters and bundles."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import GuideError
from .guide import guide_problems
from .models import Bundle, CatalogStatus, Matter, MatterVersion
from .versions import guide_snapshot


def _keep_version(
    matter: Matter, *, by: AbstractBaseUser | None, effective_date: datetime.date | None
) -> bool:
    """Keep the guide of ``matter`` as a version unless it equals the last one kept.

    A changed guide gets the next version number (after the matter's own and every kept
    one), effective from ``effective_date``; an unchanged guide keeps its number and date.
    Return whether a new version was written. The caller saves ``matter``.
    """
    guide = guide_snapshot(matter)
    last = matter.versions.order_by("-version").first()
    if last is not None and last.guide == guide:
        matter.version = last.version
        matter.effective_date = last.effective_date or matter.effective_date
        return False
    if last is not None and matter.version <= last.version:
        matter.version = last.version + 1
    matter.effective_date = effective_date
    MatterVersion.objects.create(
        matter=matter,
        version=matter.version,
        guide=guide,
        effective_date=effective_date,
        published_by=by if by is not None and by.is_authenticated else None,
    )
    return True


@transaction.atomic
def matter_publish(
    *, matter: Matter, by: AbstractBaseUser | None, effective_date: datetime.date | None = None
) -> Matter:
    """Publish a matter's guide after checking it; raise ``GuideError`` listing every problem.

    The guide is kept as a version: a guide that differs from the last kept one becomes the
    next version (effective from ``effective_date`` or today); publishing an unchanged guide
    again keeps its version.
    """
    matter = Matter.objects.select_for_update(of=("self",)).get(pk=matter.pk)
    problems = guide_problems(matter)
    if problems:
        raise GuideError(problems)
    first = not matter.versions.exists()
    day = effective_date or (matter.effective_date if first else None) or timezone.localdate()
    _keep_version(matter, by=by, effective_date=day)
    matter.status = CatalogStatus.PUBLISHED
    matter.save(update_fields=["status", "version", "effective_date", "updated_at"])
    return matter


@transaction.atomic
def matter_version_keep(*, matter: Matter, by: AbstractBaseUser | None) -> Matter:
    """Keep a published guide as a version if it changed (a catalog import publishes so)."""
    matter = Matter.objects.select_for_update(of=("self",)).get(pk=matter.pk)
    # The import states each matter's effective date; it is kept as it is.
    if matter.status == CatalogStatus.PUBLISHED and _keep_version(
        matter, by=by, effective_date=matter.effective_date
    ):
        matter.save(update_fields=["version", "effective_date", "updated_at"])
    return matter


@transaction.atomic
def matter_retire(*, matter: Matter, by: AbstractBaseUser | None) -> Matter:
    """Withdraw a matter from the catalog (废止); its history stays."""
    matter = Matter.objects.select_for_update(of=("self",)).get(pk=matter.pk)
    matter.status = CatalogStatus.RETIRED
    matter.save(update_fields=["status", "updated_at"])
    return matter


@transaction.atomic
def matter_revise(*, matter: Matter, by: AbstractBaseUser | None) -> list[str]:
    """Re-check a published matter after an edit; return the problems found.

    A guide that still passes and changed becomes a new published version (a save that
    changed nothing keeps the version); one that fails goes back to draft, so that no broken
    guide stays in the catalog.
    """
    matter = Matter.objects.select_for_update(of=("self",)).get(pk=matter.pk)
    if matter.status != CatalogStatus.PUBLISHED:
        return []
    problems = guide_problems(matter)
    if problems:
        matter.status = CatalogStatus.DRAFT
        matter.save(update_fields=["status", "updated_at"])
        return problems
    if _keep_version(matter, by=by, effective_date=timezone.localdate()):
        matter.save(update_fields=["version", "effective_date", "updated_at"])
    return problems


@transaction.atomic
def bundle_publish(*, bundle: Bundle, by: AbstractBaseUser | None) -> Bundle:
    """Publish a bundle; every matter in it must be published already."""
    bundle = Bundle.objects.select_for_update(of=("self",)).get(pk=bundle.pk)
    matters = list(bundle.matters.all())
    problems = []
    if len(matters) < 2:
        problems.append(_("“一件事”至少包含两个事项。"))
    problems += [
        _("事项“%(m)s”尚未发布。") % {"m": matter.name}
        for matter in matters
        if matter.status != CatalogStatus.PUBLISHED
    ]
    if problems:
        raise GuideError(problems)
    bundle.status = CatalogStatus.PUBLISHED
    bundle.save(update_fields=["status"])
    return bundle
