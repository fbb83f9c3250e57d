"""API of the data exchange: the data items (public) and the signed-in person's lookups."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions

from matters.models import DataItem, MaterialType

from .models import DataLookup
from .selectors import lookups_of_person
from .serializers import DataItemSerializer, DataLookupSerializer


@extend_schema(summary="共享数据项", tags=["catalog"])
class DataItemListView(generics.ListAPIView):
    """The data items of the exchange that can stand for materials (数据共享, 减证便民)."""

    serializer_class = DataItemSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list = []

    def get_queryset(self):
        return (
            DataItem.objects.filter(active=True)
            .select_related("department")
            .prefetch_related(
                Prefetch("material_types", queryset=MaterialType.objects.order_by("code"))
            )
            .order_by("code")
        )


@extend_schema(summary="谁查询了我的数据", tags=["accounts"])
class MyDataAccessView(generics.ListAPIView):
    """Every lookup of the signed-in person's own data in the exchange, newest first."""

    serializer_class = DataLookupSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DataLookup.objects.none()
        return lookups_of_person(self.request.user)
