"""The materials locker (材料库, 一次提交、多次复用).

A material the window verified for an applicant when it accepted their case is kept for that
identity (ID number or credit code) as a ``LockerItem``, valid for the material type's
``locker_valid_days`` (or until the document's own expiry, when the clerk recorded an earlier
one). A later case of the same identity that needs the same material type takes it from the
locker (``satisfied_by_locker``; ``CaseMaterial.reused_from`` names the verified material and
its files are shared). The person may remove an item; an expired, removed or replaced item is
not used for new cases.
"""

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import IdentityKind
from cases.models import Case, CaseMaterial, MaterialFile, MaterialStatus
from halls.models import Hall
from matters.models import MaterialType


class LockerItemQuerySet(models.QuerySet):
    def current(self) -> "LockerItemQuerySet":
        """Not removed by the person and not replaced by a newer verification."""
        return self.filter(withdrawn_at__isnull=True, replaced_at__isnull=True)

    def sound(self) -> "LockerItemQuerySet":
        """Its source material still stands as the window checked it: not returned as
        inadequate by a reviewer (back to missing), nor replaced by an upload nobody checked;
        and it has an electronic copy a later case's reviewers can read."""
        return self.filter(
            source_material__status__in=(MaterialStatus.RECEIVED, MaterialStatus.VERIFIED),
            source_material__taken_in_at__isnull=False,
        ).filter(Exists(MaterialFile.objects.filter(material_id=OuterRef("source_material_id"))))

    def usable(self, today=None) -> "LockerItemQuerySet":
        """Current, sound and still valid today: what a new case may take."""
        return self.current().sound().filter(valid_until__gte=today or timezone.localdate())

    def of_identity(self, kind: str, identity: str) -> "LockerItemQuerySet":
        return self.filter(identity_kind=kind, identity=(identity or "").upper())


class LockerItem(models.Model):
    identity_kind = models.CharField(_("身份类型"), max_length=10, choices=IdentityKind.choices)
    # The applicant's ID number or unified social credit code, as on the case (upper case).
    identity = models.CharField(_("证件号码"), max_length=18)
    material_type = models.ForeignKey(
        MaterialType, verbose_name=_("材料"), on_delete=models.PROTECT, related_name="+"
    )
    source_case = models.ForeignKey(
        Case, verbose_name=_("核验办件"), on_delete=models.PROTECT, related_name="+"
    )
    # The verified material; its files are the item's files (stored privately with the case).
    source_material = models.OneToOneField(
        CaseMaterial, verbose_name=_("核验材料"), on_delete=models.PROTECT, related_name="+"
    )
    hall = models.ForeignKey(
        Hall,
        verbose_name=_("核验网点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("核验时间"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核验人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_until = models.DateField(_("有效期至"))
    withdrawn_at = models.DateTimeField(_("删除时间"), null=True, blank=True)
    # A newer verification of the same material for the same identity replaced this one: not
    # offered to new cases, still standing for the cases that took it.
    replaced_at = models.DateTimeField(_("被替换时间"), null=True, blank=True)

    objects = LockerItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("材料库条目")
        verbose_name_plural = _("材料库条目")
        ordering = ["-verified_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity_kind", "identity", "material_type"],
                condition=Q(withdrawn_at__isnull=True, replaced_at__isnull=True),
                name="locker_one_current_item",
            ),
        ]
        indexes = [
            # The person's locker, newest first; a case's lookup by identity and material.
            models.Index(
                fields=["identity_kind", "identity", "-verified_at", "-id"],
                condition=Q(withdrawn_at__isnull=True, replaced_at__isnull=True),
                name="locker_current_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.material_type_id} {self.valid_until}"

    def is_usable(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.withdrawn_at is None and self.replaced_at is None and self.valid_until >= today
