"""Print the current two-factor code of a demo staff account (for trying the demo only)."""

from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo account's demo authenticator."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, email, **options):
        device = TOTPDevice.objects.filter(
            user__email=email.lower(),
            name="Demo authenticator",
            user__email__endswith="@demo.harbor",
        ).first()
        if device is None:
            raise CommandError(f"{email} has no demo authenticator (only @demo.harbor staff do).")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"{code:0{device.digits}d}")
