"""PostgreSQL refuses UPDATE and DELETE on the audit log, whoever asks.

The function is shared: other append-only ledgers install the same trigger on their tables.
TRUNCATE is refused by a statement trigger (0003), except in the test runner's sessions.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION harbor_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGER = """
CREATE TRIGGER audit_accesslog_append_only
    BEFORE UPDATE OR DELETE ON audit_accesslog
    FOR EACH ROW EXECUTE FUNCTION harbor_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS harbor_refuse_change() CASCADE;"),
        migrations.RunSQL(
            TRIGGER, "DROP TRIGGER IF EXISTS audit_accesslog_append_only ON audit_accesslog;"
        ),
    ]
