"""`distil init`: fresh projects, existing pyproject.toml files, refusals and password handling."""

from __future__ import annotations

from pathlib import Path

import pytest

from distil.commands.init import InitResult, init_project
from distil.config import load_config
from distil.errors import ConfigError

EXISTING_PYPROJECT = (
    b"# Project file with odd but valid formatting\n"
    b'[project]\nname   =   "shop"   # spacing kept\n'
    b'dependencies = [\n    "sqlalchemy",  # trailing comma kept\n]\n'
    b"\n[tool.ruff]\nline-length = 100\n"
    b'\n[tool.ruff.lint]\nselect = ["E"]\n'
    b'# no newline at the end: "caf\xc3\xa9"'
)


def snapshot(directory: Path) -> dict[str, bytes | None]:
    return {
        str(path.relative_to(directory)): path.read_bytes() if path.is_file() else None
        for path in sorted(directory.rglob("*"))
    }


def test_fresh_directory_gets_distil_toml_and_versions(tmp_path: Path) -> None:
    result = init_project(models="app.models:Base.metadata", url="sqlite:///app.db", cwd=tmp_path)

    assert result == InitResult(
        config_path=tmp_path.resolve() / "distil.toml",
        versions_dir=tmp_path.resolve() / "migrations" / "versions",
        created_config=True,
        notes=(),
    )
    assert result.versions_dir.is_dir()
    assert list(result.versions_dir.iterdir()) == []
    config = load_config(cwd=tmp_path, environ={})
    assert config.path == result.config_path
    assert config.versions_dir == result.versions_dir
    assert config.models == "app.models:Base.metadata"
    assert config.url == f"sqlite:///{tmp_path.resolve()}/app.db"


def test_defaults_leave_hints_and_notes(tmp_path: Path) -> None:
    result = init_project(cwd=tmp_path)

    text = result.config_path.read_text(encoding="utf-8")
    assert 'script_location = "migrations"' in text
    assert '# models = "app.models:Base.metadata"' in text
    assert "# url = " in text
    assert any("models" in note for note in result.notes)
    assert any("DISTIL_DATABASE_URL" in note for note in result.notes)
    config = load_config(cwd=tmp_path, environ={})
    assert config.models is None
    assert config.url is None


def test_custom_directory(tmp_path: Path) -> None:
    result = init_project("db/migrations", cwd=tmp_path)

    assert result.versions_dir == tmp_path.resolve() / "db" / "migrations" / "versions"
    assert load_config(cwd=tmp_path, environ={}).versions_dir == result.versions_dir


def test_existing_pyproject_is_extended_and_otherwise_unchanged(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(EXISTING_PYPROJECT)

    result = init_project(models="shop.models:Base", cwd=tmp_path)

    assert result.created_config is False
    assert result.config_path == pyproject.resolve()
    assert not (tmp_path / "distil.toml").exists()
    content = pyproject.read_bytes()
    assert content.startswith(EXISTING_PYPROJECT)
    assert b"\n\n[tool.distil]\n" in content[len(EXISTING_PYPROJECT) - 1 :]
    config = load_config(cwd=tmp_path, environ={})
    assert config.path == pyproject.resolve()
    assert config.models == "shop.models:Base"


def test_existing_pyproject_with_crlf_line_endings(tmp_path: Path) -> None:
    original = b'[project]\r\nname = "shop"\r\n'
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(original)

    init_project(cwd=tmp_path)

    content = pyproject.read_bytes()
    assert content.startswith(original + b"\r\n[tool.distil]\r\n")
    assert b"\n" not in content.replace(b"\r\n", b"")
    assert load_config(cwd=tmp_path, environ={}).script_location.name == "migrations"


def test_pyproject_that_already_has_tool_distil_is_refused(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.distil]\nscript_location = "db"\n', encoding="utf-8")
    before = snapshot(tmp_path)

    with pytest.raises(ConfigError, match=r"already has a \[tool.distil\] table"):
        init_project(cwd=tmp_path)

    assert snapshot(tmp_path) == before


def test_pyproject_whose_tool_table_is_inline_is_refused(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("tool = { ruff = { line-length = 100 } }\n", encoding="utf-8")
    before = snapshot(tmp_path)

    with pytest.raises(ConfigError, match="distil.toml next to it"):
        init_project(cwd=tmp_path)

    assert snapshot(tmp_path) == before


def test_broken_pyproject_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n", encoding="utf-8")
    before = snapshot(tmp_path)

    with pytest.raises(ConfigError, match="not valid TOML"):
        init_project(cwd=tmp_path)

    assert snapshot(tmp_path) == before


def test_existing_distil_toml_is_refused(tmp_path: Path) -> None:
    (tmp_path / "distil.toml").write_text('script_location = "x"\n', encoding="utf-8")
    before = snapshot(tmp_path)

    with pytest.raises(ConfigError, match="distil.toml already exists"):
        init_project(cwd=tmp_path)

    assert snapshot(tmp_path) == before


def test_versions_directory_with_python_files_is_refused(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_initial.py").write_text("revision = '0001'\n", encoding="utf-8")
    before = snapshot(tmp_path)

    with pytest.raises(ConfigError, match="already holds migration files"):
        init_project(cwd=tmp_path)

    assert snapshot(tmp_path) == before


def test_empty_existing_versions_directory_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "migrations" / "versions").mkdir(parents=True)

    result = init_project(cwd=tmp_path)

    assert result.versions_dir.is_dir()


def test_malformed_models_is_refused_without_writing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="MODULE:ATTR"):
        init_project(models="app/models.py", cwd=tmp_path)

    assert snapshot(tmp_path) == {}


def test_models_module_is_not_imported(tmp_path: Path) -> None:
    result = init_project(models="module_that_does_not_exist_anywhere:Base", cwd=tmp_path)

    assert result.config_path.is_file()


def test_not_a_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a database URL"):
        init_project(url="localhost", cwd=tmp_path)

    assert snapshot(tmp_path) == {}


@pytest.mark.parametrize(
    ("url", "written"),
    [
        (
            "postgresql+psycopg://app:s3cr%40t@db/shop",
            "postgresql+psycopg://app:${DISTIL_DB_PASSWORD}@db/shop",
        ),
        (
            "mysql+pymysql://root:p@ss:w/rd@127.0.0.1:3306/shop",
            "mysql+pymysql://root:${DISTIL_DB_PASSWORD}@127.0.0.1:3306/shop",
        ),
        (
            "postgresql://db/shop?user=app&password=hunter2",
            "postgresql://db/shop?user=app&password=${DISTIL_DB_PASSWORD}",
        ),
    ],
)
def test_password_is_never_written(tmp_path: Path, url: str, written: str) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "shop"\n', encoding="utf-8")

    result = init_project(url=url, cwd=tmp_path)

    for path in tmp_path.rglob("*"):
        if path.is_file():
            content = path.read_text(encoding="utf-8")
            for secret in ("s3cr", "p@ss", "hunter2"):
                assert secret not in content
    assert f'url = "{written}"' in pyproject.read_text(encoding="utf-8")
    assert any("DISTIL_DB_PASSWORD" in note for note in result.notes)
    config = load_config(cwd=tmp_path, environ={"DISTIL_DB_PASSWORD": "pw"})
    assert config.url == written.replace("${DISTIL_DB_PASSWORD}", "pw")


def test_url_whose_password_is_already_a_reference_is_kept(tmp_path: Path) -> None:
    result = init_project(url="postgresql://app:${PGPASSWORD}@db/shop", cwd=tmp_path)

    assert 'url = "postgresql://app:${PGPASSWORD}@db/shop"' in result.config_path.read_text(
        encoding="utf-8"
    )
    assert not any("DISTIL_DB_PASSWORD" in note for note in result.notes)


def test_url_that_is_only_a_reference_is_kept(tmp_path: Path) -> None:
    result = init_project(url="${DATABASE_URL}", cwd=tmp_path)

    config = load_config(cwd=tmp_path, environ={"DATABASE_URL": "sqlite://"})
    assert config.url == "sqlite://"
    assert result.created_config is True
