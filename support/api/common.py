"""What the support API views share: the scopes."""

from __future__ import annotations

from iop.api.models import Scope

READ, WRITE = Scope.SUPPORT_READ, Scope.SUPPORT_WRITE
