"""API v1 routes. Each app contributes its views; the contract is in ARCHITECTURE.md."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from accounts.api import (
    DepartmentListView,
    LogoutView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
    TokenView,
)
from cases.api import CaseViewSet, ReviewViewSet, TrackView, TransferViewSet
from cases.material_api import MaterialFileView
from delivery.api import CourierWebhookView
from exchange.api import DataItemListView, MyDataAccessView
from hall.api.me import MeView
from hall.supervision.api import SupervisionSummaryView
from halls.api import HallViewSet
from helpers.api import HomeVisitViewSet
from locker.api import LockerViewSet
from matters.api import BundleViewSet, MatterViewSet
from notices.api import EmailAddressView, EmailConfirmView, NoticeViewSet
from payments.api import CasePaymentView, PaymentCallbackView

app_name = "api"

router = SimpleRouter()
router.register("matters", MatterViewSet, basename="matter")
router.register("bundles", BundleViewSet, basename="bundle")
router.register("halls", HallViewSet, basename="hall")
router.register("cases", CaseViewSet, basename="case")
router.register("reviews", ReviewViewSet, basename="review")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("notices", NoticeViewSet, basename="notice")
router.register("home-visits", HomeVisitViewSet, basename="home-visit")
router.register("locker", LockerViewSet, basename="locker")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("auth/password/", PasswordChangeView.as_view(), name="auth-password"),
    path("auth/password-reset/", PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password-reset/confirm/",
        PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("me/", MeView.as_view(), name="me"),
    path("me/email/", EmailAddressView.as_view(), name="me-email"),
    path("me/data-access/", MyDataAccessView.as_view(), name="me-data-access"),
    path("data-items/", DataItemListView.as_view(), name="data-item-list"),
    path("me/email/confirm/", EmailConfirmView.as_view(), name="me-email-confirm"),
    path("departments/", DepartmentListView.as_view(), name="department-list"),
    path("track/<str:number>/", TrackView.as_view(), name="track"),
    path(
        "cases/<str:number>/materials/<int:file_id>/",
        MaterialFileView.as_view(),
        name="case-material-file",
    ),
    path(
        "supervision/summary/",
        SupervisionSummaryView.as_view(),
        name="supervision-summary",
    ),
    path("delivery/webhook/", CourierWebhookView.as_view(), name="delivery-webhook"),
    path("payments/callback/", PaymentCallbackView.as_view(), name="payment-callback"),
    path("cases/<str:number>/payment/", CasePaymentView.as_view(), name="case-payment"),
    path("", include("documents.api")),
    path("", include("windows.api")),
    path("", include(router.urls)),
]
