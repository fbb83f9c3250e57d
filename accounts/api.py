"""API for accounts: sign-in token, the signed-in user, the list of departments."""

from datetime import timedelta

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .exceptions import DomainError
from .models import Department, User
from .serializers import DepartmentSerializer, MeSerializer, TokenRequestSerializer, TokenSerializer


class LockedOutError(exceptions.APIException):
    """Too many failed sign-ins for this username: django-axes holds it for the cool-off."""

    status_code = 429
    default_code = "locked_out"

    def __init__(self, cool_off: timedelta | None):
        if cool_off:
            minutes = max(1, round(cool_off.total_seconds() / 60))
            detail = _("登录失败次数过多，该账号已暂时锁定，请%(minutes)d分钟后再试。") % {
                "minutes": minutes
            }
        else:
            detail = _("登录失败次数过多，该账号已锁定，请联系管理员解锁。")
        super().__init__(detail)
        # DRF's exception handler turns ``wait`` into a Retry-After header.
        self.wait = int(cool_off.total_seconds()) if cool_off else None


@extend_schema(
    request=TokenRequestSerializer,
    responses={
        200: TokenSerializer,
        400: OpenApiResponse(description="用户名或密码不正确（code: invalid_credentials）"),
        429: OpenApiResponse(description="失败次数过多，账号暂时锁定（code: locked_out）"),
    },
    tags=["auth"],
)
class TokenView(APIView):
    """Exchange a username and password for an API token.

    The DRF request (not the Django one) goes to ``authenticate`` so that django-axes records
    the attempt and flags a lockout on it; axes' middleware, which would answer a lockout with
    the HTML page, only looks at the Django request, so the API keeps its JSON error.
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request=request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            raise LockedOutError(get_cool_off(request))
        if user is None:
            raise DomainError(_("用户名或密码不正确。"), code="invalid_credentials")
        # As a session sign-in does: axes resets the user's failures, Django sets last_login.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        token, _created = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key}).data)


@extend_schema(tags=["accounts"])
class MeView(generics.RetrieveAPIView):
    """The signed-in user's own profile: roles, department, identity (unmasked)."""

    serializer_class = MeSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_object(self) -> User:
        return self.request.user


@extend_schema(tags=["accounts"])
class DepartmentListView(generics.ListAPIView):
    """Every department, by code, as a plain (unpaginated) list."""

    serializer_class = DepartmentSerializer
    permission_classes = [permissions.AllowAny]
    pagination_class = None
    filter_backends: list = []
    queryset = Department.objects.order_by("code")
