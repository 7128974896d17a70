from __future__ import annotations

import zoneinfo
from functools import lru_cache

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from iop.accounts.validators import validate_e164


@lru_cache(maxsize=1)
def time_zone_choices() -> list[tuple[str, str]]:
    zones = sorted(
        z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith("Etc/")
    )
    return [(z, z.replace("_", " ")) for z in zones]


class SignInForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )

    def clean_username(self) -> str:
        # Emails are stored lower-case (User.clean), so sign-in ignores case; axes then counts
        # failures against the same name however it is typed.
        return self.cleaned_data["username"].strip().lower()


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
    )


class ProfileForm(forms.Form):
    preferred_name = forms.CharField(max_length=80, required=False, label="Preferred name")
    phone = forms.CharField(
        max_length=16,
        required=False,
        validators=[validate_e164],
        help_text="International form, for example +14155550123.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    time_zone = forms.ChoiceField(choices=time_zone_choices, label="Time zone")


class EmergencyContactForm(forms.Form):
    name = forms.CharField(max_length=120)
    relationship = forms.CharField(max_length=60, help_text="For example: sister, partner, friend.")
    phone = forms.CharField(
        max_length=16,
        validators=[validate_e164],
        help_text="International form, for example +14155550123.",
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    email = forms.EmailField(required=False)
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )
