"""factory-boy factories for Harbor's people and consents."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from iop.accounts.models import (
    CareTeamMember,
    ClientProfile,
    EmergencyContact,
    Program,
    Role,
    StaffProfile,
    User,
)
from iop.consents.models import ConsentDocument, ConsentKind

PASSWORD = "a-long-test-passphrase-42"


class ProgramFactory(factory.django.DjangoModelFactory[Program]):
    class Meta:
        model = Program
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Program {n}")
    time_zone = "America/New_York"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    full_name = factory.Faker("name")
    role = Role.CLIENT
    time_zone = "America/New_York"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    role = Role.CLINICIAN

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if create:
            program = kwargs.get("program") or ProgramFactory(name="Harbor Test Program")
            StaffProfile.objects.create(
                user=obj, program=program, is_on_call=kwargs.get("on_call", False)
            )


class ClientProfileFactory(factory.django.DjangoModelFactory[ClientProfile]):
    class Meta:
        model = ClientProfile

    user = factory.SubFactory(UserFactory, role=Role.CLIENT)
    program = factory.SubFactory(ProgramFactory, name="Harbor Test Program")
    record_number = factory.Sequence(lambda n: f"MRN{n:05d}")


class CareTeamFactory(factory.django.DjangoModelFactory[CareTeamMember]):
    class Meta:
        model = CareTeamMember

    client = factory.SubFactory(ClientProfileFactory)
    clinician = factory.SubFactory(StaffFactory)
    is_primary = True


class EmergencyContactFactory(factory.django.DjangoModelFactory[EmergencyContact]):
    class Meta:
        model = EmergencyContact

    client = factory.SubFactory(ClientProfileFactory)
    priority = factory.Sequence(lambda n: n + 1)
    name = factory.Faker("name")
    relationship = "sister"
    phone = "+14155550123"


class ConsentDocumentFactory(factory.django.DjangoModelFactory[ConsentDocument]):
    class Meta:
        model = ConsentDocument
        django_get_or_create = ("kind", "version")

    kind = ConsentKind.EMERGENCY_CONTACT
    version = 1
    title = factory.LazyAttribute(lambda o: f"{ConsentKind(o.kind).label} v{o.version}")
    summary = "What we may do, in one sentence."
    body = "The full text of the consent."
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=30))


def totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test phone", confirmed=True)
