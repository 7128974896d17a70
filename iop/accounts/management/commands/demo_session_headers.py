"""manage.py demo_session_headers <email>: sign a demo account in and print its request headers.

For calling the API as a person (a client, a clinician) against `make run`, with curl or
schemathesis: the account is signed in here, on the server, with its second factor verified
for staff (as if they had typed the code `demo_totp` prints), and the output is the shell-quoted
arguments `-H 'Cookie: <session and CSRF cookies>' -H 'X-CSRFToken: <token>'`:

    eval "set -- $(python manage.py demo_session_headers client1@demo.harbor)"
    curl "$@" http://127.0.0.1:8000/api/v1/me/

Development only: it refuses with DEBUG off, and signs in only @demo.harbor accounts.
"""

from __future__ import annotations

import shlex
from importlib import import_module

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand, CommandError
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from iop.accounts.demo import demo_user, refuse_in_production
from iop.accounts.middleware import owes_second_factor

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class Command(BaseCommand):
    help = (
        "Sign a demo account in (staff with their second factor verified) and print "
        "`-H 'Cookie: ...' -H 'X-CSRFToken: ...'` for curl or schemathesis. Refuses with DEBUG off."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="A demo account, e.g. clinician1@demo.harbor.")

    def handle(self, *args, email, **options):
        refuse_in_production("demo_session_headers")
        user = demo_user(email)
        # The same steps as the sign-in and two-factor pages, without the password and code.
        request = HttpRequest()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
        request.session = import_module(settings.SESSION_ENGINE).SessionStore()
        request.user = AnonymousUser()  # login() then sets it, and otp_login() needs it
        login(request, user, backend=MODEL_BACKEND)
        if owes_second_factor(user):
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                raise CommandError(f"{user.email} has no confirmed authenticator to verify with.")
            otp_login(request, device)
        csrf_token = get_token(request)
        request.session.save()
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}; "
            f"{settings.CSRF_COOKIE_NAME}={request.META['CSRF_COOKIE']}"
        )
        self.stderr.write(
            f"Signed in {user.email} ({user.get_role_display()}); the session ends after "
            "inactivity like any other."
        )
        self.stdout.write(
            shlex.join(["-H", f"Cookie: {cookie}", "-H", f"X-CSRFToken: {csrf_token}"])
        )
