"""Calendar feed tokens are kept as their SHA-256 only; existing tokens are hashed in place,
so the addresses already in people's calendars keep working."""

import hashlib

from django.db import migrations, models


def hash_tokens(apps, schema_editor):
    CalendarFeed = apps.get_model("sessions_app", "CalendarFeed")
    for feed in CalendarFeed.objects.all().only("pk", "token_hash").iterator():
        plain = feed.token_hash
        feed.token_hash = hashlib.sha256(plain.encode()).hexdigest()
        feed.save(update_fields=["token_hash"])


class Migration(migrations.Migration):
    dependencies = [("sessions_app", "0002_sessions_attendance_makeups")]

    operations = [
        migrations.RenameField(model_name="calendarfeed", old_name="token", new_name="token_hash"),
        migrations.AlterField(
            model_name="calendarfeed",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        # Not reversible: a hash cannot be turned back into the token (make new addresses).
        migrations.RunPython(hash_tokens, migrations.RunPython.noop, elidable=False),
    ]
