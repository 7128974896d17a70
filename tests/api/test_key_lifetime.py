"""An API key's lifetime has a configurable maximum (API_KEY_MAX_DAYS, 365 days by default)."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from iop.api.models import ApiKey
from iop.api.services import api_key_create
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _create(admin_user, program, days: int):
    return api_key_create(
        actor=admin_user,
        name="EHR sync",
        program=program,
        scopes=["clients:read"],
        expires_at=timezone.now() + timedelta(days=days),
    )


def test_the_default_maximum_is_a_year(settings):
    assert settings.API_KEY_MAX_DAYS == 365


def test_the_service_refuses_a_key_living_longer_than_the_maximum(admin_user, program):
    with pytest.raises(ValidationError) as error:
        _create(admin_user, program, days=366)

    assert "at most 365 days" in error.value.message_dict["expires_at"][0]
    assert not ApiKey.objects.exists()
    key, _ = _create(admin_user, program, days=364)
    assert key.pk is not None


def test_the_maximum_is_configurable(admin_user, program, settings):
    settings.API_KEY_MAX_DAYS = 30

    with pytest.raises(ValidationError, match="at most 30 days"):
        _create(admin_user, program, days=31)
    assert not ApiKey.objects.exists()


def test_the_command_refuses_too_many_days(program):
    with pytest.raises(CommandError, match="at most 365"):
        call_command(
            "create_api_key",
            name="EHR sync",
            program=program.name,
            scopes="clients:read",
            days=400,
            stdout=StringIO(),
        )
    assert not ApiKey.objects.exists()


def test_the_admin_form_refuses_a_far_expiry_with_a_clear_error(admin_user, program):
    expires = timezone.localtime() + timedelta(days=500)
    response = sign_in(admin_user).post(
        "/admin/api/apikey/add/",
        {
            "name": "EHR sync",
            "program": program.pk,
            "scopes": ["clients:read"],
            "expires_at_0": expires.strftime("%Y-%m-%d"),
            "expires_at_1": expires.strftime("%H:%M:%S"),
        },
    )

    assert response.status_code == 200
    assert "An API key may live at most 365 days" in response.content.decode()
    assert not ApiKey.objects.exists()
