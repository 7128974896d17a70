"""Email goes through Django's configured email backend (SMTP in production)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid

from iop.notify.backends.base import ProviderError, SendResult


def send_email(*, to: str, subject: str, body: str, idempotency_key: str) -> SendResult:
    sender = str(settings.DEFAULT_FROM_EMAIL)
    message_id = make_msgid(domain=sender.rsplit("@", 1)[-1])
    email = EmailMessage(
        subject=subject or str(settings.CLINIC_NAME),
        body=body,
        from_email=sender,
        to=[to],
        headers={"Message-ID": message_id, "X-Harbor-Idempotency-Key": idempotency_key},
    )
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise ProviderError(str(exc), permanent=True, code="smtp-refused", recipient=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise ProviderError(str(exc), permanent=False, code="smtp") from exc
    return SendResult(provider_id=message_id.strip("<>")[:64], provider_status="sent")
