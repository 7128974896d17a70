"""Finding an API key by its prefix on every request, without building the same query each time.

Authentication reads the key with its program and creator (one query). Building that query
through the ORM cost more CPU than anything else in a small list request: the SQL is compiled
once per process here and run as is, and the key's instances are rebuilt only when its row
reads differently from the last time this process built them. The row is read from the
database on every request, so a revoked, re-scoped or expired key (or a change to its program
or creator) counts from the next request, in every process, exactly as before.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

from iop.api.models import ApiKey

# How many keys' instances one process keeps (integrators have a handful of keys each).
KEPT = 512

_lock = threading.Lock()
_compiled: dict[str, Any] = {}
_kept: dict[str, tuple[tuple[Any, ...], ApiKey]] = {}


def _query(alias: str) -> Any:
    """The compiler of `ApiKey by prefix, with program and created_by` and its SQL, once."""
    found = _compiled.get(alias)
    if found is None:
        rows = ApiKey.objects.using(alias).select_related("program", "created_by")
        compiler = rows.filter(prefix="").query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        if list(params) != [""]:  # the prefix must be the one parameter, or this cannot work
            raise RuntimeError(f"unexpected parameters in the API key query: {params!r}")
        found = _compiled[alias] = (compiler, sql)
    return found


def _build(compiler: Any, row: tuple[Any, ...], alias: str) -> ApiKey:
    """The instances the ORM would make of `row` (as django.db.models.query.ModelIterable)."""
    (converted,) = list(compiler.results_iter(results=[[row]]))
    klass_info, select = compiler.klass_info, compiler.select
    start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    key = ApiKey.from_db(alias, init_list, converted[start:end])
    for populator in get_related_populators(klass_info, select, alias):
        populator.populate(converted, key)
    return key


def api_key_by_prefix(prefix: str, alias: str = DEFAULT_DB_ALIAS) -> ApiKey | None:
    """The key whose prefix is `prefix` (program and created_by loaded), or None: one query."""
    compiler, sql = _query(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    row = tuple(row)
    kept = _kept.get(prefix)
    if kept is None or kept[0] != row:
        kept = (row, _build(compiler, row, alias))
        with _lock:
            if len(_kept) >= KEPT:
                _kept.clear()
            _kept[prefix] = kept
    return _copy(kept[1])


def _copy(key: ApiKey) -> ApiKey:
    """A copy per request, as Model.__getstate__ makes one: a request may set attributes on its
    principal (last_used_at), and no two requests share its state; the related instances (the
    program, the creator) are shared, read only."""
    clone = ApiKey.__new__(ApiKey)
    clone.__dict__.update(key.__dict__)
    clone._state = copy.copy(key._state)
    clone._state.fields_cache = dict(key._state.fields_cache)
    return clone
