"""Documents of cases (PDFs) and e-licences (电子证照).

Invariants held by the database:
- one document per case and kind (``document_unique_case_kind``): regenerating a document
  rewrites the same row and file, it never adds a second;
- a licence number is unique within its type; one licence per case and type;
- a verification code is unique (and unguessable: ``secrets.token_urlsafe``);
- a licence is never deleted, only revoked (the model and its queryset refuse to delete).

A document's ``context`` is the snapshot taken inside the transaction of the case event that
asked for it, with its hash (``snapshot_sha256``); the PDF is rendered from that snapshot on
its first download or by the sweep (``documents.services.papers``), so a late or repeated
render shows the facts of that moment and gives the same paper. A ``ready`` document's file
was rendered from the snapshot the row holds (both are written under the row's lock).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import IdentityKind
from cases.models import Case
from cases.storage import private_storage
from matters.models import LicenceType

from .exceptions import LicenceDeleteError


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("受理通知书")
    ONE_TIME_NOTICE = "one_time_notice", _("一次性告知书")
    SUPPLEMENT_NOTICE = "supplement_notice", _("补正通知书")
    REFUSAL = "refusal", _("不予受理通知书")
    COMMITMENT = "commitment", _("容缺受理承诺书")
    # Titled by the matter's kind (documents.decisions): 准予行政许可决定书, 行政确认决定书…
    DECISION = "decision", _("决定书")
    LICENCE = "licence", _("电子证照")
    DELIVERY_RECEIPT = "delivery_receipt", _("送达回证")
    DATA_CHECK = "data_check", _("数据核验单")
    PAYMENT_RECEIPT = "payment_receipt", _("电子缴费票据")


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("待生成")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


def document_path(document: "Document", filename: str) -> str:
    return f"documents/{document.case.number}/{document.kind}.pdf"


class Document(models.Model):
    """A PDF paper of a case, stored privately and served through a checked view."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("文书类型"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("标题"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=10, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    context = models.JSONField(_("内容快照"), default=dict)
    file = models.FileField(storage=private_storage, upload_to=document_path, blank=True)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    # The hash of ``context`` recorded with it at the case event; a render checks it first.
    snapshot_sha256 = models.CharField(_("快照摘要"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(_("生成次数"), default=0)
    error = models.TextField(_("错误"), blank=True)
    requested_at = models.DateTimeField(_("请求时间"), default=timezone.now)
    rendered_at = models.DateTimeField(_("生成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("文书")
        verbose_name_plural = _("文书")
        ordering = ["case_id", "requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="document_unique_case_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()}"


class LicenceStatus(models.TextChoices):
    VALID = "valid", _("有效")
    REVOKED = "revoked", _("已撤销")
    EXPIRED = "expired", _("已过期")


class LicenceQuerySet(models.QuerySet):
    def delete(self):
        raise LicenceDeleteError(_("电子证照不能删除，只能撤销。"))


class Licence(models.Model):
    """An e-licence (电子证照) issued on approval; signed (HMAC-SHA256) over its content with
    the key ``signature_key_id`` names (``documents.signing``)."""

    licence_type = models.ForeignKey(
        LicenceType, verbose_name=_("证照类型"), on_delete=models.PROTECT, related_name="licences"
    )
    number = models.CharField(_("证照编号"), max_length=40)
    holder_kind = models.CharField(
        _("持证主体类型"), max_length=10, choices=IdentityKind.choices, default=IdentityKind.PERSON
    )
    holder_id = models.CharField(
        _("持证主体代码"), max_length=18, db_index=True, help_text=_("身份证号码或统一社会信用代码")
    )
    holder_name = models.CharField(_("持证主体"), max_length=100)
    scope = models.TextField(_("许可范围"))
    issued_on = models.DateField(_("发证日期"))
    valid_until = models.DateField(_("有效期至"), null=True, blank=True, help_text=_("空为长期"))
    issuing_department = models.CharField(_("发证机关"), max_length=100)
    case = models.ForeignKey(
        Case, verbose_name=_("办件"), on_delete=models.PROTECT, related_name="licences"
    )
    document = models.OneToOneField(
        Document,
        verbose_name=_("证照文件"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licence",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=LicenceStatus.choices, default=LicenceStatus.VALID
    )
    verification_code = models.CharField(_("核验码"), max_length=64, unique=True)
    signature = models.CharField(_("签名"), max_length=64)
    signature_key_id = models.CharField(
        _("签名密钥编号"), max_length=32, help_text=_("LICENCE_SIGNING_KEYS 中签名所用密钥的编号")
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(_("撤销理由"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LicenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("电子证照")
        verbose_name_plural = _("电子证照")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence_type", "number"], name="licence_unique_number_in_type"
            ),
            models.UniqueConstraint(
                fields=["case", "licence_type"], name="licence_unique_case_type"
            ),
        ]
        indexes = [models.Index(fields=["holder_id", "licence_type", "status"])]

    def __str__(self) -> str:
        return f"{self.licence_type.name} {self.number}"

    def delete(self, *args, **kwargs):
        """Never: an issued licence stays on record; revoke it instead (``licence_revoke``)."""
        raise LicenceDeleteError(_("电子证照不能删除，只能撤销。"))
