"""One query through libpq itself (``ctypes``), for ``distil current`` on PostgreSQL.

Importing psycopg costs about 0.1 s, half of what ``distil current`` takes on PostgreSQL; the
command sends a single SELECT. This module loads the libpq that psycopg uses (the copy bundled
with ``psycopg-binary``, else the system's ``libpq.so.5``), connects with the same parameters, and
returns the rows as text. ``None`` means libpq could not be loaded; any other failure raises, and
the caller falls back to psycopg, which reports it properly.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import importlib.util
import os
import sys
from collections.abc import Mapping

CONNECTION_OK = 0
PGRES_TUPLES_OK = 2
PG_DIAG_SQLSTATE = ord("C")


class QueryError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def query(parameters: Mapping[str, str], sql: str) -> list[tuple[str | None, ...]] | None:
    """The rows of ``sql``, each value as text (``None`` for NULL); ``None`` without libpq."""
    lib = _library()
    if lib is None:
        return None
    items = [(k.encode(), v.encode()) for k, v in parameters.items()]
    keys = (ctypes.c_char_p * (len(items) + 1))(*(k for k, _ in items), None)
    values = (ctypes.c_char_p * (len(items) + 1))(*(v for _, v in items), None)
    connection = lib.PQconnectdbParams(keys, values, 0)
    if not connection:
        raise MemoryError("libpq could not allocate a connection")
    try:
        if lib.PQstatus(connection) != CONNECTION_OK:
            raise ConnectionError("connection refused")  # psycopg repeats it with the message
        result = lib.PQexec(connection, sql.encode())
        try:
            if lib.PQresultStatus(result) != PGRES_TUPLES_OK:
                state = lib.PQresultErrorField(result, PG_DIAG_SQLSTATE)
                raise QueryError(state.decode() if state else None)
            rows, fields = lib.PQntuples(result), lib.PQnfields(result)
            return [
                tuple(
                    None
                    if lib.PQgetisnull(result, row, field)
                    else lib.PQgetvalue(result, row, field).decode()
                    for field in range(fields)
                )
                for row in range(rows)
            ]
        finally:
            lib.PQclear(result)
    finally:
        lib.PQfinish(connection)


@functools.cache
def _library() -> ctypes.CDLL | None:
    for candidate in _candidates():
        try:
            lib = ctypes.CDLL(candidate)
        except OSError:
            continue
        _declare(lib)
        return lib
    return None


def _candidates() -> list[str]:
    found = []
    spec = importlib.util.find_spec("psycopg_binary")  # locates the package without importing it
    if spec is not None and spec.origin:
        bundled = os.path.join(os.path.dirname(os.path.dirname(spec.origin)), "psycopg_binary.libs")
        found += sorted(glob.glob(os.path.join(bundled, "libpq*.so*")))
    if sys.platform.startswith("linux"):
        found.append("libpq.so.5")
    elif sys.platform == "darwin":
        found.append("libpq.5.dylib")
    return found


def _declare(lib: ctypes.CDLL) -> None:
    pointer, text, number = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
    signatures = {
        "PQconnectdbParams": (pointer, [ctypes.POINTER(text), ctypes.POINTER(text), number]),
        "PQstatus": (number, [pointer]),
        "PQexec": (pointer, [pointer, text]),
        "PQresultStatus": (number, [pointer]),
        "PQresultErrorField": (text, [pointer, number]),
        "PQntuples": (number, [pointer]),
        "PQnfields": (number, [pointer]),
        "PQgetisnull": (number, [pointer, number, number]),
        "PQgetvalue": (text, [pointer, number, number]),
        "PQclear": (None, [pointer]),
        "PQfinish": (None, [pointer]),
    }
    for name, (restype, argtypes) in signatures.items():
        function = getattr(lib, name)
        function.restype = restype
        function.argtypes = argtypes
