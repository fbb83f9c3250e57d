"""Case and review API (``/api/v1/cases/``, ``/api/v1/reviews/``, ``/api/v1/track/``).

Views parse input, call one service and answer with the case as it now is. Services raise
domain errors; the project's exception handler turns them into ``{"detail", "code"}``.
"""

from contextlib import contextmanager

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import roles
from accounts.idempotency import idempotent
from accounts.models import IdentityKind
from halls.selectors import staff_hall
from matters.models import Bundle, Matter

from . import services
from .access import CaseLookup, is_approver, is_clerk, is_helper, visible_case, visible_cases
from .models import Case, MaterialTransfer, Review
from .pagination import KeysetPagination
from .selectors import (
    case_answer,
    case_answer_queryset,
    case_list_for_user,
    review_queue_for_department,
    transfers_pending_at,
)
from .serializers import (
    AcceptInput,
    CaseCreateInput,
    CaseDetailSerializer,
    CaseListSerializer,
    CommitmentInput,
    FirstResponsibleInput,
    MaterialUploadInput,
    OpinionInput,
    RatingInput,
    ReasonInput,
    ReviewSerializer,
    ShipInput,
    SupplementInput,
    TransferListSerializer,
    WithdrawInput,
    track_data,
)

# The desk's pending transfers are few; a hall with more than this has a backlog to clear.
TRANSFER_LIST_LIMIT = 200


def prefers_minimal(request) -> bool:
    """Whether the client asked for ``Prefer: return=minimal`` (RFC 7240): it does not need
    the case in the answer."""
    preferences = request.headers.get("Prefer", "").split(",")
    return any(p.split(";", 1)[0].strip().lower() == "return=minimal" for p in preferences)


def _applicant_from(data: dict | None, user) -> services.Applicant:
    """The applicant as given, or filled from the citizen's profile (一表登记)."""
    if data:
        return services.Applicant(
            kind=data["kind"],
            name=data["name"],
            phone=data["phone"],
            id_number=data.get("id_number", ""),
            credit_code=data.get("credit_code", ""),
        )
    return services.Applicant(
        kind=user.identity_kind or IdentityKind.PERSON,
        name=user.name,
        phone=user.phone,
        id_number=user.id_number,
        credit_code=user.credit_code,
    )


def _catalog_entry(model, code: str, field: str):
    """The matter or bundle with this code; an unknown code is a field error (400), not 404."""
    if not code:
        return None
    entries = model.objects.all()
    if model is Matter:
        entries = entries.select_related("lead_department")  # the case's lead department
    entry = entries.filter(code=code).first()
    if entry is None:
        what = _("事项") if field == "matter" else _("一件事")
        raise ValidationError(
            {field: [_("没有编号为“%(code)s”的%(what)s。") % {"code": code, "what": what}]}
        )
    return entry


class CaseViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Cases visible to the caller; commands as actions."""

    lookup_field = "number"
    permission_classes = [permissions.IsAuthenticated]
    # The list is read off its order's index: pages by cursor, no count of every case.
    pagination_class = KeysetPagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if self.action == "list":
            return case_list_for_user(
                self.request.user, status=self.request.query_params.get("status", "")
            )
        return visible_cases(self.request.user)

    def get_object(self) -> Case:
        """The case of the URL if the caller may see it, else 404: one light read
        (``visible_case``). A command's service reads it itself, locked (``_command``)."""
        case = visible_case(self.request.user, self.kwargs[self.lookup_field])
        if case is None:
            raise Http404
        self.check_object_permissions(self.request, case)
        return case

    def retrieve(self, request, *args, **kwargs):
        """The case as the caller may see it: the answer read by number, let through by the
        rules its row answers (``visible_case``), in one statement after the token's."""
        case = visible_case(
            request.user,
            self.kwargs[self.lookup_field],
            case_answer_queryset(),
            name="case_answer_by_number",
        )
        if case is None:
            raise Http404
        self.check_object_permissions(request, case)
        return Response(CaseDetailSerializer(case, context={"request": request}).data)

    def get_serializer_class(self):
        return CaseListSerializer if self.action == "list" else CaseDetailSerializer

    def _answer(
        self, case: Case, code: int = status.HTTP_200_OK, *, done: object = None
    ) -> Response:
        """The case as it now is; with ``Prefer: return=minimal`` (RFC 7240) only its number
        and status, without reading the case again (``done``: what the service returned, the
        case as the service left it when it is one)."""
        if prefers_minimal(self.request):
            now = done if isinstance(done, Case) else case
            headers = {"Preference-Applied": "return=minimal"}
            if isinstance(done, Case) and code == status.HTTP_201_CREATED:
                headers["Location"] = reverse("api:case-detail", args=[now.number])
            return Response(
                {"number": now.number, "status": now.status}, status=code, headers=headers
            )
        # The lookup checked that the caller may see the case: read it by its key alone.
        fresh = case_answer(case.pk)
        return Response(
            CaseDetailSerializer(fresh, context={"request": self.request}).data, status=code
        )

    @extend_schema(
        request=CaseCreateInput,
        responses={201: CaseDetailSerializer},
        parameters=[
            OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)
        ],
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        """Start a draft application; a repeat with the same Idempotency-Key replays the answer.

        Citizens apply for their own identity, or for another as the declared ``agent`` (then
        the power of attorney is required; otherwise 403 ``applicant_not_account``); clerks
        apply for the applicant at the window; helpers (代办员) file for a resident, the
        helper being the agent (403 ``not_taken_in_here`` when their hall may not take the
        matter in); other staff do not apply. ``answers`` (情形引导, ``{question: value}``)
        create exactly the materials that apply: 400 ``invalid_answer``,
        ``answers_incomplete`` or ``not_eligible`` (with ``reasons``) and nothing created;
        without ``answers`` every material of the guide is listed.
        """
        helper = is_helper(request.user)
        if not (is_clerk(request.user) or helper or request.user.has_role(roles.CITIZEN)):
            raise PermissionDenied(_("只有申请人、窗口人员和代办员可以提交申请。"))
        data = CaseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if helper and not values.get("applicant"):
            raise ValidationError({"applicant": [_("代办申请须填写申请人的身份信息。")]})
        delivery = values.get("delivery") or {}
        agent = values.get("agent")
        case = services.case_create(
            by=request.user,
            matter=_catalog_entry(Matter, values.get("matter"), "matter"),
            bundle=_catalog_entry(Bundle, values.get("bundle"), "bundle"),
            applicant=_applicant_from(values.get("applicant"), request.user),
            agent=services.Agent(**agent) if agent else None,
            delivery=services.Delivery(**delivery) if delivery else None,
            consent=values["consent"],
            answers=values.get("answers"),
        )
        return self._answer(case, status.HTTP_201_CREATED, done=case)

    @extend_schema(
        request={"multipart/form-data": MaterialUploadInput}, responses={201: CaseDetailSerializer}
    )
    @action(detail=True, methods=["post"])
    def materials(self, request, number=None):
        """Upload one file for a requirement, or for ``material: "power-of-attorney"`` (PDF, JPEG
        or PNG; size limit from settings)."""
        data = MaterialUploadInput(data=request.data)
        if not data.is_valid():
            self.get_object()  # 404 first
            raise ValidationError(data.errors)
        lookup = CaseLookup(request.user, self.kwargs[self.lookup_field])
        with self._looked_up(lookup):
            services.material_upload(
                case=lookup,
                by=request.user,
                # No requirement: the power of attorney added to an agent's filing.
                requirement_id=data.validated_data.get("requirement"),
                upload=data.validated_data["file"],
            )
        return self._answer(lookup.found, status.HTTP_201_CREATED)

    @staticmethod
    @contextmanager
    def _looked_up(lookup: CaseLookup):
        """404 for a case the caller may not see, found when the service locks it."""
        try:
            yield
        except Case.DoesNotExist:
            if lookup.found is None:
                raise Http404 from None
            raise

    def _command(self, request, service, input_class=None, *, transition: str = "", **extra):
        """Run ``service`` on the case of the URL: the service reads it once, locked, if the
        caller may see it (``CaseLookup``); else 404 and nothing done."""
        values = {}
        if input_class is not None:
            data = input_class(data=request.data)
            if not data.is_valid():
                case = self.get_object()  # 404 first
                # Bad input for a transition the case cannot take now: the refusal (409)
                # comes first, as in the services.
                if transition:
                    services.case_require_transition(case, transition)
                raise ValidationError(data.errors)
            values = dict(data.validated_data)
        lookup = CaseLookup(request.user, self.kwargs[self.lookup_field])
        with self._looked_up(lookup):
            done = service(case=lookup, by=request.user, **values, **extra)
        return self._answer(lookup.found, done=done)

    @extend_schema(request=None, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, number=None):
        """Submit the draft; 400 naming every missing material at once."""
        return self._command(request, services.case_submit)

    @extend_schema(request=None, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, number=None):
        """Resubmit after supplying what was asked."""
        return self._command(request, services.case_resubmit)

    @extend_schema(request=WithdrawInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, number=None):
        """Withdraw the application."""
        return self._command(request, services.case_withdraw, WithdrawInput, transition="withdraw")

    @extend_schema(request=CommitmentInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def commitment(self, request, number=None):
        """The online applicant's 容缺 commitment: every deferrable material still missing,
        brought by ``due_date`` (the applicant or their declared agent only)."""
        return self._command(request, services.case_commit_deferral, CommitmentInput)

    @extend_schema(request=None, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def authorise(self, request, number=None):
        """The resident confirms online that the helper carrying the case files it for them
        (instead of the signed 委托书); the resident's own account only."""
        return self._command(request, services.case_authorise_helper)

    @extend_schema(request=FirstResponsibleInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="first-responsible")
    def first_responsible(self, request, number=None):
        """Reassign the first responsible person (首接负责制) to a clerk or helper, with the
        reason; by a clerk, a supervisor or the current first responsible person."""
        return self._command(
            request, services.case_reassign_first_responsible, FirstResponsibleInput
        )

    @extend_schema(request=AcceptInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, number=None):
        """Accept (受理), optionally deferring deferrable materials to a due date (容缺受理)."""
        return self._command(request, services.case_accept, AcceptInput, transition="accept")

    @extend_schema(request=SupplementInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="request-supplement")
    def request_supplement(self, request, number=None):
        """One-time notice of everything missing (一次性告知)."""
        return self._command(
            request,
            services.case_request_supplement,
            SupplementInput,
            transition="request_supplement",
        )

    @extend_schema(request=ReasonInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, number=None):
        """Refuse to accept (不予受理) with a reason."""
        return self._command(request, services.case_reject, ReasonInput, transition="reject")

    @extend_schema(request=None, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="approve-instant")
    def approve_instant(self, request, number=None):
        """Decide an instant matter at the window (authorised clerk)."""
        return self._command(request, services.case_approve_instant)

    @extend_schema(request=None, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def issue(self, request, number=None):
        """Make out the result (refused while a deferred material is outstanding)."""
        return self._command(request, services.case_issue)

    @extend_schema(request=ShipInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def ship(self, request, number=None):
        """Hand the result to the courier with its waybill."""
        return self._command(request, services.case_ship, ShipInput, transition="ship")

    @extend_schema(request=None, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def collect(self, request, number=None):
        """The applicant collects the result at the window."""
        return self._command(request, services.case_collect)

    @extend_schema(request=RatingInput, responses=CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def rating(self, request, number=None):
        """Rate the case once (1 非常不满意 … 5 非常满意): the applicant only (403
        ``not_applicant`` for staff). A bad rating says whether it is ``about`` the decision
        (the lead department follows it up) or the window's service (the hall does)."""
        return self._command(request, services.rating_create, RatingInput)


class ReviewViewSet(viewsets.ReadOnlyModelViewSet):
    """The caller's department's reviews, deadline first; decisions as actions."""

    serializer_class = ReviewSerializer
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = KeysetPagination

    queryset = Review.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Review.objects.none()
        user = self.request.user
        if not is_approver(user):
            raise PermissionDenied(_("只有审批人员可以查看审查队列。"))
        if self.action == "list":
            return review_queue_for_department(
                user.department_id, status=self.request.query_params.get("status", "")
            )
        if self.action == "retrieve":
            # Reading is scoped like the list: another department's review is not found.
            return Review.objects.select_related(
                "case", "case__matter", "case__bundle", "department"
            ).filter(department_id=user.department_id)
        # Decisions look the review up anywhere (the service refuses other departments: 403),
        # by its key alone: the service locks and reads the review and its case.
        return Review.objects.all()

    def _decide(self, request, decision: str):
        review = self.get_object()
        data = OpinionInput(data=request.data)
        if not data.is_valid():
            # Reviews are decided while the case awaits its conclusion: else 409 first.
            services.case_require_transition(review.case, "conclude")
            raise ValidationError(data.errors)
        review = services.review_decide(
            review=review,
            by=request.user,
            decision=decision,
            opinion=data.validated_data["opinion"],
            missing=data.validated_data.get("missing") or None,
        )
        # The review as the service left it, with its department and its case (locked by
        # the service, so as it now is): nothing read again.
        return Response(ReviewSerializer(review, context={"request": request}).data)

    @extend_schema(request=OpinionInput, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve the department's review, with an opinion."""
        return self._decide(request, "approve")

    @extend_schema(request=OpinionInput, responses=ReviewSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_supplement(self, request, pk=None):
        """Return for supplement with an opinion and the missing requirement ids."""
        return self._decide(request, "return")

    @extend_schema(request=OpinionInput, responses=ReviewSerializer)
    @action(detail=True, methods=["post"])
    def deny(self, request, pk=None):
        """Deny, with an opinion."""
        return self._decide(request, "deny")


class TransferViewSet(viewsets.GenericViewSet):
    """物料流转: paper materials on their way to the caller's hall, and marking them received."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = TransferListSerializer
    queryset = MaterialTransfer.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return MaterialTransfer.objects.none()
        if not is_clerk(self.request.user):
            raise PermissionDenied(_("只有窗口人员可以查看和接收流转材料。"))
        # Receiving looks the transfer up anywhere: the service refuses other halls (403).
        return MaterialTransfer.objects.all()

    @extend_schema(responses=TransferListSerializer(many=True))
    def list(self, request):
        """What is on its way to the caller's hall and not yet received, oldest first."""
        self.get_queryset()
        transfers = transfers_pending_at(staff_hall(request.user).pk)[:TRANSFER_LIST_LIMIT]
        return Response(TransferListSerializer(transfers, many=True).data)

    @extend_schema(request=None, responses=TransferListSerializer)
    @action(detail=True, methods=["post"])
    def receive(self, request, pk=None):
        """Mark the materials received: a clerk of the receiving hall only (403
        ``not_receiving_hall``), once (409 ``transfer_already_received``)."""
        transfer = services.transfer_receive(transfer=self.get_object(), by=request.user)
        transfer = (
            MaterialTransfer.objects.select_related(
                "case", "case__matter", "case__bundle", "from_hall", "to_hall", "sent_by"
            )
        ).get(pk=transfer.pk)
        return Response(TransferListSerializer(transfer).data)


class TrackView(APIView):
    """Public progress of a case: its number plus the last 4 characters of the ID number."""

    permission_classes = [permissions.AllowAny]
    throttle_scope = "track"

    @extend_schema(
        parameters=[OpenApiParameter("id_last4", str, required=True)],
        responses={200: dict},
    )
    def get(self, request, number: str):
        case = find_tracked_case(number, request.query_params.get("id_last4", ""))
        if case is None:
            raise NotFound(_("未找到匹配的办件，请核对办件编号和证件号码后四位。"))
        return Response(track_data(case))


def find_tracked_case(number: str, id_last4: str) -> Case | None:
    """The case when number and the identity's last 4 characters match, else ``None``.

    A wrong pair says nothing about whether the case exists.
    """
    last4 = (id_last4 or "").strip().upper()
    if len(last4) != 4:
        return None
    case = (
        Case.objects.select_related("matter", "bundle")
        .prefetch_related("events")
        .filter(number=(number or "").strip())
        .exclude(status="draft")
        .first()
    )
    if case is None or case.applicant_identity.upper()[-4:] != last4:
        return None
    return case
