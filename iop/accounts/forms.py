from __future__ import annotations

import zoneinfo
from functools import lru_cache
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.template.loader import render_to_string
from django.urls import reverse

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

    def __init__(self, *args: Any, backup_codes_left: int = 1, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not backup_codes_left:  # never offer what the account no longer has
            self.fields["token"].help_text = "The 6-digit code from your authenticator app."


class ProfileForm(forms.Form):
    preferred_name = forms.CharField(max_length=80, required=False, label="Preferred name")
    time_zone = forms.ChoiceField(choices=time_zone_choices, label="Time zone")


def _current_password_field() -> forms.CharField:
    return forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class PhoneChangeForm(forms.Form):
    """The number is parsed by the service (national form in the clinic's country)."""

    phone = forms.CharField(
        label="New phone number",
        max_length=32,
        help_text="A mobile number that can receive texts, for example (415) 555-0199.",
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "autofocus": True}
        ),
    )
    password = _current_password_field()


class PhoneConfirmForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=12,
        help_text="The 6-digit code we texted to your new number.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordChangeForm(forms.Form):
    """Checked by `password_change` (current password, Django's password validators)."""

    old_password = _current_password_field()
    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(
        label="New password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "The two new passwords are not the same.")
        return data


class HarborPasswordResetForm(PasswordResetForm):
    """Django's reset form; the email goes through the outbox, with a link on PUBLIC_BASE_URL
    (never the request's Host header)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ) -> None:
        from iop.accounts.services import password_reset_send

        path = reverse("accounts:password_reset_confirm", args=[context["uid"], context["token"]])
        context = {
            **context,
            "reset_url": f"{settings.PUBLIC_BASE_URL}{path}",
            "reset_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            "clinic_name": settings.CLINIC_NAME,
        }
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        password_reset_send(
            user=context["user"], subject=subject, body=body, token=context["token"]
        )


class HarborSetPasswordForm(SetPasswordForm):
    """Setting a password from a reset link ends every session of the account."""

    def save(self, commit: bool = True):
        from iop.accounts.services import password_reset_complete

        return password_reset_complete(
            user=self.user, new_password=self.cleaned_data["new_password1"]
        )


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
