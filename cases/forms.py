"""Forms of the citizen's case pages. They check input only; ``cases.services`` decides.

The application form checks every field's format at once (ID numbers, credit codes, mobile
numbers, the courier address) so that the applicant sees every problem in one go; the
service validates again and any error it reports is shown next to the same field.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.identity import validate_credit_code, validate_id_number, validate_mobile
from accounts.models import IdentityKind, User
from matters.models import DeliveryMethod

from . import services
from .models import Case, Channel, RatingAbout, RatingScore

# The form field for each field name ``case_create`` / ``case_update_details`` report on.
SERVICE_FIELDS = {
    "applicant.kind": "applicant_kind",
    "applicant.name": "applicant_name",
    "applicant.id_number": "applicant_id_number",
    "applicant.credit_code": "applicant_credit_code",
    "applicant.phone": "applicant_phone",
    "agent.name": "agent_name",
    "agent.id_number": "agent_id_number",
    "agent.phone": "agent_phone",
    "delivery.method": "delivery_method",
    "delivery.receiver": "receiver",
    "delivery.phone": "receiver_phone",
    "delivery.province": "province",
    "delivery.city": "city",
    "delivery.district": "district",
    "delivery.address": "address",
    "delivery.hall": "pickup_hall",
}
COURIER_FIELDS = ("receiver", "receiver_phone", "province", "city", "district", "address")


def _text(label, *, max_length, required=False, autocomplete=None, help_text="", **attrs):
    widget_attrs = {"autocomplete": autocomplete or "off", **attrs}
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs=widget_attrs),
    )


class ApplicationForm(forms.Form):
    """The applicant (一表登记: filled from the profile, editable), an optional agent (代办)
    and how the result is delivered (only the methods the matter or bundle allows)."""

    applicant_kind = forms.ChoiceField(
        label=_("申请人类型"),
        choices=IdentityKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择申请人类型。")},
    )
    applicant_name = _text(_("申请人姓名/名称"), max_length=100, required=True, autocomplete="name")
    applicant_id_number = _text(
        _("身份证号码"),
        max_length=20,
        help_text=_("个人申请填写，18位居民身份证号码"),
        spellcheck="false",
    )
    applicant_credit_code = _text(
        _("统一社会信用代码"),
        max_length=20,
        help_text=_("企业申请填写，营业执照上的18位代码"),
        spellcheck="false",
    )
    applicant_phone = _text(
        _("联系电话"),
        max_length=20,
        required=True,
        autocomplete="tel",
        inputmode="tel",
        help_text=_("11位手机号码，用于接收办件进度短信"),
    )

    as_agent = forms.BooleanField(
        label=_("我是代办人，为他人申请"),
        required=False,
        help_text=_(
            "网上申请只能以本账户的身份申请。为他人申请的，请勾选此项并填写申请人信息，"
            "代办人为您本人，须上传申请人签署的授权委托书。"
        ),
    )
    agent_name = _text(_("代办人姓名"), max_length=100)
    agent_id_number = _text(_("代办人身份证号码"), max_length=20, spellcheck="false")
    # Only when creating, and only shown when a material can come from the data exchange.
    consent = forms.BooleanField(
        label=_("我同意本次办理通过政务数据共享平台查询我的相关信息，查到的材料免于提交"),
        required=False,
        help_text=_("每次查询都会留下记录，您可在“谁查询了我的数据”中查看。"),
    )
    agent_phone = _text(_("代办人手机号码"), max_length=20, inputmode="tel")

    delivery_method = forms.ChoiceField(
        label=_("送达方式"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("请选择结果送达方式。"),
            "invalid_choice": _("该事项不支持所选的送达方式。"),
        },
    )
    pickup_hall = forms.ChoiceField(
        label=_("领取网点"),
        required=False,
        help_text=_("可选择离您最近的网点领取结果（异地能办）；不选则在受理网点领取"),
    )
    receiver = _text(_("收件人"), max_length=50, autocomplete="shipping name")
    receiver_phone = _text(
        _("收件人手机号码"), max_length=20, autocomplete="shipping tel", inputmode="tel"
    )
    province = _text(_("省"), max_length=20, autocomplete="shipping address-level1")
    city = _text(_("市"), max_length=20, autocomplete="shipping address-level2")
    district = _text(_("区/县"), max_length=20, autocomplete="shipping address-level3")
    address = _text(
        _("详细地址"),
        max_length=200,
        autocomplete="shipping street-address",
        help_text=_("街道、小区、楼栋、门牌号"),
    )

    def __init__(self, *args, delivery_methods: list[str], user: User | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["delivery_method"].choices = [
            (method, DeliveryMethod(method).label) for method in delivery_methods
        ]
        if DeliveryMethod.PICKUP in delivery_methods:
            from halls.models import Hall

            halls = Hall.objects.filter(active=True, has_windows=True).order_by("order", "code")
            self.fields["pickup_hall"].choices = [("", _("受理网点（默认）"))] + [
                (hall.code, hall.name) for hall in halls
            ]

    @classmethod
    def initial_from_profile(cls, user: User, delivery_methods: list[str]) -> dict:
        """一表登记: the applicant as the profile knows them; the receiver is them too."""
        return {
            "applicant_kind": user.identity_kind or IdentityKind.PERSON,
            "applicant_name": user.name,
            "applicant_id_number": user.id_number,
            "applicant_credit_code": user.credit_code,
            "applicant_phone": user.phone,
            "delivery_method": delivery_methods[0] if delivery_methods else "",
            "receiver": user.name,
            "receiver_phone": user.phone,
        }

    @classmethod
    def initial_from_case(cls, case: Case) -> dict:
        """A saved draft's details, to edit them."""
        return {
            "applicant_kind": case.applicant_kind,
            "applicant_name": case.applicant_name,
            "applicant_id_number": case.applicant_id_number,
            "applicant_credit_code": case.applicant_credit_code,
            "applicant_phone": case.applicant_phone,
            "as_agent": case.channel == Channel.ONLINE and case.created_by_id != case.owner_id,
            "agent_name": case.agent_name,
            "agent_id_number": case.agent_id_number,
            "agent_phone": case.agent_phone,
            "delivery_method": case.delivery_method,
            "pickup_hall": case.pickup_hall.code if case.pickup_chosen else "",
            "receiver": case.receiver,
            "receiver_phone": case.receiver_phone,
            "province": case.province,
            "city": case.city,
            "district": case.district,
            "address": case.address,
        }

    def _fill_agent_from_account(self) -> None:
        """Declared agent: the account holder is the agent (their profile fills it in)."""
        if self.user is None or not self.cleaned_data.get("as_agent"):
            return
        for field, value in (
            ("agent_name", self.user.name),
            ("agent_id_number", self.user.id_number),
            ("agent_phone", self.user.phone),
        ):
            if not (self.cleaned_data.get(field) or "").strip():
                self.cleaned_data[field] = value

    def clean(self) -> dict:
        data = super().clean()
        self._fill_agent_from_account()
        kind = data.get("applicant_kind")
        if kind == IdentityKind.PERSON:
            self._check("applicant_id_number", validate_id_number, _("请填写身份证号码。"))
            data["applicant_credit_code"] = ""
        elif kind == IdentityKind.COMPANY:
            self._check(
                "applicant_credit_code", validate_credit_code, _("请填写统一社会信用代码。")
            )
            data["applicant_id_number"] = ""
        if data.get("applicant_phone"):
            self._check("applicant_phone", validate_mobile, "")

        if data.get("as_agent") and self.user is not None:
            own = self.user.credit_code if kind == IdentityKind.COMPANY else self.user.id_number
            typed = data.get(
                "applicant_credit_code" if kind == IdentityKind.COMPANY else "applicant_id_number"
            )
            if own and typed and own == typed:
                self.add_error("as_agent", _("您为本人申请，无需勾选代办。"))
        agent = [
            data.get(name, "").strip() for name in ("agent_name", "agent_id_number", "agent_phone")
        ]
        if any(agent):
            if not agent[0]:
                self.add_error("agent_name", _("请填写代办人姓名。"))
            self._check("agent_id_number", validate_id_number, _("请填写代办人身份证号码。"))
            self._check("agent_phone", validate_mobile, _("请填写代办人手机号码。"))

        if data.get("delivery_method") == DeliveryMethod.COURIER:
            for name in ("receiver", "province", "city", "district", "address"):
                if not (data.get(name) or "").strip():
                    self.add_error(
                        name,
                        _("快递送达须填写%(label)s。") % {"label": self.fields[name].label},
                    )
            self._check("receiver_phone", validate_mobile, _("快递送达须填写收件人手机号码。"))
        return data

    def _check(self, field: str, validator, required_message: str) -> None:
        value = (self.cleaned_data.get(field) or "").strip()
        if not value:
            if required_message:
                self.add_error(field, required_message)
            return
        try:
            self.cleaned_data[field] = validator(value)
        except ValidationError as error:
            self.add_error(field, error)

    def service_kwargs(self) -> dict:
        """``applicant``, ``agent`` and ``delivery`` for the create and update services."""
        data = self.cleaned_data
        agent = None
        if data.get("agent_name") or data.get("agent_id_number") or data.get("agent_phone"):
            agent = services.Agent(
                name=data["agent_name"],
                id_number=data["agent_id_number"],
                phone=data["agent_phone"],
            )
        courier = data["delivery_method"] == DeliveryMethod.COURIER
        return {
            "applicant": services.Applicant(
                kind=data["applicant_kind"],
                name=data["applicant_name"].strip(),
                phone=data["applicant_phone"],
                id_number=data.get("applicant_id_number") or "",
                credit_code=data.get("applicant_credit_code") or "",
            ),
            "agent": agent,
            "delivery": services.Delivery(
                method=data["delivery_method"],
                **(
                    {
                        "receiver": data["receiver"],
                        "phone": data["receiver_phone"],
                        "province": data["province"],
                        "city": data["city"],
                        "district": data["district"],
                        "address": data["address"],
                    }
                    if courier
                    else {"hall": data.get("pickup_hall") or ""}
                ),
            ),
        }

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Show what the service refused next to the form's own fields."""
        for key, messages in errors.items():
            field = SERVICE_FIELDS.get(key)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


class UploadForm(forms.Form):
    """One file for one requirement; its type and size are the service's to judge."""

    # A requirement id, or the power of attorney's material code (it has no requirement).
    requirement = forms.CharField(max_length=40, widget=forms.HiddenInput)
    file = forms.FileField(
        label=_("选择文件"),
        error_messages={
            "required": _("请选择要上传的文件。"),
            "empty": _("所选文件是空的，请重新选择。"),
            "missing": _("请选择要上传的文件。"),
        },
    )

    @staticmethod
    def limit_mb() -> int:
        return settings.MATERIAL_MAX_UPLOAD_BYTES // (1024 * 1024)


class WithdrawForm(forms.Form):
    """Why the applicant withdraws (kept in the case's history)."""

    reason = forms.CharField(
        label=_("撤回原因"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写撤回原因。")},
    )


class RatingForm(forms.Form):
    """The national five levels (好差评); a bad rating asks for the reason, to follow it up."""

    score = forms.TypedChoiceField(
        label=_("您对本次办理的评价"),
        coerce=int,
        choices=sorted(RatingScore.choices, key=lambda choice: -choice[0]),
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择评价等级。")},
    )
    comment = forms.CharField(
        label=_("意见和建议"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("选择“不满意”或“非常不满意”的，请写明原因，我们将在规定时限内回访整改。"),
    )
    about = forms.ChoiceField(
        label=_("不满意的是"),
        choices=RatingAbout.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("对部门审批结果不满意的由主办部门回访；对窗口服务不满意的由大厅管理方回访。"),
    )

    def clean(self) -> dict:
        data = super().clean()
        score = data.get("score")
        bad = score is not None and score <= RatingScore.DISSATISFIED
        if bad and not data.get("comment"):
            self.add_error("comment", _("请写明不满意的原因，以便整改。"))
        if bad and not data.get("about"):
            self.add_error("about", _("请选择不满意的是部门审批还是窗口服务。"))
        data["about"] = data.get("about") or RatingAbout.DECISION
        return data


class TrackForm(forms.Form):
    """Public tracking: the case number and the last 4 characters of the identity."""

    number = forms.CharField(
        label=_("办件编号"),
        max_length=20,
        help_text=_("受理回执或短信中的编号，如 20260310-00001"),
        error_messages={"required": _("请填写办件编号。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    id_last4 = forms.CharField(
        label=_("证件号码后四位"),
        min_length=4,
        max_length=4,
        help_text=_("申请人身份证号码或统一社会信用代码的最后4位"),
        error_messages={
            "required": _("请填写证件号码后四位。"),
            "min_length": _("请填写证件号码的最后4位。"),
            "max_length": _("请填写证件号码的最后4位。"),
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "size": 6}),
    )


class CommitmentForm(forms.Form):
    """The online 容缺 commitment: by when, and the applicant's confirmation."""

    due_date = forms.DateField(
        label=_("承诺补齐日期"),
        # ISO dates: a date input shows nothing for any other format.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        error_messages={
            "required": _("请选择承诺补齐的日期。"),
            "invalid": _("请输入有效的日期。"),
        },
    )
    agree = forms.BooleanField(
        label=_("我已阅读以上承诺，并保证按期补齐材料"),
        error_messages={"required": _("请阅读承诺内容并勾选确认。")},
    )
