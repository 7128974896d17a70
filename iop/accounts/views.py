"""Sign-in, two-factor, and the client's own portal, profile and emergency contacts."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import match_token, user_has_device

from iop.accounts import services, two_factor
from iop.accounts.decorators import client_required
from iop.accounts.forms import (
    EmergencyContactForm,
    HarborPasswordResetForm,
    HarborSetPasswordForm,
    PasswordChangeForm,
    PhoneChangeForm,
    PhoneConfirmForm,
    ProfileForm,
    SignInForm,
    TokenForm,
)
from iop.accounts.middleware import (
    SECOND_FACTOR_SESSION_KEY,
    needs_second_factor,
    owes_second_factor,
)
from iop.accounts.selectors import (
    care_team_of,
    client_profile_of,
    emergency_contacts_for,
    own_client_profile,
    own_emergency_contact,
)
from iop.domain import DomainError
from iop.form_errors import apply_errors


class SignInView(LoginView):
    template_name = "accounts/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = self.request.session.pop("harbor_expired", None)
        return context

    def form_valid(self, form):
        user = form.get_user()
        login(self.request, user)
        if not owes_second_factor(user) and user_has_device(user, confirmed=True):
            # A client who turned two-step sign-in on owes it at every sign-in, like staff.
            self.request.session[SECOND_FACTOR_SESSION_KEY] = True
        return redirect(self.get_success_url())

    def get_success_url(self):
        if needs_second_factor(self.request):
            target = self.get_redirect_url()
            query = f"?{urlencode({'next': target})}" if target else ""
            return f"/accounts/two-factor/{query}"
        return super().get_success_url()


@require_POST
def sign_out(request):
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("accounts:login")


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


def _home_for(user) -> str:
    return "/staff/" if user.is_staff_member else "/accounts/portal/"


@login_required
def two_factor_start(request):
    """Send the user to verification if they have a device, else to enrolment."""
    query = request.META.get("QUERY_STRING", "")
    suffix = f"?{query}" if query else ""
    if two_factor.confirmed_totp(request.user) is None:
        return redirect(f"/accounts/two-factor/setup/{suffix}")
    return redirect(f"/accounts/two-factor/verify/{suffix}")


@login_required
def two_factor_setup(request):
    user = request.user
    if two_factor.confirmed_totp(user) is not None and not request.user.is_verified():
        return redirect("accounts:two_factor_verify")
    device = two_factor.pending_totp(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor.totp_confirm(user=user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            codes = two_factor.backup_codes_issue(user=user)
            return render(
                request,
                "accounts/backup_codes.html",
                {"codes": codes, "next": _next_url(request, _home_for(user)), "fresh": True},
            )
        form.add_error(
            "token", "That code did not match. Check the time on your phone and try again."
        )
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": two_factor.qr_svg(device),
            "secret": two_factor.secret_base32(device),
            "next": _next_url(request, ""),
        },
    )


@login_required
def two_factor_verify(request):
    user = request.user
    if two_factor.confirmed_totp(user) is None and two_factor.backup_codes_left(user) == 0:
        return redirect("accounts:two_factor_setup")
    codes_left = two_factor.backup_codes_left(user)
    form = TokenForm(request.POST or None, backup_codes_left=codes_left)
    if request.method == "POST" and form.is_valid():
        device = match_token(user, form.cleaned_data["token"].strip())
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request, _home_for(user)))
        form.add_error("token", "That code did not match, or it has already been used.")
    return render(
        request,
        "accounts/two_factor_verify.html",
        {
            "form": form,
            "next": _next_url(request, ""),
            "codes_left": codes_left,
        },
    )


@login_required
def backup_codes(request):
    if not request.user.is_verified():
        return redirect("accounts:two_factor")
    if request.method == "POST":
        codes = two_factor.backup_codes_issue(user=request.user)
        return render(
            request,
            "accounts/backup_codes.html",
            {"codes": codes, "next": _home_for(request.user), "fresh": True},
        )
    return render(
        request,
        "accounts/backup_codes.html",
        {"codes_left": two_factor.backup_codes_left(request.user), "fresh": False},
    )


@client_required
def portal(request):
    client = client_profile_of(request.user)
    if client is None:
        raise Http404("No client record for this account.")
    return render(
        request,
        "accounts/portal.html",
        {"client": client, "care_team": care_team_of(client)},
    )


@login_required
def profile(request):
    user = request.user
    client = client_profile_of(user) if user.is_client else None
    initial = {"preferred_name": user.preferred_name, "time_zone": user.time_zone}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(actor=user, user=user, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile")
    contacts = emergency_contacts_for(user, client) if client else []
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "client": client,
            "contacts": contacts,
            "pending_phone": services.phone_pending_of(user),
        },
    )


@login_required
def phone_change(request):
    """New number and current password: a code is texted to the number."""
    user = request.user
    form = PhoneChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.phone_change_request(actor=user, user=user, **form.cleaned_data)
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            return redirect("accounts:phone_confirm")
    return render(request, "accounts/phone_change.html", {"form": form, "client": user.is_client})


@login_required
def phone_confirm(request):
    """The code from the text makes the new number the account's number."""
    user = request.user
    pending = services.phone_pending_of(user)
    if pending is None:
        return redirect("accounts:phone_change")
    form = PhoneConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.phone_change_confirm(actor=user, user=user, code=form.cleaned_data["code"])
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Your phone number is confirmed and now in use.")
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/phone_confirm.html",
        {"form": form, "pending": pending, "client": user.is_client},
    )


@login_required
def password_change(request):
    """Current password and a new one; every other session of the account ends."""
    user = request.user
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_change(
                actor=user,
                user=user,
                current_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
                keep_session=request.session.session_key or "",
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            update_session_auth_hash(request, user)
            messages.success(
                request, "Your password is changed. You were signed out everywhere else."
            )
            return redirect("accounts:profile")
    return render(
        request, "accounts/password_change.html", {"form": form, "client": user.is_client}
    )


class PasswordResetView(auth_views.PasswordResetView):
    """'Forgot password?': the same answer whether or not the address has an account."""

    form_class = HarborPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/messages/password_reset_email.txt"
    subject_template_name = "accounts/messages/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "reset_minutes": _reset_minutes()}


def _reset_minutes() -> int:
    return int(settings.PASSWORD_RESET_TIMEOUT) // 60


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The link from the email; it works once, and signing in afterwards still asks staff for
    their second factor (post_reset_login stays off)."""

    form_class = HarborSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@client_required
def contact_edit(request, contact_id: int | None = None):
    client = own_client_profile(request)
    contact = own_emergency_contact(request, contact_id) if contact_id else None
    initial = (
        {
            "name": contact.name,
            "relationship": contact.relationship,
            "phone": contact.phone,
            "email": contact.email,
            "notes": contact.notes,
        }
        if contact
        else None
    )
    form = EmergencyContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.emergency_contact_save(
                actor=request.user, client=client, contact=contact, **form.cleaned_data
            )
        except (ValidationError, DomainError) as error:
            apply_errors(form, error)
        else:
            messages.success(request, "Emergency contact saved.")
            return redirect("accounts:profile")
    return render(request, "accounts/contact_form.html", {"form": form, "contact": contact})


@client_required
@require_POST
def contact_delete(request, contact_id: int):
    services.emergency_contact_delete(
        actor=request.user, contact=own_emergency_contact(request, contact_id)
    )
    messages.success(request, "Emergency contact removed.")
    return redirect("accounts:profile")


@client_required
@require_POST
def contact_move_up(request, contact_id: int):
    services.emergency_contact_move_up(
        actor=request.user, contact=own_emergency_contact(request, contact_id)
    )
    return redirect("accounts:profile")
