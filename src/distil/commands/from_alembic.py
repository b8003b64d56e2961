"""``distil init --from-alembic``: distil's settings from an Alembic project's ``alembic.ini`` and
``env.py``.

Guarantees: env.py is read as a syntax tree, never imported or run; every setting found is either
written (``mapped`` says from what), or listed in ``not_carried`` with what to do instead; nothing
is written when a check fails (the same checks and writer as ``distil init``). A setting distil
does not know is never written: the config file always loads.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from distil.commands.alembic_env import EnvFacts, filter_globs, models_spec, read_env
from distil.config import check_models_spec, mask_url
from distil.errors import ConfigError

ALEMBIC_TEMPLATE_URL = "driver://user:pass@localhost/dbname"


@dataclass
class Conversion:
    """What was found: the settings to write, and for the user what maps and what does not."""

    settings: dict[str, Any] = field(default_factory=dict)
    mapped: list[str] = field(default_factory=list)
    not_carried: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    models_found: bool = False
    models_hint: str | None = None  # what env.py's target_metadata says, when not mappable


@dataclass(frozen=True)
class FromAlembicResult:
    config_path: Path
    created_config: bool
    conversion: Conversion


def find_alembic_ini(path: str | None, cwd: Path) -> Path:
    candidate = Path(path) if path else Path("alembic.ini")
    if not candidate.is_absolute():
        candidate = cwd / candidate
    if candidate.is_dir():
        candidate = candidate / "alembic.ini"
    if not candidate.is_file() and _tool_alembic(candidate.parent / "pyproject.toml"):
        return (candidate.parent / "pyproject.toml").resolve()  # Alembic's pyproject.toml form
    if not candidate.is_file():
        raise ConfigError(
            f"No Alembic configuration at {candidate}. Run `distil init --from-alembic` in the "
            f"directory that holds alembic.ini, or pass its path: `distil init --from-alembic "
            f"path/to/alembic.ini`."
        )
    return candidate.resolve()


def convert(ini_path: Path, root: Path, *, models: str | None = None) -> Conversion:
    """Read ``ini_path`` (and the env.py it points at) into distil settings relative to ``root``."""
    from distil import config as distil_config

    known = set(distil_config._KNOWN_KEYS)
    out = Conversion()
    here = ini_path.parent
    section = _read_ini(ini_path) if ini_path.name != "pyproject.toml" else {}
    tool = _tool_alembic(here / "pyproject.toml")
    hook_tables: list[dict[str, str]] = []
    if tool:
        # Alembic's pyproject.toml form: [tool.alembic] holds the paths and hooks as lists
        for key, value in tool.items():
            if key == "post_write_hooks" and isinstance(value, list):
                hook_tables = [h for h in value if isinstance(h, dict)]
            elif isinstance(value, list):
                section[key] = "\n".join(str(v).replace("%(here)s", str(here)) for v in value)
                section.setdefault("path_separator", "newline")
            elif isinstance(value, str):
                section[key] = value.replace("%(here)s", str(here))

    script = section.get("script_location")
    if not script:
        raise ConfigError(
            f"{ini_path} has no script_location in its [alembic] section, so there is no "
            f"migration directory to take over. Add it, or pass the right alembic.ini."
        )
    if ":" in script and not Path(script).is_absolute() and not re.match(r"^[A-Za-z]:", script):
        raise ConfigError(
            f"{ini_path} names the migrations as a package resource ({script!r}); distil needs "
            f"a directory. Write the directory's path in script_location and run again."
        )
    script_dir = _resolve(script, here)
    out.settings["script_location"] = _relative(script_dir, root)
    out.mapped.append(f"script_location = {script!r} -> {out.settings['script_location']!r}")

    separator = _separator(section)
    locations = _split(section.get("version_locations", ""), separator)
    if locations:
        paths = [_relative(_resolve(entry, here), root) for entry in locations]
        _put(out, known, "version_locations", paths, f"version_locations = {locations}")
    elif not (script_dir / "versions").is_dir():
        out.notes.append(f"{script_dir / 'versions'} does not exist: check script_location.")

    sys_path = _split(section.get("prepend_sys_path", ""), separator)
    if sys_path:
        paths = [_relative(_resolve(entry, here), root) for entry in sys_path]
        _put(out, known, "prepend_sys_path", paths, f"prepend_sys_path = {sys_path}")

    for key, advice in _INI_ONLY.items():
        if section.get(key):
            out.not_carried.append(f"{key} = {section[key]!r}: {advice}")

    env_path = script_dir / "env.py"
    facts = EnvFacts()
    if env_path.is_file():
        try:
            facts = read_env(env_path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError) as error:
            out.not_carried.append(
                f"{env_path} could not be read ({error}): nothing of it was carried over."
            )
    else:
        out.notes.append(f"no env.py in {script_dir}: only alembic.ini was read.")

    _url(out, section.get("sqlalchemy.url"), facts, root)
    _models(out, facts, models)
    if facts.preload:
        _put(out, known, "preload", list(facts.preload), "the modules env.py imports")
    _configure(out, known, facts)
    _post_write_hooks(out, known, ini_path, hook_tables)
    return out


def _tool_alembic(pyproject: Path) -> dict[str, Any] | None:
    """The ``[tool.alembic]`` table of ``pyproject`` (Alembic 1.16's form), or None."""
    from distil.config import tomllib

    if not pyproject.is_file():
        return None
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    tool = document.get("tool")
    found = tool.get("alembic") if isinstance(tool, dict) else None
    return found if isinstance(found, dict) else None


_INI_ONLY = {
    "file_template": "distil names new files <revision>_<slug>.py; existing files keep their names.",
    "truncate_slug_length": "distil shortens slugs itself; nothing to do.",
    "timezone": "distil writes the creation date in UTC; nothing to do.",
    "revision_environment": "distil never runs env.py; nothing to do.",
    "sourceless": "distil reads migration .py files only; keep the sources.",
    "output_encoding": "distil writes UTF-8; nothing to do.",
}


def _read_ini(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(defaults={"here": str(path.parent)})
    try:
        parser.read(path, encoding="utf-8")
        if not parser.has_section("alembic"):
            raise ConfigError(
                f"{path} has no [alembic] section. Pass the alembic.ini of the project."
            )
        return {key: parser.get("alembic", key) for key in parser.options("alembic")}
    except configparser.Error as error:
        raise ConfigError(f"{path} cannot be read as an INI file: {error}. Fix it first.") from None


def _ini_section(path: Path, name: str) -> dict[str, str] | None:
    parser = configparser.ConfigParser(defaults={"here": str(path.parent)})
    parser.read(path, encoding="utf-8")
    if not parser.has_section(name):
        return None
    return {key: parser.get(name, key) for key in parser.options(name) if key != "here"}


def _separator(section: dict[str, str]) -> str | None:
    """Alembic's path separator: ``None`` for its legacy rule (spaces or commas)."""
    setting = section.get("path_separator") or section.get("version_path_separator")
    return {
        "os": os.pathsep,
        "space": " ",
        "newline": "\n",
        ":": ":",
        ";": ";",
        "comma": ",",
    }.get(setting or "", None)


def _split(value: str, separator: str | None) -> list[str]:
    if not value.strip():
        return []
    parts = re.split(r"[ ,]+", value) if separator is None else value.split(separator)
    return [part.strip() for part in parts if part.strip()]


def _resolve(entry: str, here: Path) -> Path:
    path = Path(entry).expanduser()
    return (path if path.is_absolute() else here / path).resolve()


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return os.path.relpath(path, root).replace(os.sep, "/")


def _put(out: Conversion, known: set[str], key: str, value: Any, origin: str) -> None:
    """Write ``key`` when distil knows it; otherwise say what it would have been."""
    if key in known:
        out.settings[key] = value
        out.mapped.append(f"{origin} -> {key} = {_show(value)}")
    else:
        out.not_carried.append(
            f"{origin}: this version of distil has no {key} setting; {_ADVICE.get(key, '')}"
        )


_ADVICE = {
    "preload": "make the migration files import what they use.",
    "version_locations": "move the files into one versions directory.",
    "prepend_sys_path": "put those directories on PYTHONPATH when running distil.",
    "post_write_hooks": "run the formatter on new migration files yourself.",
}


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(f'"{item}"' for item in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)


def _relative_sqlite(url: str, root: Path) -> str:
    """A SQLite file under ``root`` (``%(here)s/app.db``) as a path relative to the config file,
    which is how distil reads relative SQLite paths."""
    scheme, separator, rest = url.partition(":///")
    if not separator or not scheme.startswith("sqlite") or not rest.startswith("/"):
        return url
    path, question, query = rest.partition("?")
    try:
        relative = Path(path).resolve().relative_to(root)
    except ValueError:
        return url
    return f"{scheme}:///{relative.as_posix()}{question}{query}"


def _url(out: Conversion, ini_url: str | None, facts: EnvFacts, root: Path) -> None:
    if facts.url_variable:
        name = facts.url_variable
        default = facts.url_default
        value = f"${{{name}:-{default}}}" if default else f"${{{name}}}"
        out.settings["url"] = value
        out.mapped.append(f"env.py reads the URL from ${name} -> url = {_show(value)}")
        return
    if ini_url and ini_url.strip() and ini_url.strip() != ALEMBIC_TEMPLATE_URL:
        from distil.commands.init import _url_for_file

        value = _url_for_file(_relative_sqlite(ini_url.strip(), root), out.notes)
        out.settings["url"] = value
        out.mapped.append(f"sqlalchemy.url = {mask_url(ini_url.strip())!r} -> url")
    if facts.url_expression:
        out.not_carried.append(
            f"env.py sets the URL from `{facts.url_expression}`, which distil cannot evaluate: "
            f'write url = "${{DATABASE_URL}}" (any variable) in the config, or set '
            f"DISTIL_DATABASE_URL when running distil."
        )
    elif "url" not in out.settings:
        out.notes.append(
            "no database URL was found: set DISTIL_DATABASE_URL, pass --url, or add url to the "
            "config."
        )


def _models(out: Conversion, facts: EnvFacts, given: str | None) -> None:
    if given:
        check_models_spec(given, origin="the --models option")
        out.settings["models"] = given
        out.models_found = True
        out.mapped.append(f"--models -> models = {_show(given)}")
        return
    node = facts.target_metadata
    spec = models_spec(facts, node)
    if spec is not None:
        out.settings["models"] = spec
        out.models_found = True
        out.mapped.append(f"target_metadata = {ast.unparse(node)} -> models = {_show(spec)}")  # type: ignore[arg-type]
        return
    if node is not None and not (isinstance(node, ast.Constant) and node.value is None):
        out.models_hint = ast.unparse(node)


def _configure(out: Conversion, known: set[str], facts: EnvFacts) -> None:
    options = dict(facts.configure)
    for key, setting in (
        ("version_table", "alembic_version_table"),
        ("version_table_schema", "alembic_version_table_schema"),
    ):
        if key in options:
            value = facts.literal(options.pop(key))
            if isinstance(value, str) and value:
                _put(out, known, setting, value, f"{key}={value!r}")
            elif value is not None:
                out.not_carried.append(
                    f"{key} is computed in env.py: set {setting} in the config to its value."
                )
    schemas_everywhere = facts.literal(options.pop("include_schemas", None)) is True
    globs: dict[str, list[str]] = {}
    for hook in ("include_object", "include_name"):
        if hook in options:
            _filter(out, known, facts, hook, options.pop(hook), globs)
    if schemas_everywhere and not globs.get("include_schemas"):
        globs.setdefault("include_schemas", []).append("*")
        out.mapped.append('include_schemas=True -> include_schemas = ["*"]')
    for key, values in globs.items():
        if values:
            _put(out, known, key, sorted(set(values)), f"the {key} filter")
    _comparisons(out, facts, options)
    for key in ("render_as_batch", "transaction_per_migration"):
        if key in options:
            value = facts.literal(options.pop(key))
            out.mapped.append(f"{key}={value!r}: {_BUILT_IN[key][bool(value)]}")
    options.pop("target_metadata", None)
    for key in ("connection", "url", "literal_binds", "dialect_opts", "as_sql", "dialect_name"):
        options.pop(key, None)
    for key, value in options.items():
        advice = _NOT_CARRIED.get(key, "distil has no equivalent; check whether you need it.")
        out.not_carried.append(f"context.configure({key}={ast.unparse(value)}): {advice}")


_BUILT_IN = {
    "render_as_batch": {
        True: "not needed: on SQLite distil rebuilds a table itself where ALTER cannot, and "
        "batch_alter_table in existing files runs as before.",
        False: "nothing to carry over.",
    },
    "transaction_per_migration": {
        True: "distil always runs each migration in its own transaction.",
        False: "distil runs each migration in its own transaction (Alembic ran them all in one).",
    },
}

_NOT_CARRIED = {
    "process_revision_directives": "distil has no hook to rewrite generated migrations; edit "
    "the file after `distil revision --autogenerate` (or use a post-write hook).",
    "render_item": "distil renders types itself (custom types as their import path); edit the "
    "generated file where it differs.",
    "user_module_prefix": "distil writes the import of a custom type's own module; nothing to do.",
    "sqlalchemy_module_prefix": "distil writes `sa.`; nothing to do.",
    "include_symbol": "replace it with include_tables / exclude_tables globs in the config.",
    "compare_type": "a function cannot be carried over; distil compares types as the database "
    "spells them.",
    "compare_server_default": "a function cannot be carried over; distil compares defaults as "
    "the database spells them.",
    "on_version_apply": "distil reports progress itself; nothing to carry over.",
}


def _comparisons(out: Conversion, facts: EnvFacts, options: dict[str, ast.expr]) -> None:
    for key, what in (("compare_type", "column types"), ("compare_server_default", "defaults")):
        if key not in options:
            if key == "compare_server_default":
                out.notes.append(
                    "distil always compares server defaults (Alembic does not by default): the "
                    "first `distil check` may report defaults the models do not declare."
                )
            continue
        value = facts.literal(options[key])
        if isinstance(value, bool):
            options.pop(key)
            if value:
                out.mapped.append(f"{key}=True: distil always compares {what}.")
            else:
                out.notes.append(
                    f"{key}=False: distil always compares {what} (stricter than this env.py); "
                    f"the first `distil check` may report differences Alembic ignored."
                )


def _filter(
    out: Conversion,
    known: set[str],
    facts: EnvFacts,
    hook: str,
    value: ast.expr,
    globs: dict[str, list[str]],
) -> None:
    name = value.id if isinstance(value, ast.Name) else None
    function = facts.functions.get(name) if name else None
    if function is not None:
        found = filter_globs(function, facts, hook)
        if found is not None:
            for key in ("include_tables", "exclude_tables", "include_schemas", "exclude_schemas"):
                globs.setdefault(key, []).extend(getattr(found, key))
            out.mapped.append(f"{hook}={name} (a test of names) -> table and schema globs")
            return
    source = facts.source_of(name) if name else None
    if source is not None:
        _put(out, known, hook, source, f"{hook}={name} (imported in env.py)")
        return
    where = f"env.py's {name}()" if function is not None else ast.unparse(value)
    out.not_carried.append(
        f"{hook}={where}: it does more than test names, and env.py cannot be imported. Move the "
        f"function into a module of the application (e.g. app/migration_filters.py) and set "
        f'{hook} = "app.migration_filters:{name or hook}" in the config (same signature).'
    )


def _post_write_hooks(
    out: Conversion, known: set[str], ini_path: Path, tables: list[dict[str, str]]
) -> None:
    section = _ini_section(ini_path, "post_write_hooks") if ini_path.suffix == ".ini" else None
    if tables:  # [[tool.alembic.post_write_hooks]] tables, in the ini section's key form
        section = {"hooks": " ".join(str(t.get("name", f"hook{i}")) for i, t in enumerate(tables))}
        for index, table in enumerate(tables):
            name = str(table.get("name", f"hook{index}"))
            section.update({f"{name}.{key}": str(value) for key, value in table.items()})
    if not section:
        return
    names = _split(section.get("hooks", ""), None)
    commands = []
    for name in names:
        kind = section.get(f"{name}.type", "")
        options = section.get(f"{name}.options", "REVISION_SCRIPT_FILENAME")
        if kind == "console_scripts":
            program = section.get(f"{name}.entrypoint", name)
        elif kind == "exec":
            program = section.get(f"{name}.executable", name)
        elif kind == "module":
            program = f"{{python}} -m {section.get(f'{name}.module', name)}"
        else:
            out.not_carried.append(
                f"post-write hook {name!r} of type {kind!r}: run it on new files yourself."
            )
            continue
        if "REVISION_SCRIPT_FILENAME" not in options:
            options += " REVISION_SCRIPT_FILENAME"
        commands.append(f"{program} {options}".replace("REVISION_SCRIPT_FILENAME", "{path}"))
    if commands:
        _put(out, known, "post_write_hooks", commands, "[post_write_hooks]")


# -- writing ---------------------------------------------------------------------------------------


def init_from_alembic(
    ini: str | None = None,
    *,
    models: str | None = None,
    cwd: Path | None = None,
    ask_models: Callable[[str | None], str | None] | None = None,
) -> FromAlembicResult:
    """Convert the Alembic project and write ``[tool.distil]`` / ``distil.toml`` in ``cwd``.

    When the models cannot be told from env.py and none are given, ``ask_models`` (the CLI's
    prompt, on a terminal) is asked, with what env.py's ``target_metadata`` says; otherwise the
    result's notes say what to pass.
    """
    from distil.commands.init import write_new_config

    root = (Path(cwd) if cwd is not None else Path.cwd()).resolve()
    ini_path = find_alembic_ini(ini, root)
    conversion = convert(ini_path, root, models=models)
    if not conversion.models_found and ask_models is not None:
        answer = ask_models(conversion.models_hint)
        if answer:
            conversion = convert(ini_path, root, models=answer.strip())
    if not conversion.models_found:
        said = (
            f" (env.py says target_metadata = {conversion.models_hint})"
            if conversion.models_hint
            else ""
        )
        conversion.notes.append(
            f"the models could not be told from env.py{said}: run again with --models "
            f'MODULE:ATTR, or add models = "app.models:Base.metadata" to the config before '
            f"`distil revision --autogenerate` or `distil check`."
        )
    path, created = write_new_config(root, conversion.settings)
    return FromAlembicResult(path, created, conversion)
