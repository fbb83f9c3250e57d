"""The citizen portal's account pages: sign-up, sign-in, sign-out, one's own profile, password
change and the reset of a forgotten password by SMS code."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from . import roles
from .exceptions import IdentityError, PasswordError
from .forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetConfirmForm,
    PasswordResetRequestForm,
    SignupForm,
)
from .ratelimits import address_limited, rate_limited_response
from .services import citizen_register
from .services_auth import (
    password_change,
    password_reset_confirm,
    password_reset_request,
    reset_sent_message,
)

RESET_SESSION_KEY = "password_reset_username"

ROLE_LABELS = {
    roles.CITIZEN: gettext_lazy("办事群众/企业"),
    roles.CLERK: gettext_lazy("窗口人员"),
    roles.APPROVER: gettext_lazy("审批人员"),
    roles.SUPERVISOR: gettext_lazy("监察人员"),
    roles.CATALOG_ADMIN: gettext_lazy("事项管理员"),
}


@sensitive_post_parameters("password1", "password2", "id_number", "credit_code")
def signup(request: HttpRequest) -> HttpResponse:
    """A person or a company makes an account, and is signed in at once."""
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    # "Already registered" tells whether an ID number has an account: an address that was
    # told so too often gets no answer at all for a while, for any identity.
    if request.method == "POST" and address_limited(request, "signup", increment=False):
        return rate_limited_response(request, message=_("注册尝试过于频繁，请稍后再试。"))
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = citizen_register(**form.service_kwargs())
        except IdentityError as exc:
            if exc.code == "already_registered":
                address_limited(request, "signup")
            form.add_service_errors(exc.extra.get("errors") or {"__all__": [exc.detail]})
        else:
            login(request, user, backend="accounts.backends.IdentityModelBackend")
            messages.success(request, _("注册成功，您已登录。"))
            return redirect("accounts:profile")
    return render(request, "accounts/signup.html", {"form": form})


# Where each role works all day, in this order when a person has several.
WORKSPACES = (
    (roles.CLERK, "windows:desk-home"),
    (roles.APPROVER, "admin:cases_review_changelist"),
    (roles.SUPERVISOR, "supervision:dashboard"),
    (roles.CATALOG_ADMIN, "admin:index"),
)


def workspace_url(user) -> str:
    """The page a person lands on after sign-in: staff their own workspace, others home."""
    for role, url_name in WORKSPACES:
        if user.is_staff and user.has_role(role):
            return reverse(url_name)
    if user.is_superuser:
        return reverse("admin:index")
    return reverse(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    """Sign-in; django-axes locks a user name after repeated failures. Without a ``next``,
    staff land on their own workspace (``workspace_url``)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return workspace_url(self.request.user)


class LogoutView(auth_views.LogoutView):
    """Sign-out (POST only), then back to the home page with a note."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("您已安全退出。"))
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    """One's own account data, unmasked: it is one's own."""
    user = request.user
    labels = [str(ROLE_LABELS.get(name, name)) for name in user.role_names()]
    return render(request, "accounts/profile.html", {"profile_user": user, "roles": labels})


def _show_password_errors(form, error: PasswordError, fields: dict[str, str]) -> None:
    """Put a service's password refusal next to the form's field it is about."""
    for service_field, form_field in fields.items():
        for message in error.extra.get(service_field, []):
            form.add_error(form_field, message)
    if not any(error.extra.get(field) for field in fields):
        form.add_error(None, error.detail)


@login_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change_page(request: HttpRequest) -> HttpResponse:
    """Change one's own password; other browsers and every API token are signed out."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST":
        if address_limited(request, "password_change"):
            return rate_limited_response(request)
        if form.is_valid():
            try:
                password_change(
                    user=request.user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password1"],
                )
            except PasswordError as error:
                _show_password_errors(
                    form, error, {"old_password": "old_password", "new_password": "new_password1"}
                )
            else:
                request.user.refresh_from_db(fields=["password"])
                update_session_auth_hash(request, request.user)
                messages.success(request, _("密码已修改。其他设备上的登录已失效。"))
                return redirect("accounts:profile")
    return render(request, "accounts/password_change.html", {"form": form})


@sensitive_post_parameters("username")
def password_reset_page(request: HttpRequest) -> HttpResponse:
    """A forgotten password, step 1: which account; a code goes by SMS to its mobile.

    The next page says the same whether or not the account exists.
    """
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        if address_limited(request, "password_reset"):
            return rate_limited_response(request)
        if form.is_valid():
            password_reset_request(identifier=form.cleaned_data["username"])
            request.session[RESET_SESSION_KEY] = form.cleaned_data["username"]
            return redirect("accounts:password-reset-confirm")
    return render(request, "accounts/password_reset.html", {"form": form})


@sensitive_post_parameters("code", "new_password1", "new_password2")
def password_reset_confirm_page(request: HttpRequest) -> HttpResponse:
    """A forgotten password, step 2: the code from the SMS and the new password."""
    initial = {"username": request.session.get(RESET_SESSION_KEY, "")}
    form = PasswordResetConfirmForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if address_limited(request, "password_reset_confirm"):
            return rate_limited_response(request)
        if form.is_valid():
            try:
                password_reset_confirm(
                    identifier=form.cleaned_data["username"],
                    code=form.cleaned_data["code"],
                    new_password=form.cleaned_data["new_password1"],
                )
            except PasswordError as error:
                fields = {"new_password": "new_password1"}
                if error.code == "invalid_code":
                    form.add_error("code", error.detail)
                else:
                    _show_password_errors(form, error, fields)
            else:
                request.session.pop(RESET_SESSION_KEY, None)
                messages.success(request, _("密码已重设，请用新密码登录。"))
                return redirect("accounts:login")
    return render(
        request,
        "accounts/password_reset_confirm.html",
        {"form": form, "sent_message": reset_sent_message()},
    )
