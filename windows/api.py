"""API for the hall floor: taking a ticket, calling the next at a window, the display board.

Routes are listed in ``urlpatterns`` here and included under ``/api/v1/``.
"""

from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.identity import validate_id_number, validate_mobile
from cases.access import is_clerk
from halls.models import Hall
from halls.selectors import city_centre, staff_hall
from halls.serializers import HallRefSerializer, hall_ref
from matters.models import Board

from . import selectors
from .exceptions import TicketError
from .halls import check_queue
from .models import Ticket, Window
from .services import ticket_call_next, ticket_take

HALL_HELP = "网点编码（/api/v1/halls/ 中的 code）；不填为市民服务中心"
NO_SUCH_HALL = {"does_not_exist": gettext_lazy("没有编码为 {value} 的网点。")}


class TicketTakeSerializer(serializers.Serializer):
    hall = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Hall.objects.filter(active=True),
        required=False,
        help_text=HALL_HELP,
        error_messages=NO_SUCH_HALL,
    )
    board = serializers.SlugRelatedField(slug_field="code", queryset=Board.objects.all())
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=18)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=11)

    def validate_id_number(self, value: str) -> str:
        return validate_id_number(value) if value else ""

    def validate_phone(self, value: str) -> str:
        return validate_mobile(value) if value else ""

    def validate(self, data: dict) -> dict:
        hall = data.get("hall") or city_centre()
        try:
            check_queue(hall, data["board"])
        except TicketError as error:
            field = "board" if error.code == "board_not_served" else "hall"
            raise serializers.ValidationError({field: [error.detail]}, code=error.code) from error
        return {**data, "hall": hall}


class TicketTakenSerializer(serializers.Serializer):
    number = serializers.CharField()
    hall = HallRefSerializer()
    board = serializers.CharField()
    ahead = serializers.IntegerField()
    estimated_wait_minutes = serializers.IntegerField()


class CalledTicketSerializer(serializers.ModelSerializer):
    board = serializers.SlugRelatedField(slug_field="code", read_only=True)
    window = serializers.IntegerField(source="window.number")

    class Meta:
        model = Ticket
        fields = ["number", "board", "status", "priority", "window", "called_at"]


class BoardCallSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    window = serializers.IntegerField()
    window_name = serializers.CharField()
    board = serializers.CharField()
    called_at = serializers.DateTimeField()


class BoardWaitingSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    letter = serializers.CharField()
    waiting = serializers.IntegerField()


class BoardSnapshotSerializer(serializers.Serializer):
    hall = HallRefSerializer()
    calls = BoardCallSerializer(many=True)
    boards = BoardWaitingSerializer(many=True)


class BoardQuerySerializer(serializers.Serializer):
    hall = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Hall.objects.filter(active=True),
        required=False,
        help_text=HALL_HELP,
        error_messages=NO_SUCH_HALL,
    )


@extend_schema(request=TicketTakeSerializer, responses={201: TicketTakenSerializer}, tags=["queue"])
class TicketTakeView(APIView):
    """Take a queue ticket for a board (the kiosk); ID number and mobile are optional."""

    permission_classes = [permissions.AllowAny]
    throttle_scope = "tickets"

    def post(self, request: Request) -> Response:
        serializer = TicketTakeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ticket = ticket_take(**serializer.validated_data)
        ahead, minutes = selectors.estimated_wait_minutes(ticket)
        data = {
            "number": ticket.number,
            "hall": hall_ref(ticket.hall),
            "board": ticket.board.code,
            "ahead": ahead,
            "estimated_wait_minutes": minutes,
        }
        return Response(TicketTakenSerializer(data).data, status=status.HTTP_201_CREATED)


class CallNextSerializer(serializers.Serializer):
    current = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=8,
        help_text="调用方界面上显示的当前号（无则为空）；与窗口实际当前号不符时拒绝（409）",
    )


@extend_schema(
    request=CallNextSerializer,
    responses={
        200: CalledTicketSerializer,
        204: OpenApiResponse(description="无人等候"),
        403: OpenApiResponse(description="不是该窗口的窗口人员（窗口号指本人所在网点的窗口）"),
        409: OpenApiResponse(description="该窗口正在叫号，或当前号已变化"),
    },
    tags=["queue"],
)
class WindowCallNextView(APIView):
    """Close the window's current ticket and call the next (the clerk at that window only).

    ``number`` is the window of that number in the clerk's own hall; the window of another
    hall is never theirs to operate.
    """

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request: Request, number: int) -> Response:
        if not is_clerk(request.user):
            raise exceptions.PermissionDenied(_("只有该窗口的窗口人员可以叫号。"))
        hall = staff_hall(request.user)
        window = Window.objects.select_related("hall").filter(hall=hall, number=number).first()
        if window is None:
            if Window.objects.filter(number=number).exists():
                raise exceptions.PermissionDenied(_("只能操作本网点的窗口。"))
            raise Http404
        if window.clerk_id != request.user.pk:
            raise exceptions.PermissionDenied(_("只有该窗口的窗口人员可以叫号。"))
        serializer = CallNextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        current = serializer.validated_data.get("current")
        ticket = ticket_call_next(window=window, by=request.user, current=current)
        if ticket is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(CalledTicketSerializer(ticket).data)


@extend_schema(
    parameters=[BoardQuerySerializer], responses={200: BoardSnapshotSerializer}, tags=["queue"]
)
class BoardView(APIView):
    """A hall's display board: its latest calls and the waiting count per board it serves."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    def get(self, request: Request) -> Response:
        query = BoardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        hall = query.validated_data.get("hall") or city_centre()
        snapshot = {"hall": hall_ref(hall), **selectors.board_snapshot(hall=hall)}
        return Response(BoardSnapshotSerializer(snapshot).data)


urlpatterns = [
    path("tickets/", TicketTakeView.as_view(), name="ticket-create"),
    path("windows/<int:number>/call-next/", WindowCallNextView.as_view(), name="window-call-next"),
    path("board/", BoardView.as_view(), name="board"),
]
