"""The consent ledger is append-only: a withdrawal is a new row, never an edit."""

from django.db import migrations

TRIGGER = """
CREATE TRIGGER consents_record_append_only
    BEFORE UPDATE OR DELETE ON consents_consentrecord
    FOR EACH ROW EXECUTE FUNCTION harbor_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("consents", "0001_initial"), ("audit", "0002_append_only")]

    operations = [
        migrations.RunSQL(
            TRIGGER, "DROP TRIGGER IF EXISTS consents_record_append_only ON consents_consentrecord;"
        ),
    ]
