"""API for the catalog: published matters with their guides, and bundles (一件事)."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from .checklist import evaluate
from .models import Bundle, Matter
from .selectors import (
    bundle_queryset,
    matter_checklist_queryset,
    matter_detail_queryset,
    matter_list,
)
from .serializers import (
    BundleSerializer,
    ChecklistInput,
    ChecklistSerializer,
    MatterDetailSerializer,
    MatterListQuerySerializer,
    MatterListSerializer,
    checklist_data,
)


@extend_schema_view(
    list=extend_schema(
        summary="事项清单", parameters=[MatterListQuerySerializer], tags=["catalog"]
    ),
    retrieve=extend_schema(summary="办事指南", tags=["catalog"]),
)
class MatterViewSet(viewsets.ReadOnlyModelViewSet):
    """Published matters: a searchable list and each matter's full guide."""

    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []
    # Only the checklist is limited (per client address); reading the catalog is free.
    throttle_scope: str | None = None

    def get_queryset(self) -> QuerySet[Matter]:
        if getattr(self, "swagger_fake_view", False):
            return Matter.published.none()
        if self.action == "list":
            query = MatterListQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            return matter_list(**query.validated_data)
        return matter_detail_queryset()

    def get_serializer_class(self):
        return MatterListSerializer if self.action == "list" else MatterDetailSerializer

    @extend_schema(
        summary="情形引导：我的材料清单",
        request=ChecklistInput,
        responses={200: ChecklistSerializer},
        tags=["catalog"],
    )
    @action(
        detail=True,
        methods=["post"],
        # Public: no account, no session (so no CSRF token) needed; limited per address.
        authentication_classes=[],
        permission_classes=[permissions.AllowAny],
        throttle_scope="checklist",
    )
    def checklist(self, request, code=None):
        """The applicant's own checklist from their answers (情形引导): whether they may
        apply (``eligible``; if not, ``reasons`` with what to do ``instead``), the questions
        still ``unanswered``, and exactly the materials that apply to them. An unknown
        question or value: 400 ``invalid_answer`` naming the ``question``."""
        data = ChecklistInput(data=request.data)
        data.is_valid(raise_exception=True)
        matter = get_object_or_404(matter_checklist_queryset(), code=code)
        result = evaluate(matter, data.validated_data["answers"])
        return Response(checklist_data(matter, result))


@extend_schema_view(
    list=extend_schema(summary="一件事清单", tags=["catalog"]),
    retrieve=extend_schema(summary="一件事", tags=["catalog"]),
)
class BundleViewSet(viewsets.ReadOnlyModelViewSet):
    """Published bundles with their matters and merged checklist (each material once)."""

    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []
    serializer_class = BundleSerializer

    def get_queryset(self) -> QuerySet[Bundle]:
        if getattr(self, "swagger_fake_view", False):
            return Bundle.published.none()
        return bundle_queryset()
