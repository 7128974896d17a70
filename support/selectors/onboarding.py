"""The getting-started checklist of a new client, read from the apps that own each fact: the
sessions app (a passed tech check), crisis (a safety plan), the core (consents, emergency
contacts) and the help centre (the onboarding guide). One audit row per time it is worked out;
once every item is done the client's completion is stored and nothing is read again."""

from __future__ import annotations

from dataclasses import dataclass

from crisis.selectors import safety_plans_visible_to
from iop.accounts.models import ClientProfile, EmergencyContact
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.consents.selectors import consent_states
from iop.viewer import Viewer, person_of
from sessions_app.selectors import tech_checks_visible_to
from support.models import OnboardingCompletion
from support.selectors.help import onboarding_guide_for


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    done: bool
    how: str  # what to do, shown while not done


@dataclass(frozen=True)
class Checklist:
    items: list[ChecklistItem]
    guide_slug: str

    @property
    def done_count(self) -> int:
        return sum(1 for item in self.items if item.done)

    @property
    def is_done(self) -> bool:
        return all(item.done for item in self.items)


def onboarding_checklist_for(viewer: Viewer, client: ClientProfile) -> Checklist | None:
    """The client's own checklist, or None once they have finished it (or for anyone else)."""
    person = person_of(viewer)
    if person is None or person.pk != client.user_id:
        return None
    if OnboardingCompletion.objects.filter(client=client).exists():
        return None
    access_record(actor=viewer, action=Action.VIEW, client=client, object_type="support.onboarding")
    guide = onboarding_guide_for(viewer)
    states = [s for s in consent_states(client) if s.document is not None]
    items = [
        ChecklistItem(
            "tech_check",
            "Pass a tech check",
            tech_checks_visible_to(viewer).filter(client=client, passed=True).exists(),
            "Open your next session's page: the check runs there, and you can run it any time.",
        ),
        ChecklistItem(
            "consents",
            "Review your consents",
            all(s.latest is not None and not s.needs_new_version for s in states),
            "Read each one and choose yes or no. You can change your mind later.",
        ),
        ChecklistItem(
            "safety_plan",
            "Start your safety plan",
            safety_plans_visible_to(viewer).filter(client=client).exists(),
            "A few lines are enough to begin; your clinician will help you finish it.",
        ),
        ChecklistItem(
            "emergency_contact",
            "Add an emergency contact",
            EmergencyContact.objects.filter(client=client).exists(),
            "Someone we may call if you are in crisis, only as your consents allow.",
        ),
        ChecklistItem(
            "guide",
            "Read the getting-started guide",
            guide is None or guide.is_read,
            f"{guide.read_count} of {len(guide.steps)} read." if guide else "",
        ),
    ]
    return Checklist(items, guide.guide.slug if guide else "")
