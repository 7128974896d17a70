"""The demo clinic's treatment plans: client2 has a signed plan; client1 a signed version and
a version 2 their clinician (clinician1) shared, which client1 can sign in `make run`."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from iop.accounts.models import ClientProfile, User
from records.models import PlanStatus, TreatmentPlan
from records.services import treatment_plan_sign

pytestmark = pytest.mark.django_db


def test_seeding_twice_makes_the_plans_once_and_client1_can_sign_the_shared_version(settings):
    settings.DEBUG = True  # seed_demo refuses a production configuration
    call_command("seed_demo")
    call_command("seed_demo")
    client1 = ClientProfile.objects.get(user__email="client1@demo.harbor")
    client2 = ClientProfile.objects.get(user__email="client2@demo.harbor")
    ones = TreatmentPlan.objects.filter(client=client1).order_by("version")
    assert [(p.version, p.status) for p in ones] == [
        (1, PlanStatus.SIGNED),
        (2, PlanStatus.WITH_CLIENT),
    ]
    assert [p.status for p in TreatmentPlan.objects.filter(client=client2)] == [PlanStatus.SIGNED]
    clinician1 = User.objects.get(email="clinician1@demo.harbor")
    shared = ones[1]
    treatment_plan_sign(actor=client1.user, plan=shared, typed_name=client1.user.full_name)
    treatment_plan_sign(actor=clinician1, plan=shared, typed_name=clinician1.full_name)
    shared.refresh_from_db()
    assert shared.status == PlanStatus.SIGNED
    assert TreatmentPlan.objects.get(client=client1, version=1).status == PlanStatus.SUPERSEDED
