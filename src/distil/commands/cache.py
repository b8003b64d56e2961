"""``distil cache clear``: forget everything distil keeps between runs to save work.

That is the snapshots and verdicts under ``<script_location>/__pycache__`` (the models' target,
the live schema, the proof's head, ``check``'s verdict), the header, code and statement caches of
the versions directories, and the proof's kept scratch database
(``dialects.scratch.kept_scratch``) of this project and database. Nothing in them is needed: the
next command rebuilds what it uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distil.config import Config

CACHE_PATTERNS = ("target-*", "live-*", "check-*.json", "proof-head-*.json", "scratch-*")
PROOF = "proof"  # the kept scratch database of the proof (commands.autogenerate)


@dataclass(frozen=True)
class Cleared:
    files: tuple[str, ...]
    databases: tuple[str, ...]


def kept_identity(config: Config) -> str:
    """What tells this project's kept scratch database from another project's."""
    return str(config.versions_dir)


def clear_caches(config: Config) -> Cleared:
    from distil.dialects.scratch import drop_kept, kept_name, kept_names
    from distil.introspect.normalize import KEPT_PURPOSE
    from distil.runtime.sql_cache import cache_file_for as statements_file
    from distil.scripts.code_cache import cache_file_for as code_file
    from distil.scripts.directory import HEADER_CACHE_NAME

    files: list[str] = []
    folder = config.script_location / "__pycache__"
    for pattern in CACHE_PATTERNS:
        for path in sorted(folder.glob(pattern)):
            path.unlink(missing_ok=True)
            files.append(str(path))
    for directory in config.version_locations or (config.versions_dir,):
        kept = (
            directory / "__pycache__" / HEADER_CACHE_NAME,
            code_file(directory),
            statements_file(directory),
        )
        for path in kept:
            if path.exists():
                path.unlink(missing_ok=True)
                files.append(str(path))
    databases: list[str] = []
    url = config.url
    if url:
        present = kept_names(url)  # none on SQLite: its kept database is a cache file
        for purpose in (PROOF, KEPT_PURPOSE):
            name = kept_name(url, purpose, kept_identity(config))
            if name in present:
                drop_kept(url, name)
                databases.append(name)
    return Cleared(tuple(files), tuple(databases))
