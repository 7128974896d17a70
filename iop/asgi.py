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
# this many per process, which is also how many requests of one process use the database at once.
os.environ.setdefault("DATABASE_POOL_SIZE", "8")
django.setup(set_prefix=False)

from iop.asgi_handler import SyncChainASGIHandler  # noqa: E402

# As django.core.asgi.get_asgi_application(), with the middleware entered once (see the module).
django_asgi_app = SyncChainASGIHandler()

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
