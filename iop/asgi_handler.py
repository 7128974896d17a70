"""Django's ASGI handler with the middleware chain run in one thread, as under WSGI.

Harbor's middleware and views are all synchronous. Django's ASGIHandler builds its chain for
async use anyway: it hops from the event loop into a thread for the outer middleware, back onto
the loop for the inner handler (async_to_sync), and into the thread again for the view
(sync_to_async), four crossings a request with their futures and context copies. This handler
builds the synchronous chain and enters it once, in the request's thread-sensitive thread: the
same thread the view ran in before, so connections, thread-locals and context variables behave
as they did. Websockets do not come here (channels routes them); an async view would still be
run (Django adapts it with async_to_sync), only through one more hop.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase


class SyncChainASGIHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
