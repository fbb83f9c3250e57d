"""The signed-in user's in-portal messages (``GET /api/v1/notices/``) and e-mail address
for notices (``/api/v1/me/email/``)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status, views, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .inbox import inbox_mark_read, inbox_of, inbox_unread_count
from .models import EmailAddress, Notice
from .services import email_address_confirm, email_address_remove, email_address_request


class NoticeSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="template")
    created = serializers.DateTimeField(source="created_at")
    read = serializers.DateTimeField(
        source="read_at", allow_null=True, help_text="首次阅读时间；未读为 null"
    )

    class Meta:
        model = Notice
        fields = ("id", "event", "channel", "subject", "text", "created", "read")


class MarkReadInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=500,
        help_text="要标为已读的消息；省略则全部标为已读",
    )


class MarkReadAnswer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的条数")
    unread = serializers.IntegerField(help_text="剩余未读条数")


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Own in-portal messages, newest first; ``?unread=true`` for the unread ones only."""

    serializer_class = NoticeSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Notice.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        queryset = inbox_of(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true"):
            queryset = queryset.filter(read_at__isnull=True)
        return queryset

    @extend_schema(
        parameters=[OpenApiParameter("unread", bool, description="只列未读消息")],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=MarkReadInput, responses=MarkReadAnswer)
    @action(detail=False, methods=["post"])
    def read(self, request):
        """Mark own messages read: those of ``ids`` (others' ids are ignored), or all."""
        data = MarkReadInput(data=request.data)
        data.is_valid(raise_exception=True)
        marked = inbox_mark_read(request.user, ids=data.validated_data.get("ids"))
        return Response({"marked": marked, "unread": inbox_unread_count(request.user)})


class EmailAddressSerializer(serializers.Serializer):
    email = serializers.EmailField(read_only=True, help_text="已确认的邮箱（接收通知）")
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    pending_email = serializers.EmailField(read_only=True, help_text="待确认的邮箱")
    requested_at = serializers.DateTimeField(read_only=True, allow_null=True)


class EmailAddressInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class EmailConfirmInput(serializers.Serializer):
    token = serializers.CharField(max_length=500)


def _address_of(user) -> EmailAddress:
    return EmailAddress.objects.filter(user=user).first() or EmailAddress(user=user)


class EmailAddressView(views.APIView):
    """The caller's e-mail address for notices: read it, ask to set one, stop e-mails."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=EmailAddressSerializer)
    def get(self, request):
        return Response(EmailAddressSerializer(_address_of(request.user)).data)

    @extend_schema(request=EmailAddressInput, responses={202: EmailAddressSerializer})
    def post(self, request):
        """E-mail a confirmation link to ``email``; notices go there once it is confirmed."""
        data = EmailAddressInput(data=request.data)
        data.is_valid(raise_exception=True)
        address = email_address_request(
            user=request.user, email=data.validated_data["email"], by=request.user
        )
        return Response(EmailAddressSerializer(address).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={204: None})
    def delete(self, request):
        """Stop e-mail notices (forget the confirmed and the pending address)."""
        email_address_remove(user=request.user, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailConfirmView(views.APIView):
    """Confirm the pending address with the token from the confirmation e-mail's link."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=EmailConfirmInput, responses=EmailAddressSerializer)
    def post(self, request):
        data = EmailConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        address = email_address_confirm(token=data.validated_data["token"], by=request.user)
        return Response(EmailAddressSerializer(address).data)
