from django.db import migrations


def create_helper_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name="helper")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_user_hall")]

    operations = [migrations.RunPython(create_helper_role, migrations.RunPython.noop)]
