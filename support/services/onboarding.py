"""The getting-started checklist: once a client has done every item, their home page stops asking."""

from __future__ import annotations

from django.utils import timezone

from iop.accounts.models import ClientProfile
from iop.domain import NotAllowed
from iop.viewer import Actor, person_of
from support.models import OnboardingCompletion


def onboarding_complete(*, actor: Actor, client: ClientProfile) -> OnboardingCompletion:
    """Record that the client finished the checklist (the client themself; done once)."""
    person = person_of(actor)
    if person is None or person.pk != client.user_id:
        raise NotAllowed("Only the client finishes their own getting-started checklist.")
    done, _ = OnboardingCompletion.objects.get_or_create(
        client=client, defaults={"completed_at": timezone.now()}
    )
    return done
