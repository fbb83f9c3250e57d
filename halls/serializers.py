from django.utils import timezone
from rest_framework import serializers

from .models import Hall


class HallRefSerializer(serializers.Serializer):
    """A hall named in another answer: ``{code, name}``."""

    code = serializers.CharField()
    name = serializers.CharField()


class HallSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    boards = serializers.SerializerMethodField()
    open_now = serializers.SerializerMethodField()

    class Meta:
        model = Hall
        fields = [
            "code",
            "name",
            "level",
            "level_label",
            "parent",
            "address",
            "phone",
            "hours",
            "boards",
            "has_windows",
            "has_queue",
            "open_now",
        ]

    def get_boards(self, hall) -> list[dict]:
        return [{"code": board.code, "name": board.name} for board in hall.boards.all()]

    def get_open_now(self, hall) -> bool:
        moment = self.context.get("now") or timezone.now()
        return hall.open_at(moment)


def hall_ref(hall: Hall | None) -> dict | None:
    return {"code": hall.code, "name": hall.name} if hall is not None else None
