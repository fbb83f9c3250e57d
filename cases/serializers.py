"""API shapes for cases and reviews (ARCHITECTURE.md's contract)."""

import copy
import datetime
from collections.abc import Callable
from types import SimpleNamespace

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import roles
from accounts.identity import mask_id_number, mask_name, mask_phone
from accounts.models import IdentityKind
from halls.serializers import HallRefSerializer, hall_ref

from .access import (
    is_applicant_account,
    is_applicant_side,
    is_approver,
    is_clerk,
    is_own_identity,
    is_staff_viewer,
    is_supervisor,
)
from .labels import role_label
from .models import (
    PAYABLE_STATUSES,
    POWER_OF_ATTORNEY_CODE,
    Case,
    CaseEvent,
    CaseStatus,
    MaterialStatus,
    RatingAbout,
    Review,
)
from .services import deadline_colour


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ApplicantInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=IdentityKind.choices)
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=30, required=False, allow_blank=True)
    credit_code = serializers.CharField(max_length=30, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20)


class AgentInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    id_number = serializers.CharField(max_length=30)
    phone = serializers.CharField(max_length=20)


class DeliveryInput(serializers.Serializer):
    method = serializers.ChoiceField(choices=["pickup", "courier"])
    receiver = serializers.CharField(max_length=50, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    province = serializers.CharField(max_length=20, required=False, allow_blank=True)
    city = serializers.CharField(max_length=20, required=False, allow_blank=True)
    district = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    hall = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text=_("领取网点编码（窗口领取时）；不填为受理网点，网上申请受理前为市民服务中心"),
    )


class CaseCreateInput(serializers.Serializer):
    matter = serializers.CharField(required=False, allow_blank=True)
    bundle = serializers.CharField(required=False, allow_blank=True)
    applicant = ApplicantInput(required=False)
    agent = AgentInput(required=False, allow_null=True)
    delivery = DeliveryInput(required=False)
    consent = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "申请人同意通过数据共享平台查询其共享数据（户籍、婚姻、不动产等），查到的材料免于提交"
        ),
    )
    answers = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        allow_null=True,
        help_text=_(
            "情形引导的回答 {问题编码: 选项取值}：只建所适用的材料。设有情形问题的事项在线申请须"
            "全部回答；窗口受理可不填，则按指南列出全部材料"
        ),
    )

    def validate_answers(self, value):
        # A blank answer is no answer (as on the web form): left out, not refused.
        if value is None:
            return None
        return {code: answer for code, answer in value.items() if answer.strip()}

    def validate(self, attrs):
        if bool(attrs.get("matter")) == bool(attrs.get("bundle")):
            raise serializers.ValidationError(
                {"matter": [_("请选择一个事项（matter）或一件事（bundle）。")]}
            )
        return attrs


class MaterialUploadInput(serializers.Serializer):
    """One file for a material: by its requirement id, or (for the power of attorney the hall
    adds to an agent's filing, which has no requirement) by its material code."""

    requirement = serializers.IntegerField(required=False)
    material = serializers.ChoiceField(choices=[POWER_OF_ATTORNEY_CODE], required=False)
    file = serializers.FileField()

    def validate(self, attrs):
        if ("requirement" in attrs) == ("material" in attrs):
            raise serializers.ValidationError(
                {"requirement": [_("请指定材料要求（requirement）或材料编码（material）之一。")]}
            )
        return attrs


class AcceptInput(serializers.Serializer):
    deferred = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    due_date = serializers.DateField(required=False, allow_null=True)
    commitment = serializers.CharField(required=False, allow_blank=True, default="")
    valid_until = serializers.DictField(
        child=serializers.DateField(),
        required=False,
        default=dict,
        help_text="材料库：{requirement id: 证件有效期至}，证件本身有效期早于默认期限时填写",
    )


class CommitmentInput(serializers.Serializer):
    due_date = serializers.DateField()


class SupplementInput(serializers.Serializer):
    # ``null`` names the power of attorney added to an agent's filing (it has no requirement).
    missing = serializers.ListField(
        child=serializers.IntegerField(allow_null=True), allow_empty=False
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField()


class FirstResponsibleInput(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    reason = serializers.CharField()


class WithdrawInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ShipInput(serializers.Serializer):
    # Empty: the courier integration asks the courier for the waybill.
    waybill = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class RatingInput(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    # A bad rating says what it is about: the department's decision or the window's service.
    about = serializers.ChoiceField(
        choices=RatingAbout.choices, required=False, default=RatingAbout.DECISION
    )


class OpinionInput(serializers.Serializer):
    opinion = serializers.CharField()
    missing = serializers.ListField(
        child=serializers.IntegerField(allow_null=True), required=False, default=list
    )


def _subject(case: Case) -> dict | None:
    return {"code": case.matter.code, "name": case.matter.name} if case.matter_id else None


def _bundle(case: Case) -> dict | None:
    return {"code": case.bundle.code, "name": case.bundle.name} if case.bundle_id else None


def applicant_data(case: Case, *, masked: bool) -> dict:
    identity = case.applicant_identity
    data = {
        "kind": case.applicant_kind,
        "name": mask_name(case.applicant_name)
        if masked and case.applicant_kind == IdentityKind.PERSON
        else case.applicant_name,
        "phone": mask_phone(case.applicant_phone) if masked else case.applicant_phone,
    }
    key = "credit_code" if case.applicant_kind == IdentityKind.COMPANY else "id_number"
    data[key] = mask_id_number(identity) if masked else identity
    return data


class FieldsBuiltOnce:
    """A ModelSerializer whose fields are built from the model once per class, then copied
    for each instance: building them again for every answer was half the time of serialising
    a case. Only for serializers whose fields never depend on the instance, the request or
    the context.

    A plain field is copied shallow (binding sets the copy's own name and parent; nothing
    else of it changes while it writes a value); DRF's deep copy built each one anew from its
    arguments, again most of the time of an answer. A nested serializer is copied deep."""

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built")
        if built is None:
            built = super().get_fields()
            type(self)._fields_built = built
        return {
            name: copy.deepcopy(field)
            if isinstance(field, serializers.BaseSerializer)
            else _shallow_copy(field)
            for name, field in built.items()
        }


def _shallow_copy(field: serializers.Field) -> serializers.Field:
    """``copy.copy(field)`` without the pickling protocol's round trip."""
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class CaseListSerializer(serializers.ModelSerializer):
    """A list row: personal data masked (lists never need it whole)."""

    matter = serializers.SerializerMethodField()
    bundle = serializers.SerializerMethodField()
    applicant = serializers.SerializerMethodField()
    status_label = serializers.CharField()
    trips = serializers.IntegerField()
    hall = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = (
            "number",
            "status",
            "status_label",
            "matter",
            "bundle",
            "applicant",
            "channel",
            "hall",
            "deadline",
            "trips",
            "created_at",
        )

    def get_matter(self, case) -> dict | None:
        return _subject(case)

    def get_bundle(self, case) -> dict | None:
        return _bundle(case)

    def get_applicant(self, case) -> dict:
        return applicant_data(case, masked=True)

    @extend_schema_field(HallRefSerializer(allow_null=True))
    def get_hall(self, case) -> dict | None:
        return hall_ref(case.hall)


_MATERIAL_FIELDS = (
    "requirement",
    "material",
    "name",
    "key",
    "required",
    "deferrable",
    "status",
    "due_date",
    "reason",
)


def _data_row(material) -> dict | None:
    """A material's finding in the data exchange as the answer's row holds it (the embedded
    database's path: the lookups prefetched with the materials)."""
    found = next(iter(material.data_lookups.all()), None)
    if found is None:
        return None
    return {
        "item": found.data_item.code,
        "item_name": found.data_item.name,
        "department": found.data_item.department.code,
        "department_name": found.data_item.department.name,
        "at": found.at.isoformat(),
        "fields": found.snapshot.get("fields", []),
    }


def _data_answer(row: dict | None) -> dict | None:
    """数据共享免提交: the item, its providing department, when it was looked up, and the
    snapshot of what came back."""
    if not row:
        return None
    return {
        "item": {"code": row["item"], "name": row["item_name"]},
        "department": {"code": row["department"], "name": row["department_name"]},
        "at": timezone.localtime(datetime.datetime.fromisoformat(row["at"])),
        "fields": [
            {"label": field.get("label", ""), "value": field.get("value", "")}
            for field in row.get("fields") or []
        ],
    }


class TransferSerializer(serializers.Serializer):
    """A batch of paper materials on its way between halls (物料流转)."""

    id = serializers.IntegerField()
    from_hall = HallRefSerializer()
    to_hall = HallRefSerializer()
    materials = serializers.ListField(child=serializers.DictField())
    sent_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField(allow_null=True)
    received = serializers.BooleanField()


class TransferListSerializer(serializers.Serializer):
    """A transfer on the receiving hall's desk: the case it belongs to and how long it has
    been on its way."""

    id = serializers.IntegerField()
    case = serializers.SerializerMethodField()
    from_hall = serializers.SerializerMethodField()
    to_hall = serializers.SerializerMethodField()
    materials = serializers.ListField(child=serializers.DictField())
    sent_at = serializers.DateTimeField()
    sent_by = serializers.SerializerMethodField()
    received_at = serializers.DateTimeField(allow_null=True)
    received = serializers.BooleanField()

    def get_case(self, transfer) -> dict:
        case = transfer.case
        return {"number": case.number, "title": case.title}

    @extend_schema_field(HallRefSerializer())
    def get_from_hall(self, transfer) -> dict:
        return hall_ref(transfer.from_hall)

    @extend_schema_field(HallRefSerializer())
    def get_to_hall(self, transfer) -> dict:
        return hall_ref(transfer.to_hall)

    def get_sent_by(self, transfer) -> str | None:
        return transfer.sent_by.display_name if transfer.sent_by_id else None


def transfer_row(transfer) -> dict:
    """A transfer as the answer's JSON rows have it (``case_answer_queryset``)."""
    return {
        "id": transfer.id,
        "from_code": transfer.from_hall.code,
        "from_name": transfer.from_hall.name,
        "to_code": transfer.to_hall.code,
        "to_name": transfer.to_hall.name,
        "materials": transfer.materials,
        "sent_at": transfer.sent_at,
        "received_at": transfer.received_at,
    }


def _reused_fields(material) -> dict:
    """The ``reused_*`` keys of a material row, from a model read without JSON rows."""
    source = material.reused_from
    hall = source.case.hall if source is not None else None
    return {
        "reused_case": source.case.number if source is not None else None,
        "reused_hall_code": hall.code if hall is not None else None,
        "reused_hall_name": hall.name if hall is not None else None,
        "reused_at": source.taken_in_at if source is not None else None,
    }


def _last_argument_url(name: str, number: str, sample, after: str) -> Callable[[object], str]:
    """``reverse(name, args=[number, value])`` for the many values (file ids, paper kinds: no
    quoting needed) of one case's answer, at the cost of one ``reverse`` (~0.1 ms each): the
    URL for ``sample`` with each value in its place, when the URL ends with it and ``after``."""
    url = reverse(name, args=[number, sample])
    end = f"{sample}{after}"
    if not url.endswith(end):
        return lambda value: reverse(name, args=[number, value])
    head = url[: -len(end)]
    return lambda value: f"{head}{value}{after}"


def _moment(value):
    """A time from a JSON row (a string) or a model (a datetime), in local time."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    return timezone.localtime(value)


class CaseAnswerSerializer(serializers.Serializer):
    """A question answered at filing (情形引导): its text and the answer's label, with the
    question's code and the option's value."""

    question = serializers.CharField()
    answer = serializers.CharField()
    code = serializers.CharField()
    value = serializers.CharField()


class CaseDetailSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    """One case for those allowed to see it; staff-internal notes only for staff."""

    matter = serializers.SerializerMethodField()
    bundle = serializers.SerializerMethodField()
    applicant = serializers.SerializerMethodField()
    agent = serializers.SerializerMethodField()
    delivery = serializers.SerializerMethodField()
    status_label = serializers.CharField()
    trips = serializers.SerializerMethodField()
    deadline_colour = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    shipment = serializers.SerializerMethodField()
    payment = serializers.SerializerMethodField()
    commitment = serializers.SerializerMethodField()
    hall = serializers.SerializerMethodField()
    pickup_hall = serializers.SerializerMethodField()
    first_responsible = serializers.SerializerMethodField()
    transfers = serializers.SerializerMethodField()
    helper = serializers.SerializerMethodField()
    helper_authorisation = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = (
            "number",
            "status",
            "status_label",
            "matter",
            "bundle",
            "channel",
            "applicant",
            "agent",
            "hall",
            "pickup_hall",
            "first_responsible",
            "helper",
            "helper_authorisation",
            "home_visit",
            "answers",
            "delivery",
            "committed_days",
            "accepted_on",
            "deadline",
            "deadline_colour",
            "clock_stopped",
            "trips",
            "materials",
            "reviews",
            "events",
            "documents",
            "shipment",
            "payment",
            "commitment",
            "transfers",
            "decision_note",
            "created_at",
            "submitted_at",
        )

    @property
    def _viewer(self):
        return self.context["request"].user

    def _masked(self, case: Case) -> bool:
        """Supervisors oversee; they have no need for whole identities (as in the admin)."""
        viewer = self._viewer
        return (
            is_supervisor(viewer)
            and not (is_clerk(viewer) or is_approver(viewer))
            and not is_applicant_side(viewer, case)
        )

    def get_matter(self, case) -> dict | None:
        return _subject(case)

    @extend_schema_field(CaseAnswerSerializer(many=True))
    def get_answers(self, case) -> list[dict]:
        """情形引导: the questions answered at filing, as they were asked."""
        return [
            {
                "question": row.get("question", ""),
                "answer": row.get("answer", ""),
                "code": row.get("code", ""),
                "value": row.get("value", ""),
            }
            for row in case.answers or []
        ]

    def get_bundle(self, case) -> dict | None:
        return _bundle(case)

    def get_applicant(self, case) -> dict:
        return applicant_data(case, masked=self._masked(case))

    def get_agent(self, case) -> dict | None:
        if not case.agent_name:
            return None
        if self._masked(case):
            return {
                "name": mask_name(case.agent_name),
                "id_number": mask_id_number(case.agent_id_number),
                "phone": mask_phone(case.agent_phone),
            }
        return {
            "name": case.agent_name,
            "id_number": case.agent_id_number,
            "phone": case.agent_phone,
        }

    @extend_schema_field(HallRefSerializer(allow_null=True))
    def get_hall(self, case) -> dict | None:
        return hall_ref(case.hall)

    @extend_schema_field(HallRefSerializer(allow_null=True))
    def get_pickup_hall(self, case) -> dict | None:
        return hall_ref(case.pickup_hall)

    def get_first_responsible(self, case) -> dict | None:
        """首接负责制: who answers for the case, and how to reach them (their hall's phone)."""
        person = case.first_responsible
        if person is None:
            return None
        hall = person.hall
        return {
            "name": person.display_name,
            "hall": hall_ref(hall),
            "phone": (hall.phone if hall else "") or person.phone,
        }

    @extend_schema_field(TransferSerializer(many=True))
    def get_transfers(self, case) -> list[dict]:
        """物料流转: the case's paper materials on their way (staff and applicant alike)."""
        rows = getattr(case, "transfer_rows", None)
        if rows is None:
            rows = [transfer_row(t) for t in case.transfers.all()]
        return [
            {
                "id": row["id"],
                "from_hall": {"code": row["from_code"], "name": row["from_name"]},
                "to_hall": {"code": row["to_code"], "name": row["to_name"]},
                "materials": row["materials"],
                "sent_at": _moment(row["sent_at"]),
                "received_at": _moment(row["received_at"]),
                "received": row["received_at"] is not None,
            }
            for row in rows
        ]

    def get_helper(self, case) -> dict | None:
        """The helper (代办员) carrying the case: name, hall and phone, or ``null``."""
        person = case.helper
        if person is None:
            return None
        return {"name": person.display_name, "hall": hall_ref(person.hall), "phone": person.phone}

    def get_helper_authorisation(self, case) -> dict | None:
        """The resident's own online confirmation of the helper's filing, or ``null``."""
        given = getattr(case, "helper_authorisation", None)
        if given is None:
            return None
        return {"given_at": given.given_at}

    def get_delivery(self, case) -> dict:
        data = {"method": case.delivery_method}
        if case.delivery_method == "pickup":
            data["hall"] = case.pickup_hall.code if case.pickup_hall_id else None
        if case.delivery_method == "courier":
            data.update(
                receiver=case.receiver,
                phone=case.receiver_phone,
                province=case.province,
                city=case.city,
                district=case.district,
                address=case.address,
            )
        return data

    def get_trips(self, case) -> int:
        return case.trip_count

    def get_deadline_colour(self, case) -> str | None:
        if case.status != CaseStatus.IN_REVIEW:
            return None
        return deadline_colour(
            case.deadline, case.warning_on, timezone.localdate(), stopped=case.clock_stopped
        )

    def _sees_data_fields(self, case: Case) -> bool:
        """The snapshot of the applicant's shared data only to those who need it: approvers,
        clerks and the applicant's own account (not supervisors, agents or helpers)."""
        viewer = self._viewer
        if is_clerk(viewer) or is_approver(viewer):
            return True
        return is_own_identity(viewer, case.applicant_kind, case.applicant_identity)

    @staticmethod
    def _without_fields(data: dict | None) -> dict | None:
        return None if data is None else {**data, "fields": None}

    def get_materials(self, case) -> list[dict]:
        rows = self._materials(case)
        if self._sees_data_fields(case):
            return rows
        return [{**row, "data": self._without_fields(row["data"])} for row in rows]

    def _materials(self, case) -> list[dict]:
        rows = getattr(case, "material_rows", None)
        if rows is None:
            rows = [
                {
                    "requirement": material.requirement_id,
                    "material": material.material_type.code,
                    "name": material.material_type.name,
                    "key": material.key,
                    "required": material.required,
                    "deferrable": material.deferrable,
                    "status": material.status,
                    "due_date": material.due_date,
                    "reason": material.reason,
                    **_reused_fields(material),
                    "files": [
                        {"id": stored.id, "name": stored.original_name, "size": stored.size}
                        for stored in material.files.all()
                    ],
                    "data": _data_row(material)
                    if material.status == MaterialStatus.SATISFIED_BY_DATA
                    else None,
                }
                for material in case.materials.all()
            ]
        file_url = (
            _last_argument_url("cases:material-file", case.number, 1, "/")
            if any(row["files"] for row in rows)
            else None
        )
        # The rows read with the case come as JSON objects: their keys in the contract's order.
        return [
            {
                **{name: row[name] for name in _MATERIAL_FIELDS},
                "locker": self._locker(case, row),
                "files": [
                    {
                        "id": stored["id"],
                        "name": stored["name"],
                        "size": stored["size"],
                        "url": file_url(stored["id"]),
                    }
                    for stored in row["files"]
                ],
                "data": _data_answer(row.get("data"))
                if row["status"] == MaterialStatus.SATISFIED_BY_DATA
                else None,
            }
            for row in rows
        ]

    def _locker(self, case: Case, row: dict) -> dict | None:
        """材料库复用: where and when the reused material was verified; the earlier case's
        number only to staff and to the applicant's own account."""
        if row["status"] != MaterialStatus.SATISFIED_BY_LOCKER or not row.get("reused_case"):
            return None
        viewer = self._viewer
        own = is_staff_viewer(viewer) or is_approver(viewer) or is_applicant_account(viewer, case)
        hall = row["reused_hall_code"]
        return {
            "hall": {"code": hall, "name": row["reused_hall_name"]} if hall else None,
            "verified_at": _moment(row["reused_at"]),
            "case": row["reused_case"] if own else None,
        }

    def get_reviews(self, case) -> list[dict]:
        staff = is_staff_viewer(self._viewer) or is_approver(self._viewer)
        return [
            {
                "id": review["id"],
                "department": {"code": review["code"], "name": review["name"]},
                "status": review["status"],
                **({"opinion": review["opinion"], "round": review["round"]} if staff else {}),
            }
            for review in _review_rows(case)
        ]

    def get_events(self, case) -> list[dict]:
        staff = is_staff_viewer(self._viewer) or is_approver(self._viewer)
        masked = self._masked(case)
        return [
            {
                "action": event.action,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "actor": _actor_label(event, staff=staff, masked=masked),
                "at": timezone.localtime(event.at),
                "note": event.note,
            }
            for event in _events(case)
            if staff or not event.internal
        ]

    def get_documents(self, case) -> list[dict]:
        # The documents app (above cases) hangs its papers on the case; a pending paper
        # renders on its first download, a failed one is not offered.
        rows = getattr(case, "document_rows", None)
        if rows is None:
            documents = getattr(case, "documents", None)
            if documents is None:
                return []
            rows = [
                {"kind": document.kind, "title": document.title}
                for document in documents.all()
                if document.status != "failed"
            ]
        if not rows:
            return []
        url = _last_argument_url("documents:document-download", case.number, "receipt", ".pdf")
        return [
            {"kind": row["kind"], "title": row["title"], "url": url(row["kind"])} for row in rows
        ]

    def get_commitment(self, case) -> dict | None:
        """The applicant's online 容缺 commitment (loaded with the case), or ``null``."""
        commitment = getattr(case, "commitment", None)
        if commitment is None:
            return None
        return {
            "requirements": commitment.requirement_ids,
            "due_date": commitment.due_date,
            "text": commitment.text,
            "given_at": timezone.localtime(commitment.given_at),
        }

    def get_payment(self, case) -> dict | None:
        """网上缴费: the case's fee (the payments app hangs it on the case), or ``null``;
        ``pay_url`` (the payer's page) only to the applicant's side while it is unpaid."""
        payment = getattr(case, "payment", None)
        if payment is None:
            return None
        payable = (
            payment.status == "unpaid"
            and case.status in PAYABLE_STATUSES
            and is_applicant_side(self._viewer, case)
        )
        return {
            "amount": str(payment.amount),
            "status": payment.status,
            "status_label": payment.get_status_display(),
            "reference": payment.reference,
            "method": payment.method or None,
            "paid_at": timezone.localtime(payment.paid_at) if payment.paid_at else None,
            "refunded_at": timezone.localtime(payment.refunded_at) if payment.refunded_at else None,
            "pay_url": reverse("payments:pay", args=[payment.reference]) if payable else None,
        }

    def get_shipment(self, case) -> dict | None:
        # The courier integration (delivery app) hangs its shipment on the case.
        shipment = getattr(case, "shipment", None)
        if shipment is None:
            return None
        # Staff read every note; the applicant only the courier's own (``public_note``).
        staff = is_staff_viewer(self._viewer)
        return {
            "waybill": shipment.waybill or case.waybill or None,
            "status": shipment.status,
            "history": [
                {
                    "status": step.status,
                    "at": timezone.localtime(step.at),
                    "note": step.note if staff else step.public_note,
                }
                for step in shipment.history.all()
            ],
        }


def _review_rows(case) -> list[dict]:
    """The case's reviews as dicts: read with the case by ``case_answer_queryset``, else from
    its reviews."""
    rows = getattr(case, "review_rows", None)
    if rows is not None:
        return rows
    return [
        {
            "id": review.id,
            "code": review.department.code,
            "name": review.department.name,
            "status": review.status,
            "opinion": review.opinion,
            "round": review.round,
        }
        for review in case.reviews.all()
    ]


def _events(case) -> list:
    """The case's events, oldest first: read with the case by ``case_answer_queryset`` (as rows
    standing for events), else its events."""
    rows = getattr(case, "event_rows", None)
    if rows is None:
        return list(case.events.all())
    return [
        SimpleNamespace(
            **{key: row[key] for key in ("action", "from_status", "to_status", "note")},
            actor_role=row["actor_role"],
            internal=row["internal"],
            at=datetime.datetime.fromisoformat(row["at"]),
            actor=SimpleNamespace(display_name=row["actor_name"] or row["actor_username"])
            if row["actor_id"] is not None
            else None,
        )
        for row in rows
    ]


def _actor_label(event: CaseEvent | SimpleNamespace, *, staff: bool, masked: bool = False) -> str:
    role = role_label(event.actor_role)
    if staff and event.actor is not None:
        name = event.actor.display_name
        if masked and event.actor_role == roles.CITIZEN:
            # The applicant (or their agent) acted: no whole name for a masked viewer.
            name = mask_name(name)
        return f"{role} {name}"
    return role


class ReviewSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    case = serializers.SerializerMethodField()
    department = serializers.SerializerMethodField()
    deadline = serializers.DateField(source="case.deadline")
    deadline_colour = serializers.SerializerMethodField()

    class Meta:
        model = Review
        fields = (
            "id",
            "case",
            "department",
            "status",
            "opinion",
            "round",
            "deadline",
            "deadline_colour",
        )

    def get_case(self, review) -> dict:
        case = review.case
        subject = case.matter or case.bundle
        return {
            "number": case.number,
            "matter": {"code": subject.code, "name": subject.name},
            "status": case.status,
        }

    def get_department(self, review) -> dict:
        return {"code": review.department.code, "name": review.department.name}

    def get_deadline_colour(self, review) -> str | None:
        case = review.case
        return deadline_colour(
            case.deadline, case.warning_on, timezone.localdate(), stopped=case.clock_stopped
        )


def track_data(case: Case) -> dict:
    """Public progress: status and timeline; names and numbers masked."""
    return {
        "number": case.number,
        "status": case.status,
        "status_label": case.get_status_display(),
        "matter": (case.matter or case.bundle).name,
        "applicant": applicant_data(case, masked=True),
        "deadline": case.deadline,
        "timeline": [
            {
                "to_status": event.to_status,
                "label": CaseStatus(event.to_status).label,
                "at": timezone.localtime(event.at),
            }
            for event in case.events.all()
            if event.to_status and event.from_status != event.to_status and not event.internal
        ],
    }
