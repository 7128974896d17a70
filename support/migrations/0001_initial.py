from django.db import migrations

# pg_trgm lets the help centre's search find articles despite typos. Debian's PostgreSQL (and
# any production server) ships it; the embedded server of `make run` on a machine with only
# Python (pgserver) does not, and search then corrects typos against the articles' own words.
CREATE_TRGM_IF_AVAILABLE = """
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    END IF;
END
$$;
"""


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []

    operations = [migrations.RunSQL(CREATE_TRGM_IF_AVAILABLE, migrations.RunSQL.noop)]
