"""The ledger stays append-only on PostgreSQL, except for where an entry is listed: its
``region_id``, a copy of its helping school's region, moves when the school moves to
another county (schools.region_copies). Every other column still cannot change."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION funding_ledger_append_only() RETURNS trigger AS $$
BEGIN
    {allow}
    RAISE EXCEPTION 'ledger entries are never changed or deleted; write a reversal';
END;
$$ LANGUAGE plpgsql;
"""
ALLOW_REGION = """IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - 'region_id') = (to_jsonb(OLD) - 'region_id') THEN
        RETURN NEW;
    END IF;"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION.format(allow=ALLOW_REGION))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION.format(allow=""))


class Migration(migrations.Migration):
    dependencies = [("funding", "0003_recent_index")]

    operations = [migrations.RunPython(forwards, backwards)]
