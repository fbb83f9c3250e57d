"""API: the supervision summary (ARCHITECTURE.md, GET /api/v1/supervision/summary/)."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Department
from cases.access import is_supervisor
from halls.models import Hall
from matters.models import Board

from .fees import fee_figures
from .selectors import Figures, Scope, supervision_figures, window_staff_figures
from .views import MAX_RANGE_DAYS


class IsSupervisor(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_supervisor(request.user)


class SummaryQuerySerializer(serializers.Serializer):
    # "from" is a Python keyword: declared below under its query-string name.
    to = serializers.DateField(required=False)
    department = serializers.SlugRelatedField(
        slug_field="code", queryset=Department.objects.all(), required=False
    )
    board = serializers.SlugRelatedField(
        slug_field="code", queryset=Board.objects.all(), required=False
    )
    hall = serializers.SlugRelatedField(
        slug_field="code", queryset=Hall.objects.all(), required=False
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)
        return fields

    def validate(self, attrs):
        default = Scope.default()
        attrs.setdefault("from", default.start)
        attrs.setdefault("to", default.end)
        if attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": [_("截止日期不能早于起始日期。")]})
        if (attrs["to"] - attrs["from"]).days > MAX_RANGE_DAYS:
            raise serializers.ValidationError({"from": [_("日期范围最长三年。")]})
        latest = timezone.localdate() + datetime.timedelta(days=366)
        if attrs["to"] > latest:
            raise serializers.ValidationError(
                {"to": [_("截止日期不能晚于%(d)s。") % {"d": latest.isoformat()}]}
            )
        return attrs


class WindowFiguresSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    hall = serializers.CharField()
    tickets_called = serializers.IntegerField()
    tickets_served = serializers.IntegerField()
    cases = serializers.IntegerField()
    mean_wait_minutes = serializers.FloatField(allow_null=True)
    ratings = serializers.IntegerField()
    satisfaction_rate = serializers.FloatField(allow_null=True)


class StaffFiguresSerializer(serializers.Serializer):
    name = serializers.CharField()
    department = serializers.CharField()
    hall = serializers.CharField()
    cases = serializers.IntegerField()
    visits = serializers.IntegerField()
    tickets_called = serializers.IntegerField()
    mean_wait_minutes = serializers.FloatField(allow_null=True)
    ratings = serializers.IntegerField()
    satisfaction_rate = serializers.FloatField(allow_null=True)


class HallFiguresSerializer(serializers.Serializer):
    """A row of ``by_hall`` (with the hall's code, name, level) or of ``by_level``."""

    cases_received = serializers.IntegerField()
    cases_decided = serializers.IntegerField()
    cases_at_city_centre = serializers.IntegerField()
    cases_at_nearest_hall = serializers.IntegerField()
    one_trip_rate = serializers.FloatField(allow_null=True)
    zero_trip_rate = serializers.FloatField(allow_null=True)
    mean_trips = serializers.FloatField(allow_null=True)
    mean_working_days = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    cross_hall_pickups = serializers.IntegerField()
    helper_cases = serializers.IntegerField()
    home_visit_cases = serializers.IntegerField()
    tickets_taken = serializers.IntegerField()
    tickets_called = serializers.IntegerField()
    mean_wait_minutes = serializers.FloatField(allow_null=True)


class HallRowSerializer(HallFiguresSerializer):
    code = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    level = serializers.CharField(allow_null=True)


class LevelRowSerializer(HallFiguresSerializer):
    level = serializers.CharField()
    name = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    cases_received = serializers.IntegerField()
    cases_decided = serializers.IntegerField()
    one_trip_rate = serializers.FloatField(allow_null=True)
    zero_trip_rate = serializers.FloatField(allow_null=True)
    promise_kept_rate = serializers.FloatField(allow_null=True)
    trips_exceptions = serializers.IntegerField()
    mean_steps = serializers.FloatField(allow_null=True)
    mean_trips = serializers.FloatField(allow_null=True)
    mean_materials_brought = serializers.FloatField(allow_null=True)
    materials_saved_by_data = serializers.IntegerField(help_text="数据共享免交的材料数（办结件）")
    materials_saved_by_locker = serializers.IntegerField(help_text="材料库复用的材料数（办结件）")
    mean_working_days = serializers.FloatField(allow_null=True)
    on_time_rate = serializers.FloatField(allow_null=True)
    instant_share = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    open_followups = serializers.IntegerField()
    cases_at_city_centre = serializers.IntegerField()
    cases_at_nearest_hall = serializers.IntegerField()
    cross_hall_pickups = serializers.IntegerField()
    helper_cases = serializers.IntegerField()
    home_visit_cases = serializers.IntegerField()
    fees_paid = serializers.IntegerField()
    fees_paid_online = serializers.IntegerField()
    online_payment_share = serializers.FloatField(allow_null=True)
    by_hall = HallRowSerializer(many=True)
    by_level = LevelRowSerializer(many=True)
    windows = WindowFiguresSerializer(many=True)
    staff = StaffFiguresSerializer(many=True)


def hall_row(row: Figures) -> dict:
    return {"code": row.code, "name": row.label, "level": row.level, **row.hall_summary()}


class SupervisionSummaryView(APIView):
    """The hall's supervision figures for a date range (default: the last 30 days)."""

    permission_classes = [IsSupervisor]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", str, description="YYYY-MM-DD"),
            OpenApiParameter("to", str, description="YYYY-MM-DD"),
            OpenApiParameter("department", str, description="department code"),
            OpenApiParameter("board", str, description="board code"),
            OpenApiParameter("hall", str, description="hall code (Case.hall, the intake hall)"),
        ],
        responses=SummarySerializer,
    )
    def get(self, request: Request) -> Response:
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        scope = Scope(
            start=data["from"],
            end=data["to"],
            department_id=data["department"].id if data.get("department") else None,
            board_id=data["board"].id if data.get("board") else None,
            hall_id=data["hall"].id if data.get("hall") else None,
        )
        figures = supervision_figures(scope)
        summary = {
            **figures.total.summary(),
            "by_hall": [hall_row(row) for row in figures.by_hall],
            "by_level": [
                {"level": row.key, "name": row.label, **row.hall_summary()}
                for row in figures.by_level
            ],
            **window_staff_figures(scope),
            **fee_figures(scope),
        }
        return Response(SummarySerializer(summary).data)
