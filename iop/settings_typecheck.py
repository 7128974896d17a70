"""The settings mypy's Django plugin loads: Harbor's own, as in development.

DEBUG off is production, which refuses to start without production's secrets and servers;
type checking needs the settings' names and types, not a deployment.
"""

import os

os.environ["DEBUG"] = "1"

from iop.settings import *  # noqa: E402, F403
