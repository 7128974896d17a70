"""Integrators' list answers, kept for a moment in each process and served while still true.

Integrators poll the same lists with keys of the same program, and building a page of fifty
rows (the ORM's queries, the serializers) is most of a list request's cost. Each web process
keeps the rendered answer of a list read with an API key, under what decides it: the view, the
full URL (host, scheme, path and query), the media type, and the key's program and scopes (every
selector reads an API key by its program alone). A kept answer is served again only when

* it is younger than KEEP_SECONDS, by the monotonic clock and the wall clock both (lists that
  derive something from the time, a session's state, are at most that much behind it); and
* nothing it read has changed: the version of the tables its SELECTs named
  (iop/api/table_changes.py), read before them, is the same now, so a write committed by any
  process (a web request, a worker, the admin, a migration) counts from the next request.

The request is still authenticated, authorised and throttled first (DRF's `initial`), and a
served answer writes the audit rows its first reading wrote, for this key and this request
(iop/audit/services.py's `recording`). Never kept: a person's request, anything but a 200 in
JSON, an answer whose handler wrote to any table but the audit log, audited anyone but the key,
or read a table that has no change trigger (or a name this could not tell from one).
"""

from __future__ import annotations

import functools
import random
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from iop.api import table_changes
from iop.api.models import ApiKey
from iop.audit.models import AccessLog
from iop.audit.services import Recording, Replay, access_replay, recording, replay_rows

KEEP_SECONDS = 15.0
# Answers one process keeps (the oldest goes first), and the largest it keeps.
KEPT = 256
LARGEST = 1_000_000

# Table names in FROM and JOIN clauses and after commas (a comma join), quoted or bare, in any
# case; a quoted name followed by "." is a column's table ("t"."c"), named in FROM already. A
# name this takes that is not a watched table (a column, a function) keeps the answer from
# being kept, never the other way round.
_TABLES = re.compile(
    r'(?:\bFROM\b|\bJOIN\b|,)\s*(?:"([^"]+)"(?!\s*\.)'
    r"|(?!(?:true|false|null)\b)([A-Za-z_][A-Za-z0-9_$]*)\b(?!\s*[.(]))",
    re.IGNORECASE,
)
_AUDIT_INSERT = re.compile(
    rf'\s*INSERT\s+INTO\s+"?{re.escape(AccessLog._meta.db_table)}"?[\s(]', re.IGNORECASE
)
_HARMLESS = re.compile(r"\s*(?:SAVEPOINT|RELEASE\s+SAVEPOINT|ROLLBACK\s+TO\s+SAVEPOINT)\b", re.I)
_SELECT = re.compile(r"\s*SELECT\b", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    content: bytes
    content_type: str
    tables: tuple[str, ...]
    version: table_changes.Version
    audit: Replay
    kept_at: float  # time.monotonic()
    kept_wall: float  # time.time()
    lifetime: float

    def fresh(self) -> bool:
        return (
            0 <= time.monotonic() - self.kept_at < self.lifetime
            and 0 <= time.time() - self.kept_wall < self.lifetime
        )


_lock = threading.Lock()
_kept: dict[tuple[Any, ...], Entry] = {}


def clear() -> None:
    with _lock:
        _kept.clear()


def _get(key: tuple[Any, ...]) -> Entry | None:
    with _lock:
        entry = _kept.get(key)
    return entry if entry is not None and entry.fresh() else None


def _put(key: tuple[Any, ...], entry: Entry) -> None:
    with _lock:
        _kept.pop(key, None)
        while len(_kept) >= KEPT:
            _kept.pop(next(iter(_kept)))
        _kept[key] = entry


@dataclass
class Reads:
    """What a handler's SQL touched (a `connection.execute_wrapper`)."""

    tables: set[str] = field(default_factory=set)
    wrote: bool = False

    def __call__(self, execute, sql, params, many, context):
        text = sql if isinstance(sql, str) else str(sql)
        if _SELECT.match(text):
            for quoted, bare in _TABLES.findall(text):
                self.tables.add(quoted or bare)
        elif not (_AUDIT_INSERT.match(text) or _HARMLESS.match(text)):
            self.wrote = True
        return execute(sql, params, many, context)


@dataclass
class Plan:
    """One list request's use of the cache: serve `entry` if still true, else keep the answer."""

    key: tuple[Any, ...]
    alias: str
    entry: Entry | None
    versions: dict[str, table_changes.Version] | None = None
    reads: Reads | None = None  # set, with the two above, when the answer is built
    audited: Recording | None = None

    def run(self, handler, request, *args, **kwargs):
        entry = self.entry
        if (
            entry is not None
            and table_changes.version_of(entry.tables, self.alias) == entry.version
        ):
            access_replay(actor=request.user, replay=entry.audit)
            return HttpResponse(entry.content, content_type=entry.content_type)
        # Read before the list's own queries: a write committed in between changes it.
        self.versions = table_changes.every_version(self.alias)
        self.reads = Reads()
        with connections[self.alias].execute_wrapper(self.reads), recording(request.user) as rows:
            self.audited = rows
            return handler(request, *args, **kwargs)

    def keep(self, response) -> None:
        reads, audited, versions = self.reads, self.audited, self.versions
        if reads is None or audited is None or versions is None:  # served from the cache
            return
        if not isinstance(response, Response) or response.status_code != 200:
            return
        if reads.wrote or audited.foreign or not reads.tables:
            return
        if not _all_watched(reads.tables):
            return
        response.render()
        if len(response.content) > LARGEST:
            return
        tables = tuple(sorted(reads.tables))
        _put(
            self.key,
            Entry(
                content=response.content,
                content_type=response["Content-Type"],
                tables=tables,
                version=table_changes.combined(versions, tables),
                audit=replay_rows(audited.rows),
                kept_at=time.monotonic(),
                kept_wall=time.time(),
                # Spread between half and all of KEEP_SECONDS, so answers kept together (a
                # process's first requests, a write that changed many lists) are not all read
                # again in the same instant.
                lifetime=KEEP_SECONDS * random.uniform(0.5, 1.0),  # noqa: S311 - not a secret
            ),
        )


def _all_watched(tables: set[str]) -> bool:
    """Whether every name is a table of a model with the change triggers (migrate installs them
    on every table but table_changes.UNWATCHED); an alias or a function's name is not."""
    return tables <= _watched_model_tables()


@functools.cache
def _watched_model_tables() -> frozenset[str]:
    names = {m._meta.db_table for m in apps.get_models(include_auto_created=True)}
    return frozenset(names - table_changes.UNWATCHED)


def plan_for(view, request) -> Plan | None:
    """The cache's plan for this request, or None when it is not a key's list in JSON."""
    key = request.auth
    if request.method != "GET" or getattr(view, "action", None) not in view.kept_actions:
        return None
    if not isinstance(key, ApiKey) or request.user is not key:
        return None
    if not isinstance(getattr(request, "accepted_renderer", None), JSONRenderer):
        return None
    alias = DEFAULT_DB_ALIAS
    cache_key = (
        alias,
        f"{type(view).__module__}.{type(view).__qualname__}",
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        request.accepted_media_type,
        key.program_id,
        tuple(sorted(key.scopes)),
    )
    return Plan(key=cache_key, alias=alias, entry=_get(cache_key))


class ListCacheMixin:
    """A viewset whose list answers to API keys are kept (see the module's docstring)."""

    # The actions whose answers are lists read alike by every key of a program.
    kept_actions: tuple[str, ...] = ("list",)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._list_cache_plan = plan = plan_for(self, request)
        if plan is not None:
            method = request.method.lower()
            handler = getattr(self, method)

            def cached(request, *args, **kwargs):
                return plan.run(handler, request, *args, **kwargs)

            # DRF's dispatch looks the handler up after `initial`.
            setattr(self, method, cached)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        plan = getattr(self, "_list_cache_plan", None)
        if plan is not None:
            plan.keep(response)
        return response
