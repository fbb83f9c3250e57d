"""Indexes that other indexes already cover (each begins with the column; a review's status
is the condition of the pending queues' partial indexes), dropped: every transition wrote
them for nothing (issue 11). Changed in the state only; the database
drops them by name without blocking writes (``hall.schema.DropIndexes``)."""

import django.db.models.deletion
import django_fsm
from django.db import migrations, models

from hall.schema import DropIndexes


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("accounts", "0007_helper_role"),
        ("cases", "0018_p5_review_city_queue"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="created_at",
                    field=models.DateTimeField(auto_now_add=True, verbose_name="创建时间"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="deadline",
                    field=models.DateField(blank=True, null=True, verbose_name="办结期限"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="status",
                    field=django_fsm.FSMField(
                        choices=[
                            ("draft", "草稿"),
                            ("submitted", "已提交"),
                            ("supplement_required", "待补正"),
                            ("rejected", "不予受理"),
                            ("in_review", "审查中"),
                            ("approved", "准予"),
                            ("denied", "不予许可"),
                            ("ready", "待领取/待寄送"),
                            ("in_transit", "寄送中"),
                            ("closed", "已办结"),
                            ("withdrawn", "已撤回"),
                        ],
                        default="draft",
                        max_length=50,
                        verbose_name="状态",
                    ),
                ),
                migrations.AlterField(
                    model_name="review",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="review",
                    name="department",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="accounts.department",
                        verbose_name="审查部门",
                    ),
                ),
                migrations.AlterField(
                    model_name="review",
                    name="status",
                    field=django_fsm.FSMField(
                        choices=[
                            ("pending", "待审"),
                            ("approved", "同意"),
                            ("returned", "退回补正"),
                            ("denied", "不同意"),
                        ],
                        default="pending",
                        max_length=50,
                        verbose_name="审查结论",
                    ),
                ),
            ],
            database_operations=[
                DropIndexes(
                    {
                        "cases_case_created_at_1f9faaa8": ("cases_case", '"created_at"', False),
                        "cases_case_deadline_f73e1100": ("cases_case", '"deadline"', False),
                        "cases_case_status_95787cb3": ("cases_case", '"status"', False),
                        "cases_case_status_95787cb3_like": (
                            "cases_case",
                            '"status" varchar_pattern_ops',
                            True,
                        ),
                        "cases_review_case_id_9cc88c78": ("cases_review", '"case_id"', False),
                        "cases_review_department_id_17bf56fd": (
                            "cases_review",
                            '"department_id"',
                            False,
                        ),
                        "cases_review_status_6fc45418": ("cases_review", '"status"', False),
                        "cases_review_status_6fc45418_like": (
                            "cases_review",
                            '"status" varchar_pattern_ops',
                            True,
                        ),
                    }
                )
            ],
        )
    ]
