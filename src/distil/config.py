"""Where distil's settings come from, and how database URLs are shown without their passwords.

``load_config`` returns a frozen ``Config`` or raises ``ConfigError`` naming the file, the key and
the fix; it never guesses. ``mask_url`` and ``mask_secrets`` never let a password from a URL reach a
message. Nothing here imports SQLAlchemy, so ``distil --help`` stays fast.

Reference. Settings live in ``[tool.distil]`` of ``pyproject.toml`` or at the top level of
``distil.toml`` (found by walking up from the working directory; in one directory ``distil.toml``
wins, and a ``pyproject.toml`` without ``[tool.distil]`` is skipped)::

    script_location = "migrations"        # relative to the config file's directory
    models = "app.models:Base.metadata"   # MODULE:ATTR: a declarative Base, a MetaData, or a
                                          # list of MetaData; needed only by autogenerate
    url = "${DATABASE_URL}"               # ${VAR} and ${VAR:-default} come from the environment
    dev_url = "postgresql://localhost/scratch"  # optional scratch database for autogenerate
    keep_scratch = true                   # keep the proof's scratch database between runs
    schemas = ["audit"]                   # extra schemas to compare
    version_table = "distil_version"
    version_table_schema = "ops"          # optional
    lock_timeout = 60                     # seconds to wait for another migrator
    post_write_hooks = ["ruff format {path}"]  # run on each new migration file, in order
    alembic_version = "adopt"             # or "keep": also keep Alembic's table current
    alembic_version_table = "alembic_version"   # Alembic's version table (name, schema)
    alembic_version_table_schema = "ops"        # optional
    exclude_tables = ["celery_*", "spatial_ref_sys"]  # also include_tables, include_schemas,
    include_object = "app.migrations:include_object"  # exclude_schemas; include_name
    engine = "app.db:make_engine"         # a function returning the Engine distil uses
    prepend_sys_path = ["."]              # Alembic histories: put first on sys.path (default ".")
    preload = ["app.models"]              # modules imported before any migration runs
    version_locations = ["migrations/versions", "plugins/versions"]  # several versions dirs

    [tool.distil.lint]                    # lint rule levels (read by distil.commands.lint)

The database URL used is the first of: the ``--url`` flag, the ``DISTIL_DATABASE_URL``
environment variable, the file's ``url``. Write ``$${`` for a literal ``${``. An unset variable in
the file's ``url`` or ``dev_url`` is reported by ``Config.require_url`` / ``require_dev_url``, not
on loading, so commands that never use the setting (heads, history, show, revision, merge; every
command but autogenerate and check for ``dev_url``) work before the variable is set.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import quote, quote_plus, unquote, unquote_plus

from distil.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

URL_ENV_VAR = "DISTIL_DATABASE_URL"
DISTIL_TOML = "distil.toml"
PYPROJECT_TOML = "pyproject.toml"

DEFAULT_SCRIPT_LOCATION = "migrations"
DEFAULT_VERSION_TABLE = "distil_version"
DEFAULT_LOCK_TIMEOUT = 60.0

# -- coming from Alembic: whose version table distil takes over, and whether it keeps it current
ADOPTION_KEYS = ("alembic_version", "alembic_version_table", "alembic_version_table_schema")
ALEMBIC_VERSION_MODES = ("adopt", "keep")
DEFAULT_ALEMBIC_VERSION_TABLE = "alembic_version"

# -- what the models own (``introspect.scope``): name globs and Alembic-style hooks
SCOPE_GLOB_KEYS = ("include_tables", "exclude_tables", "include_schemas", "exclude_schemas")
SCOPE_HOOK_KEYS = ("include_object", "include_name")

# -- the engine: a callable of the application's that returns it (``dialects.registry``)
ENGINE_KEYS = ("engine",)

_KNOWN_KEYS = (
    "script_location",
    "models",
    "url",
    "dev_url",
    "keep_scratch",
    "schemas",
    "version_table",
    "version_table_schema",
    "lock_timeout",
    "post_write_hooks",
    *ADOPTION_KEYS,
    *SCOPE_GLOB_KEYS,
    *SCOPE_HOOK_KEYS,
    *ENGINE_KEYS,
    # running Alembic histories (docs/coming-from-alembic.md)
    "prepend_sys_path",
    "preload",
    "version_locations",
)


@dataclass(frozen=True)
class Config:
    """Resolved settings: every path absolute, every ``${VAR}`` expanded, the URL chosen."""

    path: Path | None
    root: Path
    script_location: Path
    versions_dir: Path
    models: str | None = None
    url: str | None = None
    dev_url: str | None = None
    keep_scratch: bool = True
    schemas: tuple[str, ...] = ()
    version_table: str = DEFAULT_VERSION_TABLE
    version_table_schema: str | None = None
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT
    alembic_version: str = "adopt"
    alembic_version_table: str = DEFAULT_ALEMBIC_VERSION_TABLE
    alembic_version_table_schema: str | None = None
    include_tables: tuple[str, ...] = ()
    exclude_tables: tuple[str, ...] = ()
    include_schemas: tuple[str, ...] = ()
    exclude_schemas: tuple[str, ...] = ()
    include_object: str | None = None
    include_name: str | None = None
    engine: str | None = None  # MODULE:ATTR of a callable returning the Engine (or Connection)
    raw: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    url_problem: str | None = None
    dev_url_problem: str | None = None
    # running Alembic histories: directories put first on sys.path before migration code runs
    # (default: the config file's directory), modules imported before the first migration
    # (what env.py imported), and further directories of migration files
    prepend_sys_path: tuple[Path, ...] = ()
    preload: tuple[str, ...] = ()
    version_locations: tuple[Path, ...] = ()
    post_write_hooks: tuple[str, ...] = ()

    def require_url(self) -> str:
        """The database URL, or a ``ConfigError`` listing the three ways to give one.

        A file ``url`` that names an unset environment variable is reported here, not when the
        config is loaded, so commands that never touch the database work without it.
        """
        if self.engine:
            from distil.models_loader import engine_hook_url

            origin = f"the engine setting in {self.path}"
            return engine_hook_url(self.engine, self.root, origin, self.url)
        if self.url:
            return self.url
        if self.url_problem:
            raise ConfigError(self.url_problem)
        if self.path is None:
            where = f"{DISTIL_TOML} or to [tool.distil] in {PYPROJECT_TOML}"
        elif self.path.name == PYPROJECT_TOML:
            where = f"[tool.distil] in {self.path}"
        else:
            where = str(self.path)
        raise ConfigError(
            f"No database URL is configured. Give one with the --url option, set the "
            f'{URL_ENV_VAR} environment variable, or add url = "${{DATABASE_URL}}" to {where}.'
        )

    def require_dev_url(self) -> str | None:
        """The scratch database URL (``None`` when not configured), or the ``ConfigError`` of a
        ``dev_url`` naming an unset variable: only the commands that use it report that."""
        if self.dev_url_problem and not self.dev_url:
            raise ConfigError(self.dev_url_problem)
        return self.dev_url

    @property
    def masked_url(self) -> str | None:
        """The URL with its password replaced by ``***``, safe to print."""
        return mask_url(self.url) if self.url else None


# --------------------------------------------------------------------------- finding the file


def find_config(start: Path) -> Path | None:
    """The nearest config file at or above ``start``, or ``None`` at the filesystem root."""
    directory = Path(start).resolve()
    if directory.is_file():
        directory = directory.parent
    for candidate_dir in (directory, *directory.parents):
        distil_toml = candidate_dir / DISTIL_TOML
        if distil_toml.is_file():
            return distil_toml
        pyproject = candidate_dir / PYPROJECT_TOML
        if pyproject.is_file() and _pyproject_mentions_distil(pyproject):
            return pyproject
    return None


_TOOL_DISTIL_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*distil\s*[\].]", re.MULTILINE)


def _pyproject_mentions_distil(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # A broken file that clearly holds our table is still ours: load_config reports the error.
        return bool(_TOOL_DISTIL_HEADER.search(text))
    tool = document.get("tool")
    return isinstance(tool, dict) and "distil" in tool


# --------------------------------------------------------------------------- loading


def load_config(
    config_file: Path | None = None,
    *,
    url: str | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Read, validate and resolve the configuration.

    ``config_file`` (the ``-c`` option) is used as given; otherwise the nearest config file above
    ``cwd`` is. ``url`` (the ``--url`` option) beats ``DISTIL_DATABASE_URL``, which beats the file.
    """
    working_dir = Path(cwd) if cwd is not None else Path.cwd()
    env = os.environ if environ is None else environ
    if config_file is not None:
        path = Path(config_file)
        if not path.is_absolute():
            path = working_dir / path
        if not path.is_file():
            raise ConfigError(
                f"The config file {path} does not exist. Check the path given with -c/--config, "
                f"or run `distil init` to create a configuration."
            )
    else:
        found = find_config(working_dir)
        if found is None:
            raise ConfigError(
                f"No distil configuration found in {working_dir.resolve()} or any directory above "
                f"it (looked for {DISTIL_TOML}, and for a {PYPROJECT_TOML} with a [tool.distil] "
                f"table). Run `distil init` to create one, or pass -c PATH to name the file."
            )
        path = found
    path = path.resolve()
    table = _read_table(path)
    return _build_config(path, table, flag_url=url, environ=env)


def _read_table(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(
            f"Cannot read the config file {path}: {error.strerror or error}. Check that it exists "
            f"and is readable."
        ) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"The config file {path} is not valid UTF-8 ({error.reason} at byte {error.start}). "
            f"Save it as UTF-8."
        ) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = _error_line(error, text)
        raise ConfigError(
            f"The config file {path} is not valid TOML: line {line}: {error}. Fix the syntax on "
            f"that line."
        ) from None
    if path.name != PYPROJECT_TOML:
        return document
    tool = document.get("tool", {})
    table = tool.get("distil") if isinstance(tool, dict) else None
    if table is None:
        raise ConfigError(
            f"The file {path} has no [tool.distil] table. Add one (run `distil init` in that "
            f"directory), or pass -c with the path of a distil.toml."
        )
    if not isinstance(table, dict):
        raise ConfigError(
            f"In {path}, tool.distil must be a table of settings, not a "
            f"{_toml_type_name(table)}. Write it as a [tool.distil] section."
        )
    return table


def _error_line(error: Exception, text: str) -> int:
    lineno = getattr(error, "lineno", None)
    if isinstance(lineno, int):
        return lineno
    match = re.search(r"at line (\d+)", str(error))
    if match:
        return int(match.group(1))
    return text.count("\n") + 1


def _build_config(
    path: Path, table: dict[str, Any], *, flag_url: str | None, environ: Mapping[str, str]
) -> Config:
    section = "[tool.distil]" if path.name == PYPROJECT_TOML else path.name
    _reject_unknown_keys(path, section, table)
    settings = _TypedSettings(path, section, table)

    script_setting = settings.string("script_location") or DEFAULT_SCRIPT_LOCATION
    root = path.parent
    script_location = (root / Path(script_setting).expanduser()).resolve()

    models = settings.string("models")
    if models is not None:
        check_models_spec(models, origin=f"the models setting in {path}")

    url_problem: str | None = None
    file_url = settings.string("url")
    if flag_url:
        url: str | None = flag_url
    elif environ.get(URL_ENV_VAR):
        url = environ[URL_ENV_VAR]
    elif file_url is not None:
        try:
            url = _expand(file_url, "url", path, environ)
        except _UnsetVariable as unset:
            url, url_problem = None, unset.message
    else:
        url = None
    if url:
        url = normalize_url(url)
        if not flag_url and not environ.get(URL_ENV_VAR):
            url = file_relative_url(url, root)
    dev_setting = settings.string("dev_url")
    dev_url: str | None = None
    dev_url_problem: str | None = None
    if dev_setting is not None:
        try:
            dev_url = normalize_url(_expand(dev_setting, "dev_url", path, environ)) or None
            dev_url = file_relative_url(dev_url, root) if dev_url else None
        except _UnsetVariable as unset:
            dev_url_problem = unset.message

    lock_timeout = settings.number("lock_timeout")
    version_locations = tuple(
        (root / Path(entry).expanduser()).resolve()
        for entry in settings.string_or_list("version_locations")
    )
    return Config(
        path=path,
        root=root,
        script_location=script_location,
        versions_dir=version_locations[0] if version_locations else script_location / "versions",
        models=models,
        url=url or None,
        dev_url=dev_url or None,
        keep_scratch=settings.boolean("keep_scratch", default=True),
        schemas=settings.string_list("schemas"),
        version_table=settings.string("version_table") or DEFAULT_VERSION_TABLE,
        version_table_schema=settings.string("version_table_schema") or None,
        lock_timeout=DEFAULT_LOCK_TIMEOUT if lock_timeout is None else lock_timeout,
        **_adoption_settings(settings),
        **_scope_settings(settings, path),
        raw=_freeze(table),
        url_problem=url_problem,
        dev_url_problem=dev_url_problem,
        prepend_sys_path=tuple(
            (root / Path(entry).expanduser()).resolve()
            for entry in settings.string_or_list("prepend_sys_path", default=(".",))
        ),
        preload=settings.string_or_list("preload"),
        version_locations=version_locations,
        post_write_hooks=_hook_commands(path, section, settings.string_list("post_write_hooks")),
    )


def _hook_commands(path: Path, section: str, commands: tuple[str, ...]) -> tuple[str, ...]:
    import shlex

    for command in commands:
        try:
            words = shlex.split(command)
        except ValueError as error:
            raise ConfigError(
                f"In {section} of {path}, the post_write_hooks command {command!r} cannot be "
                f"split into words ({error}). Close the quote, or escape it."
            ) from None
        if not words:
            raise ConfigError(
                f"In {section} of {path}, post_write_hooks holds an empty command. Remove it, or "
                'write a command such as "ruff format {path}".'
            )
    return commands


def _adoption_settings(settings: _TypedSettings) -> dict[str, Any]:
    mode = settings.choice("alembic_version", ALEMBIC_VERSION_MODES) or "adopt"
    return {
        "alembic_version": mode,
        "alembic_version_table": settings.string("alembic_version_table")
        or DEFAULT_ALEMBIC_VERSION_TABLE,
        "alembic_version_table_schema": settings.string("alembic_version_table_schema") or None,
    }


def _scope_settings(settings: _TypedSettings, path: Path) -> dict[str, Any]:
    found: dict[str, Any] = {key: settings.string_list(key) for key in SCOPE_GLOB_KEYS}
    for key in (*SCOPE_HOOK_KEYS, *ENGINE_KEYS):
        spec = settings.string(key)
        if spec is not None:
            check_models_spec(spec, origin=f"the {key} setting in {path}")
        found[key] = spec
    return found


def _reject_unknown_keys(path: Path, section: str, table: Mapping[str, Any]) -> None:
    for key, value in table.items():
        if key in _KNOWN_KEYS or isinstance(value, dict):
            continue
        close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ConfigError(
            f"Unknown key '{key}' in {section} of {path}{hint}. Valid keys are: "
            f"{', '.join(_KNOWN_KEYS)}; sub-tables such as [tool.distil.lint] are also allowed. "
            f"Fix the spelling or remove the key."
        )


class _TypedSettings:
    """Reads one table's values, raising ``ConfigError`` naming the key and expected type."""

    def __init__(self, path: Path, section: str, table: Mapping[str, Any]) -> None:
        self._path = path
        self._section = section
        self._table = table

    def _wrong_type(self, key: str, expected: str) -> ConfigError:
        value = self._table[key]
        return ConfigError(
            f"In {self._section} of {self._path}, '{key}' must be {expected}, not "
            f"{_toml_type_name(value)} ({value!r}). Change the value of '{key}'."
        )

    def string(self, key: str) -> str | None:
        if key not in self._table:
            return None
        value = self._table[key]
        if not isinstance(value, str):
            raise self._wrong_type(key, "a string")
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str | None:
        value = self.string(key)
        if value is not None and value not in allowed:
            raise self._wrong_type(key, " or ".join(repr(item) for item in allowed))
        return value

    def boolean(self, key: str, *, default: bool) -> bool:
        if key not in self._table:
            return default
        value = self._table[key]
        if not isinstance(value, bool):
            raise self._wrong_type(key, "true or false")
        return value

    def number(self, key: str) -> float | None:
        if key not in self._table:
            return None
        value = self._table[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise self._wrong_type(key, "a number of seconds (0 or more)")
        return float(value)

    def string_list(self, key: str) -> tuple[str, ...]:
        if key not in self._table:
            return ()
        value = self._table[key]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self._wrong_type(key, 'a list of strings (e.g. ["audit"])')
        return tuple(value)

    def string_or_list(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        """A list of strings, or one string of entries separated by spaces (Alembic's form)."""
        if key not in self._table:
            return default
        if isinstance(self._table[key], str):
            return tuple(self._table[key].split())
        return self.string_list(key)


def _toml_type_name(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a float", str: "a string"}
    names.update({list: "an array", dict: "a table"})
    return names.get(type(value), f"a {type(value).__name__}")


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    return value


_MODULE_PATH = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_MODELS_SPEC = re.compile(rf"(?P<module>{_MODULE_PATH}):(?P<attr>{_MODULE_PATH})")


def check_models_spec(spec: str, *, origin: str = "the models reference") -> tuple[str, str]:
    """Split ``"pkg.mod:Base.metadata"`` into module and attribute path, without importing."""
    match = _MODELS_SPEC.fullmatch(spec.strip())
    if match is None:
        raise ConfigError(
            f"{origin[:1].upper()}{origin[1:]} is {spec!r}, which is not of the form MODULE:ATTR. "
            f'Write it like "app.models:Base.metadata", "app.models:Base" or '
            f'"app.models:metadata".'
        )
    return match.group("module"), match.group("attr")


# --------------------------------------------------------------------------- relative files

# The one URL form that names a file on this machine: "sqlite[+driver]:///path". A relative path
# in the config file is relative to the file's directory, like every other path in it.
_FILE_URL = re.compile(r"(?P<scheme>sqlite(?:\+[\w.]+)?):///(?P<path>[^?]*)(?P<query>\?.*)?", re.I)


def file_relative_url(url: str, base: Path) -> str:
    """``url`` with a relative database file path made absolute from ``base``.

    ``sqlite:///blog.db`` names ``base/blog.db``; an absolute path (``sqlite:////srv/app.db``),
    an in-memory database and every other URL are returned unchanged. A ``file:`` URI path
    (``?uri=true``) is made absolute the same way.
    """
    match = _FILE_URL.fullmatch(url)
    if match is None:
        return url
    path, query = match.group("path"), match.group("query") or ""
    prefix = ""
    if path.startswith("file:") and "uri=true" in query.lower():
        prefix, path = "file:", path[len("file:") :]
        if "mode=memory" in query.lower():
            return url
    if path in ("", ":memory:") or path.startswith("/") or Path(path).is_absolute():
        return url
    absolute = Path(os.path.normpath(base / path)).as_posix()
    return f"{match.group('scheme')}:///{prefix}{absolute}{query}"


# --------------------------------------------------------------------------- ${VAR} expansion

_REFERENCE = re.compile(r"\$\$\{|\$\{([^{}]*)\}|\$\{")
_REFERENCE_BODY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?", re.DOTALL)


class _UnsetVariable(ConfigError):
    """A ``${NAME}`` without default names an unset variable; ``url`` defers it to use time."""


def _expand(value: str, key: str, path: Path, environ: Mapping[str, str]) -> str:
    """``value`` with its references replaced; a variable that fills a URL's password is taken
    as the password itself and percent-encoded when it holds characters a URL cannot carry raw."""
    password_span = _find_secret_spans(value).userinfo_password

    def in_password(match: re.Match[str]) -> bool:
        return password_span is not None and (
            password_span[0] <= match.start() and match.end() <= password_span[1]
        )

    def substitute(match: re.Match[str]) -> str:
        replacement = _substitute(match)
        if in_password(match) and match.group(0) != "$${" and _RAW_PASSWORD.search(replacement):
            return quote(replacement, safe="")
        return replacement

    def _substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "$${":
            return "${"
        body = match.group(1)
        parsed = _REFERENCE_BODY.fullmatch(body) if body is not None else None
        if parsed is None:
            shown = token if body is not None else value[match.start() : match.start() + 20]
            raise ConfigError(
                f"In {path}, '{key}' holds a malformed reference {shown!r}: write ${{NAME}} or "
                f"${{NAME:-default}} with NAME made of letters, digits and underscores, or $${{ "
                f"for a literal ${{."
            )
        name, default = parsed.group(1), parsed.group(2)
        current = environ.get(name)
        if default is not None:
            return current if current else default
        if current is None:
            override = (
                f", or set {URL_ENV_VAR} / pass --url to override the file's url"
                if key == "url"
                else ""
            )
            raise _UnsetVariable(
                f"In {path}, the setting '{key}' refers to the environment variable {name}, which "
                f"is not set. Set {name}, or write ${{{name}:-default}} to give a fallback"
                f"{override}."
            )
        return current

    return _REFERENCE.sub(substitute, value)


# --------------------------------------------------------------------------- URL masking

MASK = "***"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_SECRET_QUERY_KEYS = frozenset({"password", "passwd", "pwd", "sslpassword", "secret"})
# What may follow the "@" that ends the user part: a host (or [IPv6]), an optional numeric port,
# an optional path and an optional query of key=value pairs.
_AFTER_USERINFO = re.compile(
    r"(?:\[[^\]/?#@]*\]|[^\[\]/?#@:]*)(?::\d*)?(?:/[^?#]*)?"
    r"(?:\?(?:[^=&;#?]+=[^&;#]*(?:[&;][^=&;#?]+=[^&;#]*)*)?)?",
    re.DOTALL,
)
# A password that holds one of these as written cannot be parsed as it stands: it is raw.
_RAW_PASSWORD = re.compile(r"[@/?#\s]|%(?![0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class _SecretSpans:
    """Character ranges of a URL that hold secrets, and how each is decoded."""

    userinfo_password: tuple[int, int] | None
    query_values: tuple[tuple[int, int], ...]


def _userinfo_end(url: str, authority_start: int) -> int | None:
    """Where the user part ends: the "@" before the host, or ``None`` without a user part.

    A raw password may hold "@", "?" and "/"; the user part ends at the first "@" after which the
    rest reads as host, port, path and query, so "app:horse@battery?staple@db/x" ends before
    "db" and "app:pw@db/x?options=a@b" before the first "db". When no "@" qualifies, the last one
    does: a password is never shown because the URL is malformed.
    """
    if url.startswith("/", authority_start):
        return None  # sqlite:///path: no authority, an "@" belongs to the path
    candidates = [i for i in range(authority_start, len(url)) if url[i] == "@"]
    if not candidates:
        return None
    for candidate in candidates:
        if _AFTER_USERINFO.fullmatch(url, candidate + 1):
            return candidate
    return candidates[-1]


def _find_secret_spans(url: str) -> _SecretSpans:
    scheme = _SCHEME.match(url)
    if scheme is None:
        return _SecretSpans(None, ())
    authority_start = scheme.end()
    userinfo_end = _userinfo_end(url, authority_start)
    password_span: tuple[int, int] | None = None
    after_userinfo = authority_start
    if userinfo_end is not None:
        after_userinfo = userinfo_end + 1
        colon = url.find(":", authority_start, userinfo_end)
        if colon != -1 and colon + 1 < userinfo_end:
            password_span = (colon + 1, userinfo_end)
    query_mark = url.find("?", after_userinfo)
    query_spans: list[tuple[int, int]] = []
    if query_mark != -1:
        position = query_mark + 1
        for pair in re.split(r"[&;]", url[query_mark + 1 :]):
            key, equals, _ = pair.partition("=")
            if equals and unquote_plus(key).strip().lower() in _SECRET_QUERY_KEYS:
                value_start = position + len(key) + 1
                value_end = position + len(pair)
                if value_end > value_start:
                    query_spans.append((value_start, value_end))
            position += len(pair) + 1
    return _SecretSpans(password_span, tuple(query_spans))


def normalize_url(url: str) -> str:
    """``url`` with a raw password in its user part percent-encoded, so drivers read it whole.

    A password written (or taken from a variable) as it is, with "@", "?", "/", "#", a space or a
    lone "%" in it, is encoded; one already percent-encoded, or with none of these, is unchanged.
    """
    span = _find_secret_spans(url).userinfo_password
    if span is None:
        return url
    password = url[span[0] : span[1]]
    if not _RAW_PASSWORD.search(password):
        return url
    return url[: span[0]] + quote(password, safe="") + url[span[1] :]


def mask_url(url: str) -> str:
    """``url`` with every password (in the user part or the query string) replaced by ``***``."""
    return replace_url_passwords(url, lambda _written: MASK)


def replace_url_passwords(url: str, replace: Callable[[str], str]) -> str:
    """``url`` with each password, as written, swapped for ``replace(password)``."""
    spans = _find_secret_spans(url)
    all_spans = list(spans.query_values)
    if spans.userinfo_password is not None:
        all_spans.append(spans.userinfo_password)
    result = url
    for start, end in sorted(all_spans, reverse=True):
        result = result[:start] + replace(url[start:end]) + result[end:]
    return result


def url_passwords(url: str) -> tuple[str, ...]:
    """Every spelling of the URL's passwords: as written, percent-decoded and percent-encoded."""
    spans = _find_secret_spans(url)
    spellings: set[str] = set()
    if spans.userinfo_password is not None:
        written = url[slice(*spans.userinfo_password)]
        decoded = unquote(written)
        spellings.update({written, decoded, quote(decoded, safe=""), quote_plus(decoded)})
    for start, end in spans.query_values:
        written = url[start:end]
        decoded = unquote_plus(written)
        spellings.update({written, decoded, quote(decoded, safe=""), quote_plus(decoded)})
    spellings.discard("")
    return tuple(sorted(spellings, key=lambda text: (-len(text), text)))


def mask_secrets(text: str, url: str | None) -> str:
    """``text`` (e.g. a driver's error message) with ``url``'s password replaced by ``***``."""
    if not url:
        return text
    masked_url, passwords = _secrets_of(url)
    if masked_url != url:
        text = text.replace(url, masked_url)
    for password in passwords:
        text = text.replace(password, MASK)
    return text


@functools.lru_cache(maxsize=16)
def _secrets_of(url: str) -> tuple[str, tuple[str, ...]]:
    """``url`` masked, and its passwords' spellings: parsed once per URL, not once per line of
    output (every migration's line is masked)."""
    return mask_url(url), url_passwords(url)
