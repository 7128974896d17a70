"""Django's ASGI handler with the middleware chain run in one thread, as under WSGI, in a thread
that outlives the request.

Harbor's middleware and views are all synchronous. Django's ASGIHandler builds its chain for
async use anyway: it hops from the event loop into a thread for the outer middleware, back onto
the loop for the inner handler (async_to_sync), and into the thread again for the view
(sync_to_async), four crossings a request with their futures and context copies. This handler
builds the synchronous chain and enters it once, in the request's thread-sensitive thread: the
same thread the view ran in before, so connections, thread-locals and context variables behave
as they did. Websockets do not come here (channels routes them); an async view would still be
run (Django adapts it with async_to_sync), only through one more hop.

Django also gives every request a thread-sensitive context of its own (asgiref's
ThreadSensitiveContext), whose executor starts a new thread for the request and joins it when
the request ends: a thread's start and join cost more CPU than a small view. This handler lends
each request one of a fixed set of single-thread executors instead (asgiref's caller-owned
executor: the context still routes every thread-sensitive call of the request, signals and
response.close included, to that one thread, and is not shut down on exit). The set's size is
how many requests of one process run at once; the others wait, in arrival order, on the event
loop, where waiting costs nothing, rather than in threads that would each hold or wait for one
of the process's database connections.

Most of a process's objects are made once and live as long as it does: the modules, and what
its first requests build (modules imported on first use, URL resolvers, serializers' fields, the
schema). Python's full garbage collections walk every one of them with the whole process
stopped: 200-360 ms each under bench/api.py's load, a stall of every request in flight. After
its first WARM_REQUESTS requests a process collects once and freezes what is left (gc.freeze),
so later full collections walk only what requests made since (iop/asgi.py freezes the imports).
"""

from __future__ import annotations

import asyncio
import gc
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest, HttpResponseBase

# Requests after which the process's long-lived objects are taken out of garbage collection.
WARM_REQUESTS = 200


def freeze_long_lived() -> None:
    """Collect what is garbage now, then keep every object left out of later collections."""
    gc.collect()
    gc.freeze()


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self, threads: int) -> None:
        super().__init__()
        if threads < 1:
            raise ValueError(f"a request needs a thread, got threads={threads}")
        self.threads = threads
        self._idle: asyncio.Queue[ThreadPoolExecutor] | None = None
        self._served = 0

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    def _executors(self) -> asyncio.Queue[ThreadPoolExecutor]:
        # Made on first use, inside the server's event loop (one per process).
        if self._idle is None:
            self._idle = asyncio.Queue()
            for n in range(self.threads):
                self._idle.put_nowait(
                    ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"harbor-request-{n}")
                )
        return self._idle

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        self._served += 1
        if self._served == WARM_REQUESTS:
            freeze_long_lived()
        idle = self._executors()
        executor = await idle.get()
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            idle.put_nowait(executor)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)
