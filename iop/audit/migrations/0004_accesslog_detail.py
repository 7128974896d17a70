from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_refuse_truncate")]

    operations = [
        migrations.AddField(
            model_name="accesslog",
            name="detail",
            field=models.CharField(
                blank=True,
                default="",
                help_text="What changed, e.g. 'role: clinician → supervisor'.",
                max_length=255,
            ),
            preserve_default=False,
        ),
    ]
