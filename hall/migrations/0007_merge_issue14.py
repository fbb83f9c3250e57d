from django.db import migrations, models


class Migration(migrations.Migration):
    """Merges the saved-material counts (d2) with the roll-up table (d5): the roll-up keeps
    the same counts as the daily summary, so it gains the two new columns too (filled by the
    next refresh of the days they cover; ``supervision_summary`` rebuilds at once)."""

    dependencies = [
        ("hall", "0006_d2_supervision_saved_materials"),
        ("hall", "0006_d5_rollup_daily"),
    ]

    operations = [
        migrations.AddField(
            model_name="supervisionrollupdaily",
            name="by_data",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="supervisionrollupdaily",
            name="by_locker",
            field=models.PositiveIntegerField(default=0),
        ),
    ]
