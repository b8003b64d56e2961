"""``distil init``: create the configuration and the empty versions directory.

Every check runs before anything is written, so a refused init leaves the directory untouched.
An existing ``pyproject.toml`` keeps every byte it had: the ``[tool.distil]`` table is appended
and the result is re-parsed before it replaces the file. A password given in the URL is never
written; the file refers to an environment variable instead and ``InitResult.notes`` says which.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from distil.config import (
    DISTIL_TOML,
    PYPROJECT_TOML,
    URL_ENV_VAR,
    check_models_spec,
    mask_url,
    replace_url_passwords,
    tomllib,
)
from distil.errors import ConfigError

PASSWORD_ENV_VAR = "DISTIL_DB_PASSWORD"
_ENV_REFERENCE = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^{}]*)?\}")


@dataclass(frozen=True)
class InitResult:
    config_path: Path
    versions_dir: Path
    created_config: bool  # False when an existing pyproject.toml was extended
    notes: tuple[str, ...] = ()  # things the user must do next, e.g. set a password variable


def init_project(
    directory: str = "migrations",
    *,
    models: str | None = None,
    url: str | None = None,
    cwd: Path | None = None,
) -> InitResult:
    """Write the configuration for a project in ``cwd`` and create ``directory/versions/``."""
    root = (Path(cwd) if cwd is not None else Path.cwd()).resolve()
    if not root.is_dir():
        raise ConfigError(f"Cannot initialise distil in {root}: it is not a directory.")
    script_location = _checked_script_location(directory, root)
    versions_dir = root / script_location / "versions"
    _check_versions_dir(versions_dir)
    if models is not None:
        models = models.strip()
        check_models_spec(models, origin="the --models option")

    notes: list[str] = []
    settings: dict[str, str] = {"script_location": script_location}
    if models is not None:
        settings["models"] = models
    if url is not None:
        settings["url"] = _url_for_file(url, notes)

    config_path, created, content = _config_content(root, settings)

    if models is None:
        notes.append(
            f'No models were given: add models = "app.models:Base.metadata" to {config_path.name} '
            f"before generating migrations from your models."
        )
    if url is None:
        notes.append(
            f"No database URL was given: set {URL_ENV_VAR}, pass --url, or add url to "
            f"{config_path.name}."
        )

    versions_dir.mkdir(parents=True, exist_ok=True)
    _write_config(config_path, content)
    return InitResult(
        config_path=config_path,
        versions_dir=versions_dir,
        created_config=created,
        notes=tuple(notes),
    )


def write_new_config(root: Path, settings: dict[str, Any]) -> tuple[Path, bool]:
    """Write ``settings`` into ``[tool.distil]`` of ``root``'s pyproject.toml when it has one, else
    into a new distil.toml; returns the file and whether it was created. Refuses (writing
    nothing) when the project already has a distil configuration."""
    config_path, created, content = _config_content(root, settings)
    _write_config(config_path, content)
    return config_path, created


def _config_content(root: Path, settings: dict[str, Any]) -> tuple[Path, bool, bytes]:
    distil_toml = root / DISTIL_TOML
    pyproject = root / PYPROJECT_TOML
    if distil_toml.exists():
        raise ConfigError(
            f"{distil_toml} already exists, so this project is already set up for distil. Edit "
            f"that file instead, or delete it to start over."
        )
    if pyproject.is_file():
        return pyproject, False, _pyproject_with_distil_table(pyproject, settings)
    return distil_toml, True, _distil_toml_text(settings).encode("utf-8")


def _checked_script_location(directory: str, root: Path) -> str:
    cleaned = directory.strip()
    if not cleaned or "\x00" in cleaned:
        raise ConfigError(
            f"The migrations directory name {directory!r} is not usable. Pass a directory name "
            f"such as 'migrations'."
        )
    location = root / cleaned
    if location.exists() and not location.is_dir():
        raise ConfigError(
            f"Cannot use {location} as the migrations directory: a file of that name exists. "
            f"Pass another directory name."
        )
    return Path(cleaned).as_posix()


def _check_versions_dir(versions_dir: Path) -> None:
    if versions_dir.exists() and not versions_dir.is_dir():
        raise ConfigError(
            f"Cannot create {versions_dir}: a file of that name exists. Remove it or pass another "
            f"directory name."
        )
    if versions_dir.is_dir() and any(versions_dir.glob("*.py")):
        raise ConfigError(
            f"{versions_dir} already holds migration files, so distil init would adopt someone "
            f"else's history. Use another directory name, or point script_location at this "
            f"directory in the config by hand."
        )


def _url_for_file(url: str, notes: list[str]) -> str:
    url = url.strip()
    if "://" not in url and not _ENV_REFERENCE.search(url):
        raise ConfigError(
            f"The --url value is not a database URL (expected dialect[+driver]://...): "
            f"{mask_url(url)!r}. Pass a URL such as postgresql+psycopg://app@localhost/app."
        )
    replaced: list[str] = []

    def placeholder(written_password: str) -> str:
        if _ENV_REFERENCE.fullmatch(written_password):
            return written_password
        replaced.append(written_password)
        return f"${{{PASSWORD_ENV_VAR}}}"

    for_file = replace_url_passwords(url, placeholder)
    if replaced:
        notes.append(
            f"The database password was not written to the config file: the url reads it from "
            f"${{{PASSWORD_ENV_VAR}}}. Set {PASSWORD_ENV_VAR} in the environment to the password "
            f"as it is, or set {URL_ENV_VAR} to the full URL."
        )
    return for_file


# --------------------------------------------------------------------------- file content


def _add_settings(container: Any, settings: dict[str, Any]) -> None:
    """Add the settings to a tomlkit document or table, with commented hints for missing ones."""
    import tomlkit

    container.add("script_location", settings["script_location"])
    if "models" in settings:
        container.add("models", settings["models"])
    else:
        container.add(tomlkit.comment('models = "app.models:Base.metadata"  # for autogenerate'))
    if "url" in settings:
        container.add("url", settings["url"])
    else:
        container.add(tomlkit.comment(f'url = "${{DATABASE_URL}}"  # or set {URL_ENV_VAR}'))
    for key, value in settings.items():
        if key not in ("script_location", "models", "url"):
            container.add(key, value)


def _distil_toml_text(settings: dict[str, Any]) -> str:
    import tomlkit

    document = tomlkit.document()
    document.add(tomlkit.comment("distil migrations configuration"))
    _add_settings(document, settings)
    return tomlkit.dumps(document)


def _pyproject_with_distil_table(pyproject: Path, settings: dict[str, Any]) -> bytes:
    import tomlkit

    original = pyproject.read_bytes()
    try:
        original_text = original.decode("utf-8")
        existing = tomllib.loads(original_text)
    except UnicodeDecodeError:
        raise ConfigError(f"{pyproject} is not valid UTF-8; save it as UTF-8 first.") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"{pyproject} is not valid TOML ({error}); fix it before running distil init."
        ) from None
    tool = existing.get("tool")
    if isinstance(tool, dict) and "distil" in tool:
        raise ConfigError(
            f"{pyproject} already has a [tool.distil] table, so this project is already set up "
            f"for distil. Edit that table instead, or remove it to start over."
        )

    document = tomlkit.document()
    distil_table = tomlkit.table()
    _add_settings(distil_table, settings)
    super_table = tomlkit.table(is_super_table=True)
    super_table.add("distil", distil_table)
    document.add("tool", super_table)
    addition = tomlkit.dumps(document)

    newline = "\r\n" if "\r\n" in original_text else "\n"
    if not original_text:
        separator = ""
    elif original_text.endswith(newline * 2):
        separator = ""
    elif original_text.endswith(newline):
        separator = newline
    else:
        separator = newline * 2
    combined = original_text + separator + addition.replace("\n", newline)
    try:
        reread = tomllib.loads(combined)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            f"Cannot add a [tool.distil] table to {pyproject}: the file defines 'tool' in a way "
            f"that cannot be extended ({error}). Put the settings in a {DISTIL_TOML} next to it "
            f"instead."
        ) from None
    if reread.get("tool", {}).get("distil", {}).get("script_location") is None:
        raise ConfigError(
            f"Cannot add a [tool.distil] table to {pyproject}. Put the settings in a "
            f"{DISTIL_TOML} next to it instead."
        )
    return original + combined[len(original_text) :].encode("utf-8")


def _write_config(path: Path, content: bytes) -> None:
    """Create ``path``, or replace it through a temporary file keeping its permissions."""
    if not path.exists():
        with open(path, "xb") as stream:
            stream.write(content)
        return
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        shutil.copymode(path, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
