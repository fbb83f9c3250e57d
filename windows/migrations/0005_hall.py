"""Windows, tickets, slots and kiosks belong to a hall; existing ones to the city centre."""

import django.db.models.deletion
from django.db import migrations, models

import halls.selectors

MODELS = (("kiosk", "kiosks"), ("slot", "slots"), ("ticket", "tickets"), ("window", "windows"))


def to_city_centre(apps, schema_editor):
    Hall = apps.get_model("halls", "Hall")
    hall = Hall.objects.filter(level="city", parent__isnull=True).order_by("id").first()
    if hall is None:
        return  # no rows to fill: the table was created empty with the city centre
    for model, _related in MODELS:
        apps.get_model("windows", model).objects.filter(hall__isnull=True).update(hall=hall)


class Migration(migrations.Migration):
    dependencies = [
        ("halls", "0002_city_centre"),
        ("windows", "0004_h7_ticket_appointment_fsm"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name=model,
                name="hall",
                field=models.ForeignKey(
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name=related,
                    to="halls.hall",
                    verbose_name="网点",
                ),
            )
            for model, related in MODELS
        ),
        migrations.RunPython(to_city_centre, migrations.RunPython.noop),
        *(
            migrations.AlterField(
                model_name=model,
                name="hall",
                field=models.ForeignKey(
                    default=halls.selectors.city_centre_id,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name=related,
                    to="halls.hall",
                    verbose_name="网点",
                ),
            )
            for model, related in MODELS
        ),
    ]
