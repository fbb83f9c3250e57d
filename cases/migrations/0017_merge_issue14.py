from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0016_d2_material_reused_from"),
        ("cases", "0016_d3_case_answers"),
        ("cases", "0016_d4_fee_outstanding"),
        ("cases", "0016_d5_visit_date"),
    ]

    operations = []
