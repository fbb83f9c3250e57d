"""The signed-in user's in-portal messages (``GET /api/v1/notices/``)."""

from rest_framework import permissions, serializers, viewsets

from .models import Channel, Notice


class NoticeSerializer(serializers.ModelSerializer):
    event = serializers.CharField(source="template")
    created = serializers.DateTimeField(source="created_at")

    class Meta:
        model = Notice
        fields = ("id", "event", "channel", "subject", "text", "created")


class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Own in-portal messages, newest first."""

    serializer_class = NoticeSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Notice.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        return Notice.objects.filter(recipient=self.request.user, channel=Channel.INBOX).order_by(
            "-created_at", "-id"
        )
