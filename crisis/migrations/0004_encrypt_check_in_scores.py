"""Check-in scores and bands are encrypted at rest; the risk level and its rank stay plain
(the risk list orders by them, the missed-session roll call reads the level)."""

from django.db import migrations

import iop.encryption
from iop.encryption import encrypt_existing


class Migration(migrations.Migration):
    dependencies = [
        ("crisis", "0003_encrypt_health_notes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="checkin",
            name="band",
            field=iop.encryption.EncryptedTextField(max_length=40),
        ),
        # The column becomes text (score::text); the data step then encrypts the digits.
        migrations.AlterField(
            model_name="checkin",
            name="score",
            field=iop.encryption.EncryptedIntegerField(),
        ),
        migrations.RunPython(
            encrypt_existing("crisis.CheckIn", "score", "band"), migrations.RunPython.noop
        ),
    ]
