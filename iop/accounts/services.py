"""Writes to people and care teams. Each authorises, runs in one transaction and audits."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max

from iop.accounts.models import (
    CareTeamMember,
    ClientProfile,
    EmergencyContact,
    Role,
    StaffProfile,
    User,
    UserSession,
)
from iop.accounts.selectors import clients_visible_to
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_changes
from iop.domain import NotAllowed

MAX_EMERGENCY_CONTACTS = 5


def _require_can_edit_client(actor: User, client: ClientProfile) -> None:
    if actor.role == Role.CLIENT and client.user_id == actor.pk:
        return
    if actor.is_clinical and clients_visible_to(actor).filter(pk=client.pk).exists():
        return
    raise NotAllowed("You cannot change this client's record.")


def profile_update(
    *, actor: User, user: User, preferred_name: str, phone: str, time_zone: str
) -> User:
    """A user changes their own contact details and time zone."""
    if actor.pk != user.pk:
        raise NotAllowed("You can only change your own profile.")
    user.preferred_name = preferred_name.strip()
    user.phone = phone.strip()
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save(update_fields=["preferred_name", "phone", "time_zone"])
        client = getattr(user, "client_profile", None) if user.is_client else None
        access_record(actor=actor, action=Action.UPDATE, client=client, obj=user)
    return user


def emergency_contact_save(
    *,
    actor: User,
    client: ClientProfile,
    contact: EmergencyContact | None = None,
    name: str,
    relationship: str,
    phone: str,
    email: str = "",
    notes: str = "",
) -> EmergencyContact:
    """Add or change an emergency contact; new contacts go last in the calling order."""
    _require_can_edit_client(actor, client)
    if contact is not None and contact.client_id != client.pk:
        raise NotAllowed("That contact belongs to another client.")
    with transaction.atomic():
        creating = contact is None
        if contact is None:
            ClientProfile.objects.select_for_update().filter(pk=client.pk).get()
            existing = client.emergency_contacts.aggregate(n=Max("priority"))["n"] or 0
            if client.emergency_contacts.count() >= MAX_EMERGENCY_CONTACTS:
                raise ValidationError(
                    {"name": [f"A client can list at most {MAX_EMERGENCY_CONTACTS} contacts."]}
                )
            contact = EmergencyContact(client=client, priority=existing + 1)
        contact.name = name.strip()
        contact.relationship = relationship.strip()
        contact.phone = phone.strip()
        contact.email = email.strip()
        contact.notes = notes.strip()
        contact.full_clean()
        contact.save()
        access_record(
            actor=actor,
            action=Action.CREATE if creating else Action.UPDATE,
            client=client,
            obj=contact,
        )
    return contact


def emergency_contact_delete(*, actor: User, contact: EmergencyContact) -> None:
    """Remove a contact and close the gap in the calling order."""
    client = contact.client
    _require_can_edit_client(actor, client)
    with transaction.atomic():
        pk, priority = contact.pk, contact.priority
        contact.delete()
        for later in client.emergency_contacts.filter(priority__gt=priority).order_by("priority"):
            later.priority -= 1
            later.save(update_fields=["priority"])
        access_record(
            actor=actor,
            action=Action.DELETE,
            client=client,
            object_type="accounts.EmergencyContact",
            object_id=pk,
        )


def emergency_contact_move_up(*, actor: User, contact: EmergencyContact) -> None:
    """Swap a contact with the one called before it."""
    client = contact.client
    _require_can_edit_client(actor, client)
    if contact.priority == 1:
        return
    with transaction.atomic():
        above = client.emergency_contacts.get(priority=contact.priority - 1)
        above.priority, contact.priority = contact.priority, above.priority
        above.save(update_fields=["priority"])
        contact.save(update_fields=["priority"])
        access_record(actor=actor, action=Action.UPDATE, client=client, obj=contact)


def user_deactivate(*, actor: User, user: User) -> None:
    """Deactivate an account and end every one of its signed-in sessions now."""
    if actor.role != Role.ADMIN:
        raise NotAllowed("Only an administrator can deactivate accounts.")
    with transaction.atomic():
        user.is_active = False
        user.save(update_fields=["is_active"])
        UserSession.objects.filter(user=user).delete()
        client = getattr(user, "client_profile", None) if user.is_client else None
        access_record(actor=actor, action=Action.UPDATE, client=client, obj=user)


# --- who may see what: roles, programs, care teams (audited field by field) -------------------

USER_ACCESS_FIELDS = ("role", "is_active", "is_staff", "is_superuser")


def _require_admin(actor: User) -> None:
    if not (actor.is_superuser or actor.role == Role.ADMIN):
        raise NotAllowed("Only an administrator can change roles, programs and care teams.")


def _before(
    model: type[models.Model], pk: int | None, fields: tuple[str, ...]
) -> dict[str, Any] | None:
    if pk is None:
        return None
    return model._default_manager.select_for_update().filter(pk=pk).values(*fields).first()


def _client_of_user(user: User) -> ClientProfile | None:
    return getattr(user, "client_profile", None) if user.is_client else None


def user_save(*, actor: User, user: User) -> User:
    """An administrator saves a person; each change of role or access is an audit row."""
    _require_admin(actor)
    with transaction.atomic():
        before = _before(User, user.pk, USER_ACCESS_FIELDS)
        user.save()
        access_record_changes(
            actor=actor,
            client=_client_of_user(user),
            obj=user,
            before=before,
            fields=USER_ACCESS_FIELDS,
        )
    return user


def staff_profile_save(*, actor: User, profile: StaffProfile) -> StaffProfile:
    """An administrator saves a staff profile; a move to another program is an audit row."""
    _require_admin(actor)
    with transaction.atomic():
        before = _before(StaffProfile, profile.pk, ("program_id",))
        profile.save()
        access_record_changes(
            actor=actor, client=None, obj=profile, before=before, fields=("program_id",)
        )
    return profile


def client_profile_save(*, actor: User, profile: ClientProfile) -> ClientProfile:
    """An administrator saves a client's profile; the save and a change of program are audited."""
    _require_admin(actor)
    with transaction.atomic():
        before = _before(ClientProfile, profile.pk, ("program_id",))
        profile.save()
        access_record(
            actor=actor,
            action=Action.UPDATE if before is not None else Action.CREATE,
            client=profile,
            obj=profile,
        )
        if before is not None:
            access_record_changes(
                actor=actor, client=profile, obj=profile, before=before, fields=("program_id",)
            )
    return profile


def care_team_save(*, actor: User, member: CareTeamMember) -> CareTeamMember:
    """An administrator adds a clinician to a client's care team or changes their part in it."""
    _require_admin(actor)
    with transaction.atomic():
        before = _before(CareTeamMember, member.pk, ("clinician_id", "is_primary"))
        member.save()
        access_record_changes(
            actor=actor,
            client=member.client,
            obj=member,
            before=before,
            fields=("clinician_id", "is_primary"),
        )
    return member


def care_team_remove(*, actor: User, member: CareTeamMember) -> None:
    """An administrator takes a clinician off a client's care team."""
    _require_admin(actor)
    with transaction.atomic():
        access_record(
            actor=actor,
            action=Action.DELETE,
            client=member.client,
            obj=member,
            detail=f"clinician: {member.clinician} (#{member.clinician_id}) removed",
        )
        member.delete()
