"""The retention the issue sets per purpose, as rows the admin can change."""

from django.db import migrations

DAYS = {"therapeutic": 30, "qa": 90, "education": 365, "catchup": 14}


def add(apps, schema_editor):
    retention = apps.get_model("recordings", "RecordingRetention")
    for purpose, days in DAYS.items():
        retention.objects.get_or_create(purpose=purpose, defaults={"days": days})


class Migration(migrations.Migration):
    dependencies = [("recordings", "0001_initial")]

    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
