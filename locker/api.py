"""``GET /api/v1/locker/``: my materials locker; ``DELETE /api/v1/locker/{id}/``: remove an
item of it."""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from halls.serializers import HallRefSerializer, hall_ref

from .models import LockerItem
from .selectors import locker_of
from .services import locker_item_withdraw


class LockerMaterialSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class LockerFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField(help_text="下载地址（本人登录会话或 API 令牌）")


class LockerItemSerializer(serializers.ModelSerializer):
    material = serializers.SerializerMethodField()
    case = serializers.CharField(source="source_case.number", help_text="核验该材料的办件编号")
    hall = serializers.SerializerMethodField()
    usable = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()

    class Meta:
        model = LockerItem
        fields = ("id", "material", "verified_at", "valid_until", "case", "hall", "usable", "files")

    @extend_schema_field(LockerMaterialSerializer)
    def get_material(self, item: LockerItem) -> dict:
        return {"code": item.material_type.code, "name": item.material_type.name}

    @extend_schema_field(HallRefSerializer(allow_null=True))
    def get_hall(self, item: LockerItem) -> dict | None:
        return hall_ref(item.hall)

    def get_usable(self, item: LockerItem) -> bool:
        """Still valid today: a new application takes it."""
        return item.is_usable(self.context.get("today"))

    @extend_schema_field(LockerFileSerializer(many=True))
    def get_files(self, item: LockerItem) -> list[dict]:
        number = item.source_case.number
        return [
            {
                "id": stored.id,
                "name": stored.original_name,
                "size": stored.size,
                "url": reverse("cases:material-file", args=[number, stored.id]),
            }
            for stored in item.source_material.files.all()
        ]


class LockerViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """My materials locker (材料库): what the window verified for my ID number or credit code,
    reused by my later applications until it expires or I remove it."""

    serializer_class = LockerItemSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = LockerItem.objects.none()
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return LockerItem.objects.none()
        return locker_of(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    @extend_schema(
        responses={
            204: None,
            404: OpenApiResponse(description="不是本人材料库中的条目（code: not_found）"),
        }
    )
    def destroy(self, request, *args, **kwargs):
        """Remove the item: no later application takes it (it stays on the cases it served
        that were accepted already)."""
        locker_item_withdraw(item_id=int(kwargs["pk"]), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
