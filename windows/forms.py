"""Desk forms: they check the input only; the services decide."""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.identity import validate_credit_code, validate_id_number, validate_mobile
from accounts.language import recorded
from accounts.models import IdentityKind
from cases.models import SATISFIED, CaseMaterial, MaterialStatus, RatingScore
from cases.services import Agent, Applicant, Delivery
from matters.models import DeliveryMethod, MaterialForm

from .services import (
    DEFERRED,
    MAX_COPIES,
    MISSING,
    NOT_APPLICABLE,
    RECEIVABLE_FORMS,
    RECEIVED,
    ChecklistMark,
)


def _text(label, *, required: bool = True, max_length: int = 100, **attrs) -> forms.CharField:
    widget_attrs = {"autocomplete": "off", **attrs}
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.TextInput(attrs=widget_attrs),
    )


class ServiceErrorsMixin:
    """Put a service's ``ValidationError`` next to the fields it names ("applicant.name" …)."""

    service_fields: dict[str, str] = {}

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for key, messages in error.message_dict.items():
            field = self.service_fields.get(key, key)
            self.add_error(field if field in self.fields else None, messages)


class ApplicantForm(ServiceErrorsMixin, forms.Form):
    """Who applies at the window: person or company, an optional agent, and delivery."""

    kind = forms.ChoiceField(
        label=_("申请人类型"),
        choices=IdentityKind.choices,
        initial=IdentityKind.PERSON,
        widget=forms.RadioSelect,
    )
    name = _text(_("姓名/名称"))
    id_number = _text(_("身份证号码"), required=False, max_length=25, inputmode="text")
    # PIPL: the clerk records the applicant's consent before the exchange is asked.
    data_consent = forms.BooleanField(label=_("申请人已同意查询共享数据"), required=False)
    credit_code = _text(_("统一社会信用代码"), required=False, max_length=25)
    phone = _text(_("手机号码"), max_length=20, inputmode="tel")
    agent_name = _text(_("代办人姓名"), required=False)
    agent_id_number = _text(_("代办人身份证号码"), required=False, max_length=25)
    agent_phone = _text(_("代办人手机号码"), required=False, max_length=20, inputmode="tel")
    delivery_method = forms.ChoiceField(
        label=_("送达方式"), choices=DeliveryMethod.choices, widget=forms.RadioSelect
    )
    pickup_hall = forms.ChoiceField(label=_("领取网点"), required=False)
    receiver = _text(_("收件人"), required=False, max_length=50)
    receiver_phone = _text(_("收件电话"), required=False, max_length=20, inputmode="tel")
    province = _text(_("省"), required=False, max_length=20)
    city = _text(_("市"), required=False, max_length=20)
    district = _text(_("区/县"), required=False, max_length=20)
    address = _text(_("详细地址"), required=False, max_length=200)

    service_fields = {
        "applicant.kind": "kind",
        "applicant.name": "name",
        "applicant.id_number": "id_number",
        "applicant.credit_code": "credit_code",
        "applicant.phone": "phone",
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

    def __init__(self, *args, delivery_methods: list[str], pickup_halls=(), **kwargs):
        super().__init__(*args, **kwargs)
        # 异地能办: the result may wait at any hall with windows (default: this desk's).
        self.fields["pickup_hall"].choices = [(hall.code, hall.name) for hall in pickup_halls]
        field = self.fields["delivery_method"]
        field.choices = [(v, label) for v, label in DeliveryMethod.choices if v in delivery_methods]
        if field.choices:
            field.initial = field.choices[0][0]
        self.fields["name"].error_messages["required"] = _("请填写申请人姓名或名称。")
        self.fields["phone"].error_messages["required"] = _("请填写申请人手机号码。")

    def _check(self, field: str, validator) -> None:
        try:
            self.cleaned_data[field] = validator(self.cleaned_data.get(field, ""))
        except ValidationError as error:
            self.add_error(field, error)

    def clean(self):
        # Every identity error at once (the service stops at the first group it refuses).
        data = super().clean()
        if data.get("kind") == IdentityKind.COMPANY:
            if not data.get("credit_code"):
                self.add_error("credit_code", _("企业申请须填写统一社会信用代码。"))
            else:
                self._check("credit_code", validate_credit_code)
        elif data.get("kind") == IdentityKind.PERSON:
            if not data.get("id_number"):
                self.add_error("id_number", _("个人申请须填写身份证号码。"))
            else:
                self._check("id_number", validate_id_number)
        if data.get("phone"):
            self._check("phone", validate_mobile)
        if any(data.get(f) for f in ("agent_name", "agent_id_number", "agent_phone")):
            if not data.get("agent_name"):
                self.add_error("agent_name", _("请填写代办人姓名。"))
            self._check("agent_id_number", validate_id_number)
            self._check("agent_phone", validate_mobile)
        if data.get("delivery_method") == DeliveryMethod.COURIER:
            # The applicant receives the result unless someone else is named.
            data["receiver"] = data.get("receiver") or data.get("name", "")
            data["receiver_phone"] = data.get("receiver_phone") or data.get("phone", "")
            for field, label in (
                ("province", _("省")),
                ("city", _("市")),
                ("district", _("区/县")),
                ("address", _("详细地址")),
            ):
                if not data.get(field):
                    self.add_error(field, _("快递送达须填写%(label)s。") % {"label": label})
            if data.get("receiver_phone"):
                self._check("receiver_phone", validate_mobile)
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        person = data["kind"] == IdentityKind.PERSON
        agent = None
        if data.get("agent_name") or data.get("agent_id_number"):
            agent = Agent(
                name=data["agent_name"],
                id_number=data["agent_id_number"],
                phone=data["agent_phone"],
            )
        return {
            "applicant": Applicant(
                kind=data["kind"],
                name=data["name"],
                phone=data["phone"],
                id_number=data["id_number"] if person else "",
                credit_code="" if person else data["credit_code"],
            ),
            "agent": agent,
            "delivery": Delivery(
                method=data["delivery_method"],
                receiver=data.get("receiver", ""),
                phone=data.get("receiver_phone", ""),
                province=data.get("province", ""),
                city=data.get("city", ""),
                district=data.get("district", ""),
                address=data.get("address", ""),
                hall=data.get("pickup_hall", "")
                if data["delivery_method"] == DeliveryMethod.PICKUP
                else "",
            ),
        }


STATE_CHOICES = [
    (RECEIVED, _("已收取")),
    (MISSING, _("缺少")),
    (DEFERRED, _("容缺")),
    (NOT_APPLICABLE, _("不涉及")),
]
FORM_CHOICES = [(v, label) for v, label in MaterialForm.choices if v in RECEIVABLE_FORMS]
# For a material the applicant uploaded: the window takes in the files sent online.
ONLINE_FORM_CHOICE = (MaterialForm.ELECTRONIC, _("网上提交的电子材料"))

ACCEPT, DEFER, NOTICE, REJECT, SAVE, RESUBMIT = (
    "accept",
    "defer",
    "notice",
    "reject",
    "save",
    "resubmit",
)
ACTION_CHOICES = [
    (ACCEPT, _("受理")),
    (DEFER, _("容缺受理")),
    (NOTICE, _("一次性告知")),
    (REJECT, _("不予受理")),
    (SAVE, _("保存核对结果")),
    (RESUBMIT, _("补正收件")),
]
REASON_SUGGESTIONS = [
    _("未提供"),
    _("已过期"),
    _("不清晰"),
    _("信息不一致"),
    _("缺少签名或盖章"),
    _("份数不足"),
]


def _initial_state(material: CaseMaterial) -> str:
    if material.status in SATISFIED:
        return NOT_APPLICABLE  # a licence, shared data or the locker stands for it
    if material.status in (MaterialStatus.RECEIVED, MaterialStatus.VERIFIED):
        return RECEIVED
    if material.status == MaterialStatus.NOT_APPLICABLE or material.provided_for_applicant:
        return NOT_APPLICABLE
    if material.status == MaterialStatus.DEFERRED:
        return DEFERRED
    if material.reason:
        return MISSING
    if not material.required:
        return NOT_APPLICABLE
    return ""


class ChecklistRow:
    """One material with its bound fields, for the template."""

    def __init__(self, form: "ChecklistForm", material: CaseMaterial):
        self.material = material
        prefix = f"m{material.requirement_id}"
        self.state = form[f"{prefix}_state"]
        self.form = form[f"{prefix}_form"]
        self.copies = form[f"{prefix}_copies"]
        self.reason = form[f"{prefix}_reason"]
        self.file = form[f"{prefix}_file"]
        # 材料库: the document's own expiry, for a material the locker keeps.
        name = f"{prefix}_valid_until"
        self.valid_until = form[name] if name in form.fields else None
        self.errors = [
            *self.state.errors,
            *self.form.errors,
            *self.copies.errors,
            *self.reason.errors,
            *self.file.errors,
            *(self.valid_until.errors if self.valid_until is not None else []),
        ]

    @property
    def satisfied(self) -> bool:
        """An e-licence, shared data or the locker stands for it: nothing for the clerk to
        check or take in."""
        return self.material.status in SATISFIED

    @property
    def states(self) -> list[tuple[str, str]]:
        """The verdicts offered for this material: 容缺 only where the guide allows it."""
        offered = [RECEIVED, MISSING]
        if self.material.deferrable and not self.material.key:
            offered.append(DEFERRED)
        if not self.material.required:
            offered.append(NOT_APPLICABLE)
        return [(value, label) for value, label in STATE_CHOICES if value in offered]

    @property
    def value(self) -> str:
        return self.state.value() or ""


class ChecklistForm(forms.Form):
    """The checklist at the window and the decision on it (which button was pressed)."""

    action = forms.ChoiceField(choices=ACTION_CHOICES)
    due_date = forms.DateField(
        label=_("补齐日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    commitment_signed = forms.BooleanField(
        label=_("申请人已签署《容缺受理承诺书》"), required=False
    )
    note = forms.CharField(
        label=_("告知说明"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label=_("不予受理理由"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    in_person = forms.BooleanField(label=_("申请人在窗口（计一次跑动）"), required=False)

    def __init__(self, *args, materials: list[CaseMaterial], online: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.materials = materials
        # An online applicant commits online (the date is theirs); the clerk ticks nothing.
        self.online = online
        for material in materials:
            prefix = f"m{material.requirement_id}"
            name = material.material_type.name
            self.fields[f"{prefix}_state"] = forms.ChoiceField(
                label=_("%(m)s 核对结果") % {"m": name},
                choices=STATE_CHOICES,
                required=False,
                initial=_initial_state(material),
            )
            online = material.uploaded_online
            self.fields[f"{prefix}_form"] = forms.ChoiceField(
                label=_("%(m)s 收取形式") % {"m": name},
                choices=[ONLINE_FORM_CHOICE, *FORM_CHOICES] if online else FORM_CHOICES,
                required=False,
                initial=material.received_form
                if material.received_form in RECEIVABLE_FORMS or online
                else (
                    material.requirement.form
                    if material.requirement and material.requirement.form in RECEIVABLE_FORMS
                    else MaterialForm.ORIGINAL
                ),
            )
            self.fields[f"{prefix}_copies"] = forms.IntegerField(
                label=_("%(m)s 份数") % {"m": name},
                required=False,
                min_value=1,
                max_value=MAX_COPIES,
                initial=material.received_copies or material.copies,
                widget=forms.NumberInput(attrs={"class": "desk-copies"}),
            )
            self.fields[f"{prefix}_reason"] = forms.CharField(
                label=_("%(m)s 缺少原因") % {"m": name},
                required=False,
                max_length=300,
                initial=material.reason,
                widget=forms.TextInput(attrs={"list": "reason-suggestions", "autocomplete": "off"}),
            )
            self.fields[f"{prefix}_file"] = forms.FileField(
                label=_("%(m)s 扫描件") % {"m": name}, required=False
            )
            if material.material_type.locker_valid_days > 0:
                # Kept in the applicant's materials locker: until the document's own expiry
                # when it ends sooner than the catalog's days (选填).
                self.fields[f"{prefix}_valid_until"] = forms.DateField(
                    label=_("%(m)s 证件有效期至（选填）") % {"m": name},
                    required=False,
                    widget=forms.DateInput(attrs={"type": "date"}),
                )

    def rows(self) -> list[ChecklistRow]:
        return [ChecklistRow(self, material) for material in self.materials]

    def _state(self, material: CaseMaterial) -> str:
        return self.cleaned_data.get(f"m{material.requirement_id}_state") or ""

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in (ACCEPT, DEFER, NOTICE, RESUBMIT):
            for material in self.materials:
                field = f"m{material.requirement_id}_state"
                if (
                    material.required
                    and material.status not in SATISFIED  # a licence, data or the locker
                    and not self._state(material)
                    and field not in self.errors
                ):
                    self.add_error(field, _("请核对此项：已收取、缺少或容缺。"))
        for material in self.materials:
            copies = f"m{material.requirement_id}_copies"
            received = self._state(material) == RECEIVED
            if received and not data.get(copies) and copies not in self.errors:
                self.add_error(copies, _("请填写收取份数。"))
        for material in self.materials:
            field = f"m{material.requirement_id}_valid_until"
            day = data.get(field)
            received = self._state(material) == RECEIVED
            if day is not None and received and day <= timezone.localdate():
                self.add_error(field, _("证件已过期，不能作为有效材料收取。"))
        deferred = [m for m in self.materials if self._state(m) == DEFERRED]
        if action == DEFER and not deferred:
            self.add_error(None, _("容缺受理须至少选择一项“容缺”材料。"))
        if action in (ACCEPT, DEFER) and deferred and not self.online:
            due_date = data.get("due_date")
            if due_date is None and "due_date" not in self.errors:
                self.add_error("due_date", _("容缺受理须约定补齐日期。"))
            elif due_date is not None and due_date <= timezone.localdate():
                self.add_error("due_date", _("补齐日期须晚于今天。"))
            if not data.get("commitment_signed"):
                self.add_error(
                    "commitment_signed", _("容缺受理须由申请人签署承诺书，请确认后勾选。")
                )
        if action == NOTICE:
            missing = [m for m in self.materials if self._state(m) == MISSING]
            if not missing:
                self.add_error(None, _("一次性告知须至少将一项材料标为“缺少”。"))
            for material in missing:
                field = f"m{material.requirement_id}_reason"
                if not data.get(field, "").strip():
                    self.add_error(field, _("请填写缺少或需补正的原因。"))
        if action == REJECT and not data.get("reason", "").strip():
            self.add_error("reason", _("请填写不予受理的理由。"))
        return data

    def marks(self) -> list[ChecklistMark]:
        """The clerk's verdicts, one per material that has one."""
        marks = []
        for material in self.materials:
            prefix = f"m{material.requirement_id}"
            state = self.cleaned_data.get(f"{prefix}_state") or ""
            if not state:
                continue
            marks.append(
                ChecklistMark(
                    requirement_id=material.requirement_id,
                    state=state,
                    form=self.cleaned_data.get(f"{prefix}_form") or MaterialForm.ORIGINAL,
                    copies=self.cleaned_data.get(f"{prefix}_copies") or material.copies,
                    reason=self.cleaned_data.get(f"{prefix}_reason", ""),
                )
            )
        return marks

    def document_expiries(self) -> dict[int, datetime.date]:
        """Requirement id → the document's own expiry, for the materials received."""
        return {
            material.requirement_id: day
            for material in self.materials
            if self._state(material) == RECEIVED
            and (day := self.cleaned_data.get(f"m{material.requirement_id}_valid_until"))
        }

    def commitment_text(self) -> str:
        return recorded("申请人已签署《容缺受理承诺书》。")

    def add_service_errors(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for key, messages in error.message_dict.items():
            field = key if key in ("due_date", "reason", "note") else None
            if key == "valid_until":
                field = None
            self.add_error(field, messages)


class ReceiveDeferredForm(forms.Form):
    form = forms.ChoiceField(label=_("收取形式"), choices=FORM_CHOICES)
    copies = forms.IntegerField(label=_("份数"), min_value=1, max_value=MAX_COPIES, initial=1)


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("评价"),
        choices=RatingScore.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择评价等级。")},
    )
    comment = forms.CharField(
        label=_("意见（选填）"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InstantForm(forms.Form):
    opinion = forms.CharField(label=_("办结意见（选填）"), required=False, max_length=500)
