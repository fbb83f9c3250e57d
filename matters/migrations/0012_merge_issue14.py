from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("matters", "0011_d1_data_item"),
        ("matters", "0011_d2_material_locker_valid_days"),
        ("matters", "0011_d3_questions"),
    ]

    operations = []
