"""A message's template context (names, times, links about a client) is encrypted at rest."""

from django.db import migrations

import iop.encryption
from iop.encryption import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0002_encrypt_health_notes"),
    ]

    operations = [
        # The jsonb column becomes text (context::text, still JSON); the data step encrypts it.
        migrations.AlterField(
            model_name="outboundmessage",
            name="context",
            field=iop.encryption.EncryptedJSONField(blank=True, default=dict),
        ),
        migrations.RunPython(
            encrypt_existing("notify.OutboundMessage", "context"), migrations.RunPython.noop
        ),
    ]
