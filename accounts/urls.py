"""The citizen portal's account pages."""

from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("profile/", views.profile, name="profile"),
    path("password/", views.password_change_page, name="password-change"),
    path("password/reset/", views.password_reset_page, name="password-reset"),
    path(
        "password/reset/confirm/",
        views.password_reset_confirm_page,
        name="password-reset-confirm",
    ),
]
