"""API for the service network: ``GET /api/v1/halls/`` and ``/api/v1/halls/{code}/``."""

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets

from .models import Hall
from .selectors import hall_list
from .serializers import HallSerializer


@extend_schema_view(
    list=extend_schema(summary="服务网点", tags=["halls"]),
    retrieve=extend_schema(summary="服务网点详情", tags=["halls"]),
)
class HallViewSet(viewsets.ReadOnlyModelViewSet):
    """The city's halls: level, address, phone, hours, boards and whether open now."""

    lookup_field = "code"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []
    pagination_class = None
    serializer_class = HallSerializer

    def get_queryset(self) -> QuerySet[Hall]:
        return hall_list()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}
