"""Home-visit API (``/api/v1/home-visits/``): thin views over ``helpers.services``."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from cases import services as case_services
from cases.api import _applicant_from, _catalog_entry
from cases.selectors import case_answer
from cases.serializers import CaseDetailSerializer
from halls.models import Hall
from matters.models import Bundle, Matter

from . import services
from .selectors import home_visits_for
from .serializers import AssignInput, FileInput, HomeVisitInput, HomeVisitSerializer


class HomeVisitViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Requests for home-visit help the caller may see; steps as actions."""

    permission_classes = [permissions.IsAuthenticated]
    serializer_class = HomeVisitSerializer

    def get_queryset(self):
        return home_visits_for(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "detail": self.action != "list"}

    def _answer(self, visit, code=status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().filter(pk=visit.pk).first() or visit
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=HomeVisitInput, responses={201: HomeVisitSerializer})
    def create(self, request, *args, **kwargs):
        """Ask for a helper to come (a resident or family member online), or record a phone
        request (a clerk)."""
        data = HomeVisitInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        hall = None
        if values.get("hall"):
            hall = Hall.objects.filter(code=values["hall"], active=True).first()
            if hall is None:
                raise ValidationError({"hall": [_("没有该编号的网点。")]})
        visit = services.home_visit_request(
            by=request.user,
            name=values["name"],
            phone=values["phone"],
            address=values["address"],
            reason=values["reason"],
            matter=_catalog_entry(Matter, values.get("matter"), "matter"),
            hall=hall,
        )
        return self._answer(visit, status.HTTP_201_CREATED)

    @extend_schema(request=AssignInput, responses=HomeVisitSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Assign a helper (a clerk or supervisor)."""
        visit = self.get_object()
        data = AssignInput(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.home_visit_assign(
            visit=visit, by=request.user, username=data.validated_data["helper"]
        )
        return self._answer(visit)

    @extend_schema(request=None, responses=HomeVisitSerializer)
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        """A helper takes on a request of their hall's area."""
        visit = services.home_visit_take(visit=self.get_object(), by=request.user)
        return self._answer(visit)

    @extend_schema(request=FileInput, responses={201: CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def file(self, request, pk=None):
        """The assigned helper files the case on the spot: the case (``home_visit: true``)."""
        visit = self.get_object()
        data = FileInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        delivery = values.get("delivery") or {}
        case = services.home_visit_file(
            visit=visit,
            by=request.user,
            applicant=_applicant_from(values["applicant"], request.user),
            matter=_catalog_entry(Matter, values.get("matter"), "matter"),
            bundle=_catalog_entry(Bundle, values.get("bundle"), "bundle"),
            delivery=case_services.Delivery(**delivery) if delivery else None,
        )
        answer = CaseDetailSerializer(case_answer(case.pk), context={"request": request})
        return Response(answer.data, status=status.HTTP_201_CREATED)
