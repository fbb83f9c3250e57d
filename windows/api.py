"""API for the hall floor: taking a ticket, calling the next at a window, the display board.

Routes are listed in ``urlpatterns`` here and included under ``/api/v1/``.
"""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.identity import validate_id_number, validate_mobile
from cases.access import is_clerk
from matters.models import Board

from . import selectors
from .models import Ticket, Window
from .services import ticket_call_next, ticket_take


class TicketTakeSerializer(serializers.Serializer):
    board = serializers.SlugRelatedField(slug_field="code", queryset=Board.objects.all())
    id_number = serializers.CharField(required=False, allow_blank=True, max_length=18)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=11)

    def validate_id_number(self, value: str) -> str:
        return validate_id_number(value) if value else ""

    def validate_phone(self, value: str) -> str:
        return validate_mobile(value) if value else ""


class TicketTakenSerializer(serializers.Serializer):
    number = serializers.CharField()
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
    calls = BoardCallSerializer(many=True)
    boards = BoardWaitingSerializer(many=True)


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
        403: OpenApiResponse(description="不是该窗口的窗口人员"),
        409: OpenApiResponse(description="该窗口正在叫号，或当前号已变化"),
    },
    tags=["queue"],
)
class WindowCallNextView(APIView):
    """Close the window's current ticket and call the next (the clerk at that window only)."""

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request: Request, number: int) -> Response:
        window = get_object_or_404(Window, number=number)
        if not is_clerk(request.user) or window.clerk_id != request.user.pk:
            raise exceptions.PermissionDenied(_("只有该窗口的窗口人员可以叫号。"))
        serializer = CallNextSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        current = serializer.validated_data.get("current")
        ticket = ticket_call_next(window=window, by=request.user, current=current)
        if ticket is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(CalledTicketSerializer(ticket).data)


@extend_schema(responses={200: BoardSnapshotSerializer}, tags=["queue"])
class BoardView(APIView):
    """The display board: the latest calls and the waiting count per board."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []

    def get(self, request: Request) -> Response:
        return Response(BoardSnapshotSerializer(selectors.board_snapshot()).data)


urlpatterns = [
    path("tickets/", TicketTakeView.as_view(), name="ticket-create"),
    path("windows/<int:number>/call-next/", WindowCallNextView.as_view(), name="window-call-next"),
    path("board/", BoardView.as_view(), name="board"),
]
