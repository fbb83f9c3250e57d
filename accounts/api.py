"""API for accounts: sign-in token and sign-out, password change and reset, the signed-in
user, the list of departments."""

from datetime import timedelta

from axes.helpers import get_cool_off
from django.contrib.auth import authenticate, logout, update_session_auth_hash, user_logged_in
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.models import AuthToken
from rest_framework import exceptions, generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .backends import LOGIN_SCOPE
from .exceptions import DomainError
from .models import Department, User
from .ratelimits import rate_period_seconds
from .serializers import (
    DepartmentSerializer,
    DetailSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from .services_auth import (
    password_change,
    password_reset_confirm,
    password_reset_request,
    reset_sent_message,
    token_issue,
    token_revoke,
)


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


class AddressLimitedError(exceptions.APIException):
    """Too many failed sign-ins from this client address, whatever the usernames."""

    status_code = 429
    default_code = "too_many_attempts"

    def __init__(self):
        super().__init__(_("您所在的网络登录失败次数过多，请稍后再试。"))
        # The whole period of the rate: a fixed window may end sooner, never later.
        self.wait = rate_period_seconds(LOGIN_SCOPE)


@extend_schema(
    request=TokenRequestSerializer,
    responses={
        200: TokenSerializer,
        400: OpenApiResponse(description="用户名或密码不正确（code: invalid_credentials）"),
        429: OpenApiResponse(
            description="失败次数过多：账号暂时锁定（code: locked_out），"
            "或本地址尝试过多（code: too_many_attempts）"
        ),
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
        if getattr(request, "login_address_limited", False):
            raise AddressLimitedError()
        if getattr(request, "axes_locked_out", False):
            raise LockedOutError(get_cool_off(request))
        if user is None:
            raise DomainError(_("用户名或密码不正确。"), code="invalid_credentials")
        # As a session sign-in does: axes resets the user's failures, Django sets last_login.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response(TokenSerializer({"token": token_issue(user=user)}).data)


@extend_schema(
    request=None,
    responses={204: OpenApiResponse(description="已退出：本次使用的令牌已作废")},
    tags=["auth"],
)
class LogoutView(APIView):
    """Sign out: revoke the token of this request (or end the browser session)."""

    permission_classes = [permissions.IsAuthenticated]

    def post(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            token_revoke(token=request.auth)
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    request=PasswordChangeSerializer,
    responses={
        204: OpenApiResponse(description="密码已修改；该用户的全部令牌均已作废"),
        400: OpenApiResponse(
            description="原密码不正确（code: wrong_password）或新密码不符合要求"
            "（code: weak_password）"
        ),
    },
    tags=["auth"],
)
class PasswordChangeView(APIView):
    """Change one's own password; every API token of the user is revoked (sign in again)."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_scope = "password_change"

    def post(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_change(user=request.user, **serializer.validated_data)
        if not isinstance(request.auth, AuthToken):
            # A browser that changed it stays signed in; its other sessions do not.
            request.user.refresh_from_db(fields=["password"])
            update_session_auth_hash(request._request, request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    request=PasswordResetRequestSerializer,
    responses={202: DetailSerializer},
    tags=["auth"],
)
class PasswordResetView(APIView):
    """Ask for a password-reset code by SMS; the answer is the same whether or not the
    account exists."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_scope = "password_reset"

    def post(self, request: Request) -> Response:
        serializer = PasswordResetRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        password_reset_request(identifier=serializer.validated_data["username"])
        return Response({"detail": reset_sent_message()}, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    request=PasswordResetConfirmSerializer,
    responses={
        200: DetailSerializer,
        400: OpenApiResponse(
            description="验证码错误或已失效（code: invalid_code）或新密码不符合要求"
            "（code: weak_password）"
        ),
    },
    tags=["auth"],
)
class PasswordResetConfirmView(APIView):
    """Set a new password with the SMS code; every API token of the user is revoked."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_scope = "password_reset_confirm"

    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        password_reset_confirm(
            identifier=data["username"], code=data["sms_code"], new_password=data["new_password"]
        )
        return Response({"detail": _("密码已重设，请用新密码登录。")})


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
