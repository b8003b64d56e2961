"""Loading the user's models: Base, MetaData, lists of MetaData, and every way it can fail."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from distil.errors import ModelsImportError
from distil.models_loader import load_metadata


@pytest.fixture
def package(tmp_path: Path) -> Iterator[str]:
    """A fresh, uniquely named package directory under tmp_path; its modules are unloaded after."""
    name = f"userapp_{uuid.uuid4().hex[:12]}"
    (tmp_path / name).mkdir()
    (tmp_path / name / "__init__.py").write_text("", encoding="utf-8")
    path_before = list(sys.path)
    yield name
    for module_name in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[module_name]
    assert sys.path == path_before


def write_module(tmp_path: Path, package: str, name: str, source: str) -> Path:
    path = tmp_path / package / f"{name}.py"
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


DECLARATIVE_MODELS = """
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


    class Base(DeclarativeBase):
        pass


    class User(Base):
        __tablename__ = "users"
        id: Mapped[int] = mapped_column(primary_key=True)
        name: Mapped[str] = mapped_column(sa.String(50))
"""


def test_base_metadata_attribute(tmp_path: Path, package: str) -> None:
    write_module(tmp_path, package, "models", DECLARATIVE_MODELS)

    metadata = load_metadata(f"{package}.models:Base.metadata", tmp_path)

    assert isinstance(metadata, sa.MetaData)
    assert set(metadata.tables) == {"users"}


def test_base_class_means_its_metadata(tmp_path: Path, package: str) -> None:
    write_module(tmp_path, package, "models", DECLARATIVE_MODELS)

    metadata = load_metadata(f"{package}.models:Base", tmp_path)

    module = sys.modules[f"{package}.models"]
    assert metadata is module.Base.metadata


def test_legacy_declarative_base(tmp_path: Path, package: str) -> None:
    write_module(
        tmp_path,
        package,
        "models",
        """
        import sqlalchemy as sa
        from sqlalchemy.orm import declarative_base

        Base = declarative_base()

        class Item(Base):
            __tablename__ = "items"
            id = sa.Column(sa.Integer, primary_key=True)
        """,
    )

    metadata = load_metadata(f"{package}.models:Base", tmp_path)

    assert set(metadata.tables) == {"items"}


def test_plain_metadata(tmp_path: Path, package: str) -> None:
    write_module(
        tmp_path,
        package,
        "tables",
        """
        import sqlalchemy as sa

        metadata = sa.MetaData()
        accounts = sa.Table("accounts", metadata, sa.Column("id", sa.Integer, primary_key=True))
        """,
    )

    metadata = load_metadata(f"{package}.tables:metadata", tmp_path)

    assert set(metadata.tables) == {"accounts"}


def test_list_of_metadata_is_merged(tmp_path: Path, package: str) -> None:
    write_module(
        tmp_path,
        package,
        "tables",
        """
        import sqlalchemy as sa

        core = sa.MetaData()
        audit = sa.MetaData(schema="audit")
        users = sa.Table("users", core, sa.Column("id", sa.Integer, primary_key=True))
        sa.Table(
            "events",
            audit,
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("user_id", sa.Integer, sa.ForeignKey(users.c.id)),
        )
        ALL = [core, audit]
        """,
    )

    metadata = load_metadata(f"{package}.tables:ALL", tmp_path)

    assert set(metadata.tables) == {"users", "audit.events"}
    events = metadata.tables["audit.events"]
    assert events.metadata is metadata
    foreign_key = next(iter(events.c.user_id.foreign_keys))
    assert foreign_key.column.table is metadata.tables["users"]


def test_same_table_in_two_metadata_is_an_error(tmp_path: Path, package: str) -> None:
    write_module(
        tmp_path,
        package,
        "tables",
        """
        import sqlalchemy as sa

        one, two = sa.MetaData(), sa.MetaData()
        for metadata in (one, two):
            sa.Table("users", metadata, sa.Column("id", sa.Integer, primary_key=True))
        BOTH = (one, two)
        """,
    )

    with pytest.raises(ModelsImportError, match="'users' is defined in more than one"):
        load_metadata(f"{package}.tables:BOTH", tmp_path)


def test_missing_module(tmp_path: Path) -> None:
    with pytest.raises(ModelsImportError) as caught:
        load_metadata("no_such_pkg_for_distil.models:Base", tmp_path)

    message = str(caught.value)
    assert "no_such_pkg_for_distil.models:Base" in message
    assert "no module named 'no_such_pkg_for_distil'" in message
    assert caught.value.exit_code == 2


def test_missing_submodule(tmp_path: Path, package: str) -> None:
    with pytest.raises(ModelsImportError, match=rf"no module named '{package}.nothing'"):
        load_metadata(f"{package}.nothing:Base", tmp_path)


def test_missing_attribute_suggests_candidates(tmp_path: Path, package: str) -> None:
    write_module(tmp_path, package, "models", DECLARATIVE_MODELS)

    with pytest.raises(ModelsImportError) as caught:
        load_metadata(f"{package}.models:Bsae.metadata", tmp_path)

    message = str(caught.value)
    assert "has no attribute 'Bsae'" in message
    assert f"{package}.models:Base" in message
    assert caught.value.user_traceback == ""


def test_wrong_type(tmp_path: Path, package: str) -> None:
    write_module(tmp_path, package, "models", "metadata = {'not': 'metadata'}\n")

    with pytest.raises(ModelsImportError, match="dict.*needs a MetaData"):
        load_metadata(f"{package}.models:metadata", tmp_path)


def test_empty_list_is_a_wrong_type(tmp_path: Path, package: str) -> None:
    write_module(tmp_path, package, "models", "ALL = []\n")

    with pytest.raises(ModelsImportError, match="an empty sequence"):
        load_metadata(f"{package}.models:ALL", tmp_path)


def test_malformed_spec(tmp_path: Path) -> None:
    with pytest.raises(ModelsImportError, match="MODULE:ATTR"):
        load_metadata("app.models", tmp_path)


def test_user_code_raising_at_import_carries_its_traceback(tmp_path: Path, package: str) -> None:
    models_file = write_module(
        tmp_path,
        package,
        "models",
        """
        import sqlalchemy as sa


        def build():
            raise RuntimeError("settings are incomplete")


        metadata = build()
        """,
    )

    with pytest.raises(ModelsImportError) as caught:
        load_metadata(f"{package}.models:metadata", tmp_path)

    error = caught.value
    assert "RuntimeError: settings are incomplete" in str(error)
    assert f"{package}.models:metadata" in str(error)
    traceback_text = error.user_traceback
    assert f'File "{models_file}", line 9, in <module>' in traceback_text
    assert f'File "{models_file}", line 6, in build' in traceback_text
    assert "importlib" not in traceback_text
    assert "models_loader" not in traceback_text
    assert f"{package}.models" not in sys.modules


def test_user_import_of_a_missing_dependency_is_the_users_error(
    tmp_path: Path, package: str
) -> None:
    models_file = write_module(tmp_path, package, "models", "import missing_dependency_xyz\n")

    with pytest.raises(ModelsImportError) as caught:
        load_metadata(f"{package}.models:metadata", tmp_path)

    assert "ModuleNotFoundError" in str(caught.value)
    assert f'File "{models_file}", line 1' in caught.value.user_traceback


def test_syntax_error_in_user_code(tmp_path: Path, package: str) -> None:
    models_file = write_module(tmp_path, package, "models", "x = 1\ndef broken(:\n")

    with pytest.raises(ModelsImportError) as caught:
        load_metadata(f"{package}.models:metadata", tmp_path)

    assert "SyntaxError" in str(caught.value)
    assert f'File "{models_file}", line 2' in caught.value.user_traceback


def test_user_code_calling_sys_exit(tmp_path: Path, package: str) -> None:
    write_module(tmp_path, package, "models", "import sys\nsys.exit(3)\n")

    with pytest.raises(ModelsImportError, match="SystemExit"):
        load_metadata(f"{package}.models:metadata", tmp_path)


def test_root_is_on_sys_path_only_while_importing(tmp_path: Path, package: str) -> None:
    write_module(
        tmp_path,
        package,
        "models",
        """
        import sys
        import sqlalchemy as sa

        SEEN_PATH = list(sys.path)
        metadata = sa.MetaData()
        """,
    )

    load_metadata(f"{package}.models:metadata", tmp_path)

    seen = sys.modules[f"{package}.models"].SEEN_PATH
    assert seen[0] == str(tmp_path.resolve())
    assert str(tmp_path.resolve()) not in sys.path
