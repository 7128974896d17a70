"""Sessions at the pages' tests: one under way now, one later today of another group."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.sessions_app.conftest import make_session


@pytest.fixture
def now_session(group):
    """A session that started five minutes ago."""
    return make_session(
        group, starts_at=timezone.now() - timedelta(minutes=5), minutes=90, title="Now group"
    )


@pytest.fixture
def other_session(other_group):
    return make_session(
        other_group, starts_at=timezone.now() + timedelta(hours=3), title="Morning group"
    )
