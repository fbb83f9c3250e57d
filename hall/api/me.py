"""``/api/v1/me/``: the profile from ``accounts`` with the clerk's window from ``windows``.

Wired here, on the top floor, so that ``accounts`` (the lowest floor) never imports
``windows``.
"""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers

from accounts import api as accounts_api
from accounts import serializers as accounts_serializers
from accounts.models import User
from windows.selectors import window_of


class MeSerializer(accounts_serializers.MeSerializer):
    """The signed-in user's own profile, unmasked (it is their own data)."""

    window = serializers.SerializerMethodField()

    class Meta(accounts_serializers.MeSerializer.Meta):
        fields = ["username", "name", "roles", "department", "window", "identity"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "nullable": True, "description": "窗口（尚未启用）"})
    def get_window(self, user: User) -> dict | None:
        return window_of(user)


@extend_schema(tags=["accounts"])
class MeView(accounts_api.MeView):
    """The signed-in user's own profile: roles, department, identity (unmasked)."""

    serializer_class = MeSerializer
