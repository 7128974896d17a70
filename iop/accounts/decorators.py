from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def client_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_client:
            raise PermissionDenied("This page is for clients.")
        return view(request, *args, **kwargs)

    return wrapped


def staff_required(view):
    """Staff only; the two-factor middleware has already required a verified device."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff_member:
            raise PermissionDenied("This page is for clinic staff.")
        return view(request, *args, **kwargs)

    return wrapped
