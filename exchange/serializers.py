"""API shapes of the data exchange: the data items and a person's lookups."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.identity import mask_id_number
from matters.models import DataItem
from matters.serializers import CodeNameSerializer

from .models import DataLookup


class DataItemSerializer(serializers.ModelSerializer):
    """A data item of the exchange: who provides it, what it proves."""

    department = CodeNameSerializer(read_only=True, help_text=_("提供部门"))
    materials = serializers.SerializerMethodField(help_text=_("可由该数据替代的材料类型"))

    class Meta:
        model = DataItem
        fields = ["code", "name", "department", "proves", "materials"]
        read_only_fields = fields

    def get_materials(self, item: DataItem) -> list[dict]:
        return [{"code": m.code, "name": m.name} for m in item.material_types.all()]


class FieldSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.CharField()


class DataLookupSerializer(serializers.ModelSerializer):
    """One lookup of the person's data: which item, for which case, by whom, when, why."""

    item = CodeNameSerializer(source="data_item", read_only=True)
    provider = CodeNameSerializer(source="data_item.department", read_only=True)
    department = CodeNameSerializer(
        read_only=True, allow_null=True, help_text=_("查询的部门（办件的主办部门）")
    )
    hall = CodeNameSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("受理该申请的网点（窗口或代办员）；网上申请为 null"),
    )
    case = serializers.CharField(source="case.number", read_only=True, allow_null=True)
    identity = serializers.SerializerMethodField(help_text=_("被查询的证件号码（脱敏）"))
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    fields = serializers.SerializerMethodField(
        method_name="snapshot_fields", help_text=_("查到时返回的数据")
    )

    class Meta:
        model = DataLookup
        fields = [
            "id",
            "item",
            "provider",
            "case",
            "department",
            "hall",
            "at",
            "purpose",
            "outcome",
            "outcome_label",
            "identity",
            "fields",
        ]
        read_only_fields = fields

    def get_identity(self, lookup: DataLookup) -> str:
        return mask_id_number(lookup.identity)

    @extend_schema_field(FieldSerializer(many=True))
    def snapshot_fields(self, lookup: DataLookup) -> list[dict]:
        return FieldSerializer(lookup.snapshot.get("fields", []), many=True).data
