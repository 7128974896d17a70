"""Worker heartbeat: proves to /healthz that a worker is consuming tasks."""

import socket

from celery import shared_task
from django.utils import timezone

from iop.realtime.models import Heartbeat


@shared_task(ignore_result=True)
def heartbeat_task() -> None:
    Heartbeat.objects.update_or_create(
        name="worker", defaults={"beat_at": timezone.now(), "hostname": socket.gethostname()}
    )
