"""Window numbers, ticket numbers and slots are per hall: two halls both have window 1 and
both hand out A001 today. Existing ticket sequences belong to the city centre."""

import django.db.models.deletion
from django.db import migrations, models

import halls.selectors


def to_city_centre(apps, schema_editor):
    Hall = apps.get_model("halls", "Hall")
    hall = Hall.objects.filter(level="city", parent__isnull=True).order_by("id").first()
    if hall is None:
        return  # no sequences yet
    apps.get_model("windows", "TicketSequence").objects.filter(hall__isnull=True).update(hall=hall)


class Migration(migrations.Migration):
    dependencies = [
        ("halls", "0002_city_centre"),
        ("windows", "0005_hall"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="window",
            options={
                "ordering": ["hall_id", "number"],
                "verbose_name": "窗口",
                "verbose_name_plural": "窗口",
            },
        ),
        migrations.RemoveConstraint(
            model_name="slot",
            name="slot_board_start",
        ),
        migrations.RemoveConstraint(
            model_name="ticket",
            name="ticket_board_date_sequence",
        ),
        migrations.RemoveConstraint(
            model_name="ticketsequence",
            name="ticket_sequence_board_date",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_queue_idx",
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_called_idx",
        ),
        migrations.AddField(
            model_name="ticketsequence",
            name="hall",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, to="halls.hall"
            ),
        ),
        migrations.RunPython(to_city_centre, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ticketsequence",
            name="hall",
            field=models.ForeignKey(
                default=halls.selectors.city_centre_id,
                on_delete=django.db.models.deletion.CASCADE,
                to="halls.hall",
            ),
        ),
        migrations.AlterField(
            model_name="window",
            name="number",
            field=models.PositiveSmallIntegerField(verbose_name="窗口号"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                fields=["hall", "date", "status", "board"], name="ticket_hall_queue_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["hall", "date", "called_at"], name="ticket_hall_called_idx"),
        ),
        migrations.AddConstraint(
            model_name="slot",
            constraint=models.UniqueConstraint(
                fields=("hall", "board", "date", "start"), name="slot_hall_board_start"
            ),
        ),
        migrations.AddConstraint(
            model_name="ticket",
            constraint=models.UniqueConstraint(
                fields=("hall", "board", "date", "sequence"), name="ticket_hall_board_date_sequence"
            ),
        ),
        migrations.AddConstraint(
            model_name="ticketsequence",
            constraint=models.UniqueConstraint(
                fields=("hall", "board", "date"), name="ticket_sequence_hall_board_date"
            ),
        ),
        migrations.AddConstraint(
            model_name="window",
            constraint=models.UniqueConstraint(
                fields=("hall", "number"), name="window_hall_number"
            ),
        ),
    ]
