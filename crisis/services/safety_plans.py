"""Writing a safety plan: every change is a new version, and nobody overwrites a newer one."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from crisis.models import SafetyPlan
from crisis.models.safety_plans import SECTION_FIELDS
from crisis.selectors import client_reachable_by
from crisis.services.timeline import label_of
from iop.accounts.models import ClientProfile, Role, User
from iop.accounts.selectors import primary_clinician_of
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.domain import Conflict, NotAllowed
from iop.realtime.publish import publish_about_client
from iop.viewer import Actor, person_of

SECTION_MAX = 4000


def _require_can_write(actor: Actor, client: ClientProfile) -> User:
    """The person writing, if they may write this client's plan."""
    person = person_of(actor)
    if person is None:
        raise NotAllowed("Safety plans are written by the client and their clinicians.")
    if person.role == Role.CLIENT and client.user_id == person.pk:
        return person
    if person.is_clinical and client_reachable_by(person, client):
        return person
    raise NotAllowed("You cannot change this client's safety plan.")


def safety_plan_save(
    *,
    actor: Actor,
    client: ClientProfile,
    sections: dict[str, str],
    based_on_version: int | None,
    change_note: str = "",
) -> SafetyPlan:
    """Save the plan as a new version; refused if someone saved a newer one meanwhile.

    Saving with nothing changed returns the current version instead of adding one.
    """
    person = _require_can_write(actor, client)
    unknown = set(sections) - set(SECTION_FIELDS)
    if unknown:
        raise ValidationError(
            {name: ["Not a section of the safety plan."] for name in sorted(unknown)}
        )
    clean = {name: (sections.get(name) or "").strip() for name in SECTION_FIELDS}
    errors = {
        name: [f"Keep this section under {SECTION_MAX} characters."]
        for name, text in clean.items()
        if len(text) > SECTION_MAX
    }
    if errors:
        raise ValidationError(errors)
    if not any(clean.values()):
        raise ValidationError({"warning_signs": ["Write at least one section of the plan."]})
    with transaction.atomic():
        ClientProfile.objects.select_for_update().filter(pk=client.pk).get()
        current = SafetyPlan.objects.filter(client=client).order_by("-version").first()
        latest = current.version if current else 0
        if (based_on_version or 0) != latest:
            raise Conflict(
                f"The plan was changed (now version {latest}) since you opened version "
                f"{based_on_version or 0}. Open the latest version and add your changes to it.",
                fields={"based_on_version": [f"The latest version is {latest}."]},
            )
        if current is not None and all(getattr(current, n) == clean[n] for n in SECTION_FIELDS):
            return current
        plan = SafetyPlan.objects.create(
            client=client,
            version=(SafetyPlan.objects.filter(client=client).aggregate(v=Max("version"))["v"] or 0)
            + 1,
            change_note=change_note.strip()[:200],
            created_by=person,
            created_by_label=label_of(actor),
            **clean,
        )
        access_record(actor=actor, action=Action.CREATE, client=client, obj=plan)
        clinician = primary_clinician_of(client)
        if person.role == Role.CLIENT and clinician is not None:
            publish_about_client(
                "crisis.safety_plan",
                {
                    "title": f"{client.user.display_name} updated their safety plan (v{plan.version})"
                },
                client_id=client.pk,
                user_ids=[clinician.pk],
            )
    return plan
