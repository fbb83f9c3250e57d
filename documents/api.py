"""E-licence API: the citizen's wallet and public verification.

Include in ``hall/api/urls.py`` with ``path("", include("documents.api"))``:
- ``GET /api/v1/licences/`` — own e-licences ``{type, number, status, valid_until,
  verification_code, url}`` (paginated like every list); ``url`` downloads the certificate
  PDF with the same credential (rendered on its first download; ``null`` if rendering failed);
- ``GET /api/v1/licences/verify/{code}/`` — anyone: ``200 {status: valid|revoked|expired, …}``
  with the licence's public facts; ``404`` for no such code; ``409 {status: "invalid", code:
  "licence_tampered"}`` when the stored content no longer matches its signature (the facts
  are then not trustworthy and are not shown).
"""

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from .exceptions import LicenceTamperedError
from .models import DocumentStatus, Licence
from .selectors import licences_of_user
from .services import licence_standing, licence_verify


class LicenceSerializer(serializers.ModelSerializer):
    type = serializers.CharField(source="licence_type.name")
    type_code = serializers.CharField(source="licence_type.code")
    status = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Licence
        fields = (
            "type",
            "type_code",
            "number",
            "status",
            "issued_on",
            "valid_until",
            "verification_code",
            "url",
        )

    def get_url(self, licence: Licence) -> str | None:
        document = licence.document
        if document is None or document.status == DocumentStatus.FAILED:
            return None
        return reverse("documents:document-download", args=[licence.case.number, document.kind])

    def get_status(self, licence: Licence) -> str:
        return licence_standing(licence, timezone.localdate())


class LicenceListView(generics.ListAPIView):
    """Own e-licences (电子证照), newest first."""

    serializer_class = LicenceSerializer
    permission_classes = [permissions.IsAuthenticated]
    queryset = Licence.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Licence.objects.none()
        return licences_of_user(self.request.user)


VerificationSerializer = inline_serializer(
    "LicenceVerification",
    {
        "status": serializers.ChoiceField(["valid", "revoked", "expired"]),
        "status_label": serializers.CharField(),
        "type": serializers.CharField(),
        "number": serializers.CharField(),
        "holder_name": serializers.CharField(),
        "holder_id": serializers.CharField(),
        "scope": serializers.CharField(),
        "issued_on": serializers.DateField(),
        "valid_until": serializers.DateField(allow_null=True),
        "issuing_department": serializers.CharField(),
        "revoked_on": serializers.DateField(allow_null=True),
        "revoke_reason": serializers.CharField(),
    },
)


class LicenceVerifyView(APIView):
    """Verify an e-licence by its code (anyone): genuine and valid, revoked, or expired."""

    permission_classes = [permissions.AllowAny]
    authentication_classes = []
    throttle_scope = "verify"

    @extend_schema(responses={200: VerificationSerializer})
    def get(self, request, code: str) -> Response:
        verification = licence_verify(code)
        if verification is None:
            raise NotFound(_("未找到该电子证照。"))
        if not verification.genuine:
            raise LicenceTamperedError(
                _("证照内容与签名不符，可能已被篡改，请勿采信。"), extra={"status": "invalid"}
            )
        return Response(verification.public_facts())


urlpatterns = [
    path("licences/", LicenceListView.as_view(), name="licence-list"),
    path("licences/verify/<str:code>/", LicenceVerifyView.as_view(), name="licence-verify"),
]
