from django.db import migrations


def install(apps, schema_editor):
    from evaluation.defaults import install_default_template

    install_default_template(
        apps.get_model("evaluation", "Template"),
        apps.get_model("evaluation", "Area"),
        apps.get_model("evaluation", "Indicator"),
    )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
