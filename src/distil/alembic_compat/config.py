"""``alembic.config.Config``: the Alembic-shaped configuration a migration reads.

``context.config`` and ``op.get_context().config`` are filled from distil's configuration:
the main section (``config_ini_section``, ``"alembic"``) answers ``sqlalchemy.url``,
``script_location``, ``version_locations``, ``version_table`` and ``prepend_sys_path``, plus any
option set under ``[alembic_ini.alembic]`` in distil's config; other ``[alembic_ini.NAME]``
tables are the other sections. ``cmd_opts.x`` holds the ``-x`` arguments, ``attributes`` is a
plain dictionary shared for the run.
"""

from __future__ import annotations

import sys
from argparse import Namespace
from collections.abc import Mapping
from typing import Any, TextIO

MAIN_SECTION = "alembic"


class Config:
    """Alembic's ``Config``: sections of string options, command options and attributes."""

    def __init__(
        self,
        file_: Any = None,
        ini_section: str = MAIN_SECTION,
        output_buffer: TextIO | None = None,
        stdout: TextIO = sys.stdout,
        cmd_opts: Namespace | None = None,
        config_args: Mapping[str, Any] | None = None,
        attributes: dict[str, Any] | None = None,
        toml_file: Any = None,
    ) -> None:
        self.config_file_name = None if file_ is None else str(file_)
        self.toml_file_name = None if toml_file is None else str(toml_file)
        self.config_ini_section = ini_section
        self.output_buffer = output_buffer
        self.stdout = stdout
        self.cmd_opts = cmd_opts
        self.config_args = dict(config_args or {})
        self.attributes: dict[str, Any] = {} if attributes is None else attributes
        self._sections: dict[str, dict[str, str]] = {ini_section: {}}

    # -- reading ---------------------------------------------------------------------------
    def get_section(
        self, name: str, default: dict[str, str] | None = None
    ) -> dict[str, str] | None:
        section = self._sections.get(name)
        return dict(section) if section is not None else default

    def get_section_option(self, section: str, name: str, default: str | None = None) -> Any:
        if section not in self._sections:
            raise KeyError(f"No config file section {section!r}")
        return self._sections[section].get(name, default)

    def get_main_option(self, name: str, default: str | None = None) -> Any:
        return self.get_section_option(self.config_ini_section, name, default)

    def get_alembic_option(self, name: str, default: Any = None) -> Any:
        return self.get_main_option(name, default)

    def get_alembic_boolean_option(self, name: str) -> bool:
        value = self.get_main_option(name)
        return str(value).strip().lower() in ("true", "1", "yes", "on")

    def get_template_directory(self) -> str:
        return ""

    # -- writing ---------------------------------------------------------------------------
    def set_section_option(self, section: str, name: str, value: str) -> None:
        self._sections.setdefault(section, {})[name] = value

    def set_main_option(self, name: str, value: str) -> None:
        self.set_section_option(self.config_ini_section, name, value)

    def remove_main_option(self, name: str) -> None:
        self._sections[self.config_ini_section].pop(name, None)

    def print_stdout(self, text: str, *arg: Any) -> None:
        output = (text % arg) if arg else text
        self.stdout.write(output + "\n")


def config_from_distil(distil_config: Any, x_arguments: tuple[str, ...], offline: bool) -> Config:
    """The Alembic ``Config`` a migration sees for a distil run with ``distil_config``."""
    cmd_opts = Namespace(
        x=list(x_arguments),
        sql=offline,
        autogenerate=False,
        raiseerr=False,
        tag=None,
        name=MAIN_SECTION,
        config=None if distil_config is None else str(distil_config.path),
    )
    config = Config(file_=None if distil_config is None else distil_config.path, cmd_opts=cmd_opts)
    if distil_config is None:
        return config
    main = {
        "script_location": str(distil_config.script_location),
        "version_table": distil_config.version_table,
    }
    if distil_config.url:
        main["sqlalchemy.url"] = distil_config.url
    locations = getattr(distil_config, "version_locations", ())
    if locations:
        main["version_locations"] = " ".join(str(path) for path in locations)
    if distil_config.version_table_schema:
        main["version_table_schema"] = distil_config.version_table_schema
    prepend = getattr(distil_config, "prepend_sys_path", ())
    if prepend:
        main["prepend_sys_path"] = " ".join(str(path) for path in prepend)
    for name, value in main.items():
        config.set_main_option(name, value)
    sections = distil_config.raw.get("alembic_ini", {})
    for section, options in sections.items():
        if isinstance(options, Mapping):
            for name, value in options.items():
                config.set_section_option(str(section), str(name), str(value))
    return config
