"""Consent notes are encrypted at rest, and the append-only ledger accepts key rotation.

The ledger still refuses every UPDATE and DELETE, with one exception: an UPDATE that changes
nothing but the listed encrypted columns, to Harbor ciphertext, while the transaction has set
`harbor.rotating_keys` to `on` (`iop.encryption.rekeying`). Only `manage.py rotate_field_keys`
and this migration's data step set it, inside their own transactions; an ORM save never does.
"""

from django.db import migrations

import iop.encryption
from iop.encryption import encrypt_existing

FUNCTION = """
CREATE OR REPLACE FUNCTION harbor_refuse_change_but_rekey() RETURNS trigger AS $$
BEGIN
    -- TG_ARGV names the table's encrypted columns.
    IF TG_OP = 'UPDATE'
        AND coalesce(current_setting('harbor.rotating_keys', true), '') = 'on'
        AND (to_jsonb(NEW) - TG_ARGV) = (to_jsonb(OLD) - TG_ARGV)
        AND NOT EXISTS (
            SELECT 1 FROM jsonb_each_text(to_jsonb(NEW)) AS col(name, value)
            WHERE col.name = ANY (TG_ARGV) AND col.value <> '' AND col.value NOT LIKE 'fernet:%'
        )
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGER = """
DROP TRIGGER consents_record_append_only ON consents_consentrecord;
CREATE TRIGGER consents_record_append_only
    BEFORE UPDATE OR DELETE ON consents_consentrecord
    FOR EACH ROW EXECUTE FUNCTION harbor_refuse_change_but_rekey('note');
"""

TRIGGER_BEFORE = """
DROP TRIGGER consents_record_append_only ON consents_consentrecord;
CREATE TRIGGER consents_record_append_only
    BEFORE UPDATE OR DELETE ON consents_consentrecord
    FOR EACH ROW EXECUTE FUNCTION harbor_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("consents", "0002_append_only"),
    ]

    operations = [
        migrations.AlterField(
            model_name="consentrecord",
            name="note",
            field=iop.encryption.EncryptedTextField(blank=True, max_length=300),
        ),
        migrations.RunSQL(
            FUNCTION, "DROP FUNCTION IF EXISTS harbor_refuse_change_but_rekey() CASCADE;"
        ),
        migrations.RunSQL(TRIGGER, TRIGGER_BEFORE),
        # Rows written before: their plain text is encrypted in place (under `rekeying`).
        migrations.RunPython(
            encrypt_existing("consents.ConsentRecord", "note"), migrations.RunPython.noop
        ),
    ]
