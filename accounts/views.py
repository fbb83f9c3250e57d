"""The citizen portal's account pages: sign-up, sign-in, sign-out and one's own profile."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_post_parameters

from . import roles
from .exceptions import IdentityError
from .forms import LoginForm, SignupForm
from .services import citizen_register

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
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = citizen_register(**form.service_kwargs())
        except IdentityError as exc:
            form.add_service_errors(exc.extra.get("errors") or {"__all__": [exc.detail]})
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("注册成功，您已登录。"))
            return redirect("accounts:profile")
    return render(request, "accounts/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    """Sign-in; django-axes locks a user name after repeated failures."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


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
