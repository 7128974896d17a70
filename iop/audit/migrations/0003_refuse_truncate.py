"""PostgreSQL refuses TRUNCATE of the audit log too (row triggers never see a TRUNCATE).

A statement trigger raises unless the session has set `harbor.allow_audit_truncate` to `on`.
Only the test runner sets it (tests/conftest.py, as a connection option), because Django
empties every table with one TRUNCATE between transactional tests; Harbor's code never sets it.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION harbor_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF coalesce(current_setting('harbor.allow_audit_truncate', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGER = """
CREATE TRIGGER audit_accesslog_no_truncate
    BEFORE TRUNCATE ON audit_accesslog
    FOR EACH STATEMENT EXECUTE FUNCTION harbor_refuse_truncate();
"""


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.RunSQL(FUNCTION, "DROP FUNCTION IF EXISTS harbor_refuse_truncate() CASCADE;"),
        migrations.RunSQL(
            TRIGGER, "DROP TRIGGER IF EXISTS audit_accesslog_no_truncate ON audit_accesslog;"
        ),
    ]
