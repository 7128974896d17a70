"""Reads of people, always scoped to the viewer (a user or an API key)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from iop.accounts.models import CareTeamMember, ClientProfile, EmergencyContact, Role, User
from iop.audit.models import Action
from iop.audit.services import access_record
from iop.viewer import Viewer


def clients_visible_to(viewer: Viewer) -> QuerySet[ClientProfile]:
    """Clients whose records the viewer may see: self, caseload, program, or an API key's program.

    Support agents see no clinical records; they reach client tech data only through tickets.
    """
    from iop.api.models import ApiKey

    base = ClientProfile.objects.select_related("user", "program")
    if isinstance(viewer, ApiKey):
        return base.filter(program_id=viewer.program_id)
    if viewer is None or not viewer.is_authenticated or not viewer.is_active:
        return base.none()
    if viewer.role == Role.CLIENT:
        return base.filter(user=viewer)
    if viewer.role == Role.CLINICIAN:
        return base.filter(care_team__clinician=viewer)
    if viewer.role == Role.SUPERVISOR:
        return base.filter(program__staff__user=viewer)
    if viewer.role == Role.ADMIN:
        return base
    return base.none()


def client_get_for(viewer: Viewer, client_id: int, *, audit: bool = True) -> ClientProfile:
    """The client's profile, if the viewer may see it (else ClientProfile.DoesNotExist)."""
    client = clients_visible_to(viewer).get(pk=client_id)
    if audit:
        access_record(actor=viewer, action=Action.VIEW, client=client, obj=client)
    return client


def client_profile_of(user: User) -> ClientProfile | None:
    try:
        return user.client_profile
    except ClientProfile.DoesNotExist:
        return None


def emergency_contacts_for(viewer: Viewer, client: ClientProfile) -> list[EmergencyContact]:
    """The client's emergency contacts in order; the caller has already scoped `client`."""
    contacts = list(client.emergency_contacts.order_by("priority"))
    access_record(
        actor=viewer, action=Action.VIEW, client=client, object_type="accounts.EmergencyContact"
    )
    return contacts


def care_team_of(client: ClientProfile) -> list[CareTeamMember]:
    return list(client.care_team.select_related("clinician"))


def primary_clinician_of(client: ClientProfile) -> User | None:
    member = client.care_team.filter(is_primary=True).select_related("clinician").first()
    return member.clinician if member else None


def own_client_profile(request: HttpRequest) -> ClientProfile:
    """The signed-in client's own record, for portal pages (404 for an account without one)."""
    client = client_profile_of(request.user) if request.user.is_authenticated else None
    if client is None:
        raise Http404("No client record for this account.")
    return client


def own_emergency_contact(request: HttpRequest, contact_id: int) -> EmergencyContact:
    """One of the signed-in client's own emergency contacts (404 for anyone else's)."""
    client = own_client_profile(request)
    try:
        return EmergencyContact.objects.select_related("client").get(pk=contact_id, client=client)
    except EmergencyContact.DoesNotExist:
        raise Http404("No such contact.") from None
