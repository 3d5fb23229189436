"""On PostgreSQL the database itself refuses to change or delete a ledger entry, so
neither a raw query nor a bug in a later migration can rewrite the books."""

from django.db import migrations

CREATE = """
CREATE FUNCTION funding_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are never changed or deleted; write a reversal';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER funding_ledger_append_only
    BEFORE UPDATE OR DELETE ON funding_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION funding_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS funding_ledger_append_only ON funding_ledgerentry;
DROP FUNCTION IF EXISTS funding_ledger_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
