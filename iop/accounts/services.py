"""Writes to people and care teams. Each authorises, runs in one transaction and audits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone

from iop.accounts.models import (
    CareTeamMember,
    ClientProfile,
    EmergencyContact,
    PhoneVerification,
    Role,
    StaffProfile,
    User,
    UserSession,
)
from iop.accounts.selectors import clients_visible_to
from iop.accounts.validators import phone_to_e164
from iop.audit.models import Action
from iop.audit.services import access_record, access_record_changes
from iop.domain import NotAllowed
from iop.notify.models import Channel, Purpose
from iop.notify.services import message_enqueue

MAX_EMERGENCY_CONTACTS = 5
PHONE_CODE_LIFETIME = timedelta(minutes=10)
PHONE_CODES_PER_HOUR = 5


def _require_can_edit_client(actor: User, client: ClientProfile) -> None:
    if actor.role == Role.CLIENT and client.user_id == actor.pk:
        return
    if actor.is_clinical and clients_visible_to(actor).filter(pk=client.pk).exists():
        return
    raise NotAllowed("You cannot change this client's record.")


def _client_of(user: User) -> ClientProfile | None:
    return getattr(user, "client_profile", None) if user.is_client else None


def profile_update(*, actor: User, user: User, preferred_name: str, time_zone: str) -> User:
    """A user changes their own name and time zone (the phone number has its own, verified path)."""
    if actor.pk != user.pk:
        raise NotAllowed("You can only change your own profile.")
    user.preferred_name = preferred_name.strip()
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    with transaction.atomic():
        user.save(update_fields=["preferred_name", "time_zone"])
        access_record(actor=actor, action=Action.UPDATE, client=_client_of(user), obj=user)
    return user


# -- phone numbers --------------------------------------------------------------------------


def _require_current_password(user: User, password: str, field: str = "password") -> None:
    if not user.check_password(password):
        raise ValidationError({field: ["That is not your current password."]})


def _number_taken(phone: str, user: User) -> bool:
    return (
        User.objects.filter(phone=phone, is_active=True, phone_verified_at__isnull=False)
        .exclude(pk=user.pk)
        .exists()
    )


def phone_change_request(
    *, actor: User, user: User, password: str, phone: str
) -> PhoneVerification:
    """With their current password, a user asks to use a new number: a six-digit code is texted
    to it, and `User.phone` does not change until the code comes back."""
    if actor.pk != user.pk:
        raise NotAllowed("You can only change your own phone number.")
    _require_current_password(user, password)
    try:
        number = phone_to_e164(phone, settings.PHONE_REGION)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    if number == user.phone and user.phone_verified_at is not None:
        raise ValidationError({"phone": ["This is already your phone number."]})
    if _number_taken(number, user):
        raise ValidationError(
            {"phone": ["This number belongs to another account. Use a number of your own."]}
        )
    now = timezone.now()
    recent = PhoneVerification.objects.filter(user=user, created_at__gte=now - timedelta(hours=1))
    if recent.count() >= PHONE_CODES_PER_HOUR:
        raise ValidationError(
            {"phone": ["You asked for several codes in the last hour. Try again later."]}
        )
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).get()  # one request at a time
        PhoneVerification.objects.filter(user=user, confirmed_at__isnull=True).delete()
        pending = PhoneVerification.objects.create(
            user=user,
            phone=number,
            code_hash=make_password(code),
            created_at=now,
            expires_at=now + PHONE_CODE_LIFETIME,
        )
        message_enqueue(
            actor=actor,
            channel=Channel.SMS,
            purpose=Purpose.ACCOUNT,
            idempotency_key=f"phone-verify:{pending.pk}",
            to=number,
            user=user,
            about=pending,
            expires_at=pending.expires_at,
            body=f"{settings.CLINIC_NAME}: your code to confirm this number is {code}. It expires "
            "in 10 minutes. If you did not ask for it, ignore this text.",
        )
        access_record(actor=actor, action=Action.CREATE, client=_client_of(user), obj=pending)
    return pending


def phone_pending_of(user: User) -> PhoneVerification | None:
    """The number waiting for its code, if any (expired ones included, to say so)."""
    return PhoneVerification.objects.filter(user=user, confirmed_at__isnull=True).first()


def phone_change_confirm(*, actor: User, user: User, code: str) -> User:
    """The code texted to the new number makes it the user's number (within 10 minutes and five
    tries); the old number is told of the change."""
    if actor.pk != user.pk:
        raise NotAllowed("You can only change your own phone number.")
    code = "".join((code or "").split())
    with transaction.atomic():
        pending = (
            PhoneVerification.objects.select_for_update()
            .filter(user=user, confirmed_at__isnull=True)
            .first()
        )
        problem = _code_problem(pending, code)
        if problem is not None and pending is not None and problem[1] == "wrong":
            pending.attempts += 1
            pending.save(update_fields=["attempts"])  # counted even though the request fails
    if problem is not None:
        raise ValidationError({"code": [problem[0]]})
    assert pending is not None
    old = user.phone
    now = timezone.now()
    try:
        with transaction.atomic():
            user.phone, user.phone_verified_at = pending.phone, now
            user.save(update_fields=["phone", "phone_verified_at"])
            pending.confirmed_at = now
            pending.save(update_fields=["confirmed_at"])
            if old and old != pending.phone:
                message_enqueue(
                    actor=actor,
                    channel=Channel.SMS,
                    purpose=Purpose.ACCOUNT,
                    idempotency_key=f"phone-changed:{pending.pk}",
                    to=old,
                    user=user,
                    about=pending,
                    body=f"{settings.CLINIC_NAME}: the phone number on your account was changed. "
                    "If this was not you, call the clinic.",
                )
            access_record(actor=actor, action=Action.UPDATE, client=_client_of(user), obj=user)
    except IntegrityError:
        user.refresh_from_db()
        raise ValidationError(
            {"code": ["Another account confirmed this number first. Use a number of your own."]}
        ) from None
    return user


def _code_problem(pending: PhoneVerification | None, code: str) -> tuple[str, str] | None:
    if pending is None:
        return ("No number is waiting for a code. Enter the new number first.", "none")
    if pending.attempts >= PhoneVerification.MAX_ATTEMPTS:
        return ("Too many wrong codes. Ask for a new code.", "attempts")
    if timezone.now() >= pending.expires_at:
        return ("This code has expired. Ask for a new code.", "expired")
    if not (code.isdigit() and len(code) == 6) or not check_password(code, pending.code_hash):
        left = PhoneVerification.MAX_ATTEMPTS - pending.attempts - 1
        more = f"{left} tr{'y' if left == 1 else 'ies'} left." if left else "Ask for a new code."
        return (f"That code did not match. {more}", "wrong")
    return None


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


# -- passwords ------------------------------------------------------------------------------


def password_change(
    *, actor: User, user: User, current_password: str, new_password: str, keep_session: str
) -> User:
    """A signed-in user changes their password with the current one; every other session of
    theirs ends (the one they use, `keep_session`, is kept)."""
    if actor.pk != user.pk:
        raise NotAllowed("You can only change your own password.")
    _require_current_password(user, current_password, field="old_password")
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise ValidationError({"new_password1": error.messages}) from None
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        UserSession.objects.filter(user=user).exclude(session_key=keep_session).delete()
        access_record(actor=actor, action=Action.UPDATE, client=_client_of(user), obj=user)
    return user


def password_reset_send(*, user: User, subject: str, body: str, token: str) -> None:
    """The reset link goes out by email through the outbox; it is worth nothing after
    PASSWORD_RESET_TIMEOUT, so the message expires with it."""
    digest = hashlib.sha256(token.encode()).hexdigest()[:24]  # the key is not secret; the token is
    with transaction.atomic():
        message_enqueue(
            actor=None,
            channel=Channel.EMAIL,
            purpose=Purpose.ACCOUNT,
            idempotency_key=f"password-reset:{user.pk}:{digest}",
            to=user.email,
            user=user,
            subject=subject,
            body=body,
            expires_at=timezone.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
        )
        access_record(
            actor=None,
            action=Action.CREATE,
            client=None,
            object_type="accounts.PasswordReset",
            object_id=user.pk,
        )


def password_reset_complete(*, user: User, new_password: str) -> User:
    """A valid reset link sets a new password and ends every session of the account; signing in
    afterwards still asks staff for their second factor."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        UserSession.objects.filter(user=user).delete()
        access_record(actor=user, action=Action.UPDATE, client=_client_of(user), obj=user)
    return user


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
