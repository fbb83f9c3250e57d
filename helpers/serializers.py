"""API shapes of home-visit requests."""

from rest_framework import serializers

from accounts.identity import mask_name, mask_phone
from cases.serializers import ApplicantInput, DeliveryInput
from halls.serializers import hall_ref

from .models import HomeVisit
from .selectors import needs_contact


def mask_address(address: str) -> str:
    """The start of an address (the district, the street): ``新嘉街道荷花村****``."""
    if len(address) <= 6:
        return "*" * len(address)
    return address[:6] + "****"


class HomeVisitInput(serializers.Serializer):
    # Blank values are named by the service, all at once.
    name = serializers.CharField(max_length=100, allow_blank=True)
    phone = serializers.CharField(max_length=20, allow_blank=True)
    address = serializers.CharField(max_length=200, allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    matter = serializers.CharField(required=False, allow_blank=True)
    hall = serializers.CharField(required=False, allow_blank=True)


class AssignInput(serializers.Serializer):
    helper = serializers.CharField(max_length=150)


class FileInput(serializers.Serializer):
    """The case filed on the spot: as ``POST /api/v1/cases/`` (the matter defaults to the
    request's)."""

    matter = serializers.CharField(required=False, allow_blank=True)
    bundle = serializers.CharField(required=False, allow_blank=True)
    applicant = ApplicantInput()
    delivery = DeliveryInput(required=False)


class HomeVisitSerializer(serializers.ModelSerializer):
    """A request; phone and address masked for those who do not need them."""

    status_label = serializers.CharField(source="get_status_display")
    channel_label = serializers.CharField(source="get_channel_display")
    name = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    matter = serializers.SerializerMethodField()
    hall = serializers.SerializerMethodField()
    helper = serializers.SerializerMethodField()
    case = serializers.SerializerMethodField()

    class Meta:
        model = HomeVisit
        fields = (
            "id",
            "status",
            "status_label",
            "channel",
            "channel_label",
            "name",
            "phone",
            "address",
            "reason",
            "matter",
            "hall",
            "helper",
            "case",
            "created_at",
            "assigned_at",
            "filed_at",
        )

    def _whole(self, visit: HomeVisit) -> bool:
        return needs_contact(
            self.context["request"].user, visit, detail=self.context.get("detail", False)
        )

    def get_name(self, visit) -> str:
        return visit.name if self._whole(visit) else mask_name(visit.name)

    def get_phone(self, visit) -> str:
        return visit.phone if self._whole(visit) else mask_phone(visit.phone)

    def get_address(self, visit) -> str:
        return visit.address if self._whole(visit) else mask_address(visit.address)

    def get_matter(self, visit) -> dict | None:
        return {"code": visit.matter.code, "name": visit.matter.name} if visit.matter_id else None

    def get_hall(self, visit) -> dict | None:
        return hall_ref(visit.hall)

    def get_helper(self, visit) -> dict | None:
        if visit.helper is None:
            return None
        return {"name": visit.helper.display_name, "phone": visit.helper.phone}

    def get_case(self, visit) -> str | None:
        """The number of the case filed on the visit (its page is the applicant's and the
        helper's; others follow it by number on the public tracking)."""
        return visit.case.number if visit.case_id else None
