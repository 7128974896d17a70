from django.db import migrations, models

# The functions of every table's statement-level triggers (iop/api/table_changes.py installs the
# triggers after each migrate, so tables made by later migrations have them too). A statement
# that changed no row (an UPDATE that matched nothing) leaves no mark.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION harbor_note_table_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        INSERT INTO api_tablechange (table_name, weight) VALUES (TG_TABLE_NAME, 1);
    END IF;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION harbor_note_table_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO api_tablechange (table_name, weight) VALUES (TG_TABLE_NAME, 1);
    RETURN NULL;
END
$$;
"""
DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS harbor_note_table_change() CASCADE;
DROP FUNCTION IF EXISTS harbor_note_table_truncate() CASCADE;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0010_session_notes_read_scope"),
    ]

    operations = [
        migrations.CreateModel(
            name="TableChange",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("table_name", models.CharField(max_length=63)),
                ("weight", models.BigIntegerField(default=1)),
            ],
            options={
                "indexes": [models.Index(fields=["table_name"], name="api_tablechange_table")],
            },
        ),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
    ]
