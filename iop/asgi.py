import os

import django
from daphne.http_protocol import WebRequest


def _leave_request_bodies_to_django() -> None:
    """Twisted parses every POST form body into `request.args`, which Daphne never reads, and
    answers one it cannot parse (a multipart body with no parts) with a bare 400 of its own:
    no body, no Content-Type, no security headers, the app never asked. Django parses bodies."""
    init = WebRequest.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        self._parsePOSTFormSubmission = False

    WebRequest.__init__ = __init__


_leave_request_bodies_to_django()

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iop.settings")
# The web server borrows PostgreSQL connections from a pool (iop/settings.py says why): at most
# this many per process, which is also how many requests of one process run at once (each in a
# thread of the handler's, iop/asgi_handler.py), so none waits in a thread for a connection.
os.environ.setdefault("DATABASE_POOL_SIZE", "8")
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from iop.asgi_handler import SyncChainASGIHandler, freeze_long_lived  # noqa: E402

# As django.core.asgi.get_asgi_application(), with the middleware entered once (see the module).
django_asgi_app = SyncChainASGIHandler(threads=settings.DATABASE_POOL_SIZE or 8)

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from iop.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns()))
        ),
    }
)

# Out of garbage collection: what importing made lives as long as the process (and what its
# first requests make is frozen after them: iop/asgi_handler.py).
freeze_long_lived()
