"""Two-factor enrolment: a TOTP device confirmed by a first code, plus single-use backup codes."""

from __future__ import annotations

import base64

import segno
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from iop.accounts.models import User

BACKUP_CODE_COUNT = 10


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp(user: User) -> TOTPDevice:
    """The unconfirmed device being enrolled (made on first visit, reused on reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=5, title="Enrolment QR code")


def totp_confirm(*, user: User, device: TOTPDevice, token: str) -> bool:
    """Confirm enrolment when the first code matches; older devices are replaced."""
    if device.user_id != user.pk or not device.verify_token(token.strip()):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True


def backup_codes_issue(*, user: User) -> list[str]:
    """Replace the user's backup codes with a fresh set; they are shown once."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name="Backup codes", defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
