"""Indexes that composite indexes already cover (each begins with the column), dropped:
every notice wrote them for nothing (issue 11). Changed in the state only; the database
drops them by name without blocking writes (``hall.schema.DropIndexes``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from hall.schema import DropIndexes


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("notices", "0004_h6_notice_read_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notice",
                    name="recipient",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notices",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="接收人",
                    ),
                ),
                migrations.AlterField(
                    model_name="notice",
                    name="status",
                    field=models.CharField(
                        choices=[("pending", "待发送"), ("sent", "已发送"), ("failed", "发送失败")],
                        default="pending",
                        max_length=10,
                        verbose_name="状态",
                    ),
                ),
            ],
            database_operations=[
                DropIndexes(
                    {
                        "notices_notice_recipient_id_fd0027f8": (
                            "notices_notice",
                            '"recipient_id"',
                            False,
                        ),
                        "notices_notice_status_9f80b71f": ("notices_notice", '"status"', False),
                        "notices_notice_status_9f80b71f_like": (
                            "notices_notice",
                            '"status" varchar_pattern_ops',
                            True,
                        ),
                    }
                )
            ],
        )
    ]
