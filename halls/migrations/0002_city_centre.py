"""The city centre: every existing window, ticket, slot, kiosk and case belongs to it."""

from django.conf import settings
from django.db import migrations

HOURS = [
    {"days": [1, 2, 3, 4, 5], "open": "09:00", "close": "12:00", "note": ""},
    {"days": [1, 2, 3, 4, 5], "open": "13:30", "close": "17:00", "note": ""},
]


def create_city_centre(apps, schema_editor):
    Hall = apps.get_model("halls", "Hall")
    if not Hall.objects.filter(level="city", parent__isnull=True).exists():
        Hall.objects.get_or_create(
            code="city",
            defaults={
                "name": settings.HALL_NAME,
                "level": "city",
                "address": settings.HALL_ADDRESS,
                "phone": settings.HALL_PHONE,
                "hours": HOURS,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("halls", "0001_initial")]

    operations = [migrations.RunPython(create_city_centre, migrations.RunPython.noop)]
