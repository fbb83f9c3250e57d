from django.db import migrations, models

FIELD = dict(
    default=0,
    help_text="窗口核验后存入申请人材料库、供后续办件复用的天数（如 365）；0 表示不存入（如申请表）",
    verbose_name="材料库有效天数",
)


class Migration(migrations.Migration):
    dependencies = [
        ("matters", "0010_matter_intake_scope"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalmaterialtype",
            name="locker_valid_days",
            field=models.PositiveIntegerField(**FIELD),
        ),
        migrations.AddField(
            model_name="materialtype",
            name="locker_valid_days",
            field=models.PositiveIntegerField(**FIELD),
        ),
    ]
