"""Create (or refresh) the demo clinic. Safe to run again: everything is found before made."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from iop.accounts.demo import DEMO_DOMAIN, DEMO_PROGRAM, DemoClinic, refuse_in_production, seeders
from iop.accounts.models import (
    CareTeamMember,
    ClientProfile,
    EmergencyContact,
    Program,
    Role,
    StaffProfile,
    User,
)
from iop.consents.models import (
    ConsentAction,
    ConsentDocument,
    ConsentKind,
    ConsentMethod,
    ConsentRecord,
)

DEMO_PASSWORD = "harbor-demo"  # noqa: S105 - documented demo credential
DOMAIN = DEMO_DOMAIN

STAFF = [
    ("admin", "Ada Admin", Role.ADMIN, "Clinic administrator"),
    ("supervisor", "Sam Supervisor", Role.SUPERVISOR, "Clinical director"),
    ("clinician1", "Dr. Riley Chen", Role.CLINICIAN, "Psychologist"),
    ("clinician2", "Jordan Patel", Role.CLINICIAN, "Licensed clinical social worker"),
    ("support1", "Taylor Support", Role.SUPPORT_TIER1, "Support agent"),
    ("support2", "Morgan Specialist", Role.SUPPORT_TIER2, "Support specialist"),
]
CLIENT_NAMES = [
    "Alex Rivera",
    "Blake Morgan",
    "Casey Nguyen",
    "Drew Okafor",
    "Emery Walsh",
    "Finley Park",
    "Gray Jensen",
    "Harper Diaz",
    "Indigo Moss",
    "Jules Laurent",
    "Kai Thompson",
    "Logan Reyes",
]
# A second, smaller program, so a leak across programs shows in `make run` too. Keys match the
# first program's (apps' seeders look people up by key); its admin is the clinic's.
DAY_PROGRAM = "Harbor Day IOP"
DAY_STAFF = [
    ("supervisor", "day.supervisor", "Dana Daylight", Role.SUPERVISOR, "Day program director"),
    (
        "clinician1",
        "day.clinician1",
        "Dr. Noor Haddad",
        Role.CLINICIAN,
        "Psychiatric nurse practitioner",
    ),
    (
        "clinician2",
        "day.clinician2",
        "Quinn Alvarez",
        Role.CLINICIAN,
        "Licensed professional counsellor",
    ),
]
# Every staff account's key in one order: its demo phone number (verified numbers are unique).
STAFF_KEYS = [key for key, *_ in STAFF] + [email_key for _key, email_key, *_ in DAY_STAFF]
DAY_CLIENT_NAMES = ["Marley Stone", "Nico Bauer", "Oakley Price", "Parker Quinn"]
CONSENT_TEXTS = {
    ConsentKind.RECORDING_THERAPEUTIC: "Sessions you attend may be recorded so your care team can review them to plan your treatment.",
    ConsentKind.RECORDING_QA: "Recordings may be reviewed by our quality team to check that care meets our standards.",
    ConsentKind.RECORDING_EDUCATION: "Recordings may be used, with names removed, to train clinicians.",
    ConsentKind.EMERGENCY_CONTACT: "In a crisis we may tell the people you list that you need support.",
    ConsentKind.SMS: "We may send you text messages: reminders, check-ins and messages from your care team.",
    ConsentKind.LOCATION: "When you press 'I need help now', your browser may share your location with the on-call clinician.",
    ConsentKind.FAMILY: "Family members you name may take part in family sessions and be told about your progress.",
    # Last, so the demo's grant pattern of the kinds above stays as it was.
    ConsentKind.RECORDING_CATCHUP: "If a group member misses a session for a technical reason, they may watch its recording for a short time to catch up.",
}


def totp_key_for(email: str) -> str:
    """A stable demo secret, so re-seeding keeps the authenticator entries valid."""
    return hashlib.sha1(f"harbor-demo-totp:{email}".encode()).hexdigest()  # noqa: S324


class Command(BaseCommand):
    help = "Create the demo clinic: staff, twelve clients, care teams and consents, then each app's part."

    def handle(self, *args, **options):
        # Demo accounts share a published password: they must never enter a real clinic.
        refuse_in_production("seed_demo")
        with transaction.atomic():
            program = self._program()
            staff = {
                key: self._staff(program, key, name, role, title)
                for key, name, role, title in STAFF
            }
            documents = self._documents()
            clients = [
                self._client(program, index, name, staff, documents)
                for index, name in enumerate(CLIENT_NAMES, start=1)
            ]
            day, day_staff, day_clients = self._day_program(staff["admin"], documents)
        clinics = [
            DemoClinic(
                program=program,
                staff=staff,
                clients=clients,
                primary={
                    c.pk: staff["clinician1" if i <= 6 else "clinician2"]
                    for i, c in enumerate(clients, 1)
                },
            ),
            DemoClinic(
                program=day,
                staff=day_staff,
                clients=day_clients,
                primary={
                    c.pk: day_staff["clinician1" if i <= 2 else "clinician2"]
                    for i, c in enumerate(day_clients, 1)
                },
            ),
        ]
        for _name, seeder in seeders():
            for clinic in clinics:
                seeder(clinic)
        self._report({**staff, **{f"day.{k}": v for k, v in day_staff.items() if k != "admin"}})

    def _day_program(self, admin, documents):
        program, _ = Program.objects.get_or_create(
            name=DAY_PROGRAM,
            defaults={
                "time_zone": "America/Chicago",
                "description": "Adult intensive outpatient program, three mornings a week.",
            },
        )
        staff = {"admin": admin}
        for key, email_key, name, role, title in DAY_STAFF:
            staff[key] = self._staff(program, email_key, name, role, title)
        clients = [
            self._client(
                program,
                index,
                name,
                staff,
                documents,
                prefix="day.client",
                record="DAY",
                split=2,
                phone_base=5000,
            )
            for index, name in enumerate(DAY_CLIENT_NAMES, start=1)
        ]
        return program, staff, clients

    def _program(self) -> Program:
        program, _ = Program.objects.get_or_create(
            name=DEMO_PROGRAM,
            defaults={
                "time_zone": "America/New_York",
                "description": "Adult intensive outpatient program, three evenings a week.",
            },
        )
        return program

    def _user(self, email: str, name: str, role: str, **extra) -> User:
        if extra.get("phone"):
            extra["phone_verified_at"] = timezone.now()  # demo numbers count as verified
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "role": role, **extra}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _staff(self, program, key, name, role, title) -> User:
        is_admin = role == Role.ADMIN
        user = self._user(
            f"{key}@{DOMAIN}",
            name,
            role,
            is_staff=is_admin,
            is_superuser=is_admin,
            # One number per person: verified numbers are unique.
            phone=f"+1415555{100 + STAFF_KEYS.index(key):04d}",
        )
        StaffProfile.objects.get_or_create(
            user=user,
            defaults={"program": program, "title": title, "is_on_call": key.endswith("clinician1")},
        )
        TOTPDevice.objects.get_or_create(
            user=user,
            name="Demo authenticator",
            defaults={"key": totp_key_for(user.email), "confirmed": True},
        )
        return user

    def _documents(self) -> dict[str, ConsentDocument]:
        published = timezone.now() - timedelta(days=90)
        documents: dict[str, ConsentDocument] = {}
        for kind, summary in CONSENT_TEXTS.items():
            documents[kind], _ = ConsentDocument.objects.get_or_create(
                kind=kind,
                version=1,
                defaults={
                    "title": ConsentKind(kind).label,
                    "summary": summary,
                    "body": f"{summary}\n\nYou can withdraw this consent at any time in the portal "
                    "or by telling your clinician. Withdrawing does not affect your treatment.",
                    "published_at": published,
                },
            )
        return documents

    def _client(
        self,
        program,
        index,
        name,
        staff,
        documents,
        *,
        prefix="client",
        record="DEMO",
        split=6,
        phone_base=2000,
    ) -> ClientProfile:
        email = f"{prefix}{index}@{DOMAIN}"
        user = self._user(email, name, Role.CLIENT, phone=f"+1415555{phone_base + index:04d}")
        client, created = ClientProfile.objects.get_or_create(
            user=user,
            defaults={
                "program": program,
                "record_number": f"{record}-{index:04d}",
                "admitted_on": date.today() - timedelta(days=7 * (index % 5 + 1)),
                "address": f"{100 + index} Harbor Street, Springfield",
            },
        )
        primary = staff["clinician1"] if index <= split else staff["clinician2"]
        CareTeamMember.objects.get_or_create(
            client=client, clinician=primary, defaults={"is_primary": True}
        )
        if not created:
            return client
        EmergencyContact.objects.create(
            client=client,
            priority=1,
            name=f"Parent of {name.split()[0]}",
            relationship="parent",
            phone=f"+1415555{phone_base + 1000 + index:04d}",
        )
        if index % 2 == 0:
            EmergencyContact.objects.create(
                client=client,
                priority=2,
                name=f"Friend of {name.split()[0]}",
                relationship="friend",
                phone=f"+1415555{phone_base + 2000 + index:04d}",
            )
        self._consents(client, index, documents, primary)
        return client

    def _consents(self, client, index, documents, clinician) -> None:
        """Mixed states: most granted; some never given; some given then withdrawn."""
        when = timezone.now() - timedelta(days=30)
        for position, (kind, document) in enumerate(documents.items()):
            pattern = (index + position) % 4
            if pattern == 3:
                continue
            ConsentRecord.objects.create(
                client=client,
                document=document,
                kind=kind,
                action=ConsentAction.GRANT,
                method=ConsentMethod.PORTAL if pattern else ConsentMethod.PAPER,
                recorded_by=client.user if pattern else clinician,
                recorded_at=when,
            )
            if pattern == 2 and kind != ConsentKind.EMERGENCY_CONTACT:
                ConsentRecord.objects.create(
                    client=client,
                    document=document,
                    kind=kind,
                    action=ConsentAction.WITHDRAW,
                    method=ConsentMethod.PORTAL,
                    recorded_by=client.user,
                    recorded_at=when + timedelta(days=10),
                )

    def _report(self, staff) -> None:
        out = self.stdout.write
        out(self.style.SUCCESS("Demo clinic ready. Every account's password: " + DEMO_PASSWORD))
        out("Staff sign in with a second factor. Add these to an authenticator app, or print the")
        out("current code with: python manage.py demo_totp <email>")
        for user in staff.values():
            device = TOTPDevice.objects.get(user=user, name="Demo authenticator")
            out(f"  {user.email:<26} {user.get_role_display():<28} {device.config_url}")
        out(f"Clients: client1@{DOMAIN} … client12@{DOMAIN} ({DEMO_PROGRAM})")
        out(f"         day.client1@{DOMAIN} … day.client4@{DOMAIN} ({DAY_PROGRAM})")
