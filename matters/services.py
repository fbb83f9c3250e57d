"""Operations that change the catalog: publish and retire matters and bundles."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import GuideError
from .guide import guide_problems
from .models import Bundle, CatalogStatus, Matter


@transaction.atomic
def matter_publish(
    *, matter: Matter, by: AbstractBaseUser | None, effective_date: datetime.date | None = None
) -> Matter:
    """Publish a matter's guide after checking it; raise ``GuideError`` listing every problem.

    Publishing an already-published matter again re-checks it and bumps its version.
    """
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    problems = guide_problems(matter)
    if problems:
        raise GuideError(problems)
    if matter.status == CatalogStatus.PUBLISHED or matter.status == CatalogStatus.RETIRED:
        matter.version += 1
    matter.status = CatalogStatus.PUBLISHED
    matter.effective_date = effective_date or matter.effective_date or timezone.localdate()
    matter.save(update_fields=["status", "version", "effective_date", "updated_at"])
    return matter


@transaction.atomic
def matter_retire(*, matter: Matter, by: AbstractBaseUser | None) -> Matter:
    """Withdraw a matter from the catalog (废止); its history stays."""
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    matter.status = CatalogStatus.RETIRED
    matter.save(update_fields=["status", "updated_at"])
    return matter


@transaction.atomic
def matter_revise(*, matter: Matter, by: AbstractBaseUser | None) -> list[str]:
    """Re-check a published matter after an edit; return the problems found.

    A guide that still passes becomes a new published version; one that fails goes back to
    draft, so that no broken guide stays in the catalog.
    """
    matter = Matter.objects.select_for_update().get(pk=matter.pk)
    if matter.status != CatalogStatus.PUBLISHED:
        return []
    problems = guide_problems(matter)
    if problems:
        matter.status = CatalogStatus.DRAFT
        matter.save(update_fields=["status", "updated_at"])
    else:
        matter.version += 1
        matter.effective_date = timezone.localdate()
        matter.save(update_fields=["version", "effective_date", "updated_at"])
    return problems


@transaction.atomic
def bundle_publish(*, bundle: Bundle, by: AbstractBaseUser | None) -> Bundle:
    """Publish a bundle; every matter in it must be published already."""
    bundle = Bundle.objects.select_for_update().get(pk=bundle.pk)
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
