"""Kiosks registered by staff, and an unguessable code per booking (filled in for old ones)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import windows.models


def fill_codes(apps, schema_editor):
    Appointment = apps.get_model("windows", "Appointment")
    taken = set()
    for appointment in Appointment.objects.filter(code__isnull=True).only("pk"):
        code = windows.models.new_booking_code()
        while code in taken:
            code = windows.models.new_booking_code()
        taken.add(code)
        Appointment.objects.filter(pk=appointment.pk).update(code=code)


class Migration(migrations.Migration):
    dependencies = [
        ("windows", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Kiosk",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=50, unique=True, verbose_name="名称")),
                (
                    "active",
                    models.BooleanField(
                        default=True,
                        help_text="停用后该设备不能再按身份证号码签到",
                        verbose_name="启用",
                    ),
                ),
                ("registered_at", models.DateTimeField(auto_now=True, verbose_name="登记时间")),
                (
                    "registered_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="登记人",
                    ),
                ),
            ],
            options={
                "verbose_name": "自助取号机",
                "verbose_name_plural": "自助取号机",
                "ordering": ["name"],
            },
        ),
        migrations.AddField(
            model_name="appointment",
            name="code",
            field=models.CharField(editable=False, max_length=12, null=True, verbose_name="预约码"),
        ),
        migrations.RunPython(fill_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="appointment",
            name="code",
            field=models.CharField(
                default=windows.models.new_booking_code,
                editable=False,
                max_length=12,
                unique=True,
                verbose_name="预约码",
            ),
        ),
    ]
