"""The default kinds of exchange (activities/kinds.py)."""

from django.db import migrations


def add_kinds(apps, schema_editor):
    from activities.kinds import install_default_kinds

    install_default_kinds(apps.get_model("activities", "ActivityKind"))


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]
    operations = [migrations.RunPython(add_kinds, migrations.RunPython.noop)]
