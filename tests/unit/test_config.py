"""Configuration: finding the file, reading and validating it, choosing the URL, masking secrets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from distil.config import (
    Config,
    file_relative_url,
    find_config,
    load_config,
    mask_secrets,
    mask_url,
    normalize_url,
)
from distil.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- finding the file


def test_distil_toml_wins_over_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.distil]\nscript_location = "from_pyproject"\n')
    distil_toml = write(tmp_path / "distil.toml", 'script_location = "from_distil_toml"\n')

    assert find_config(tmp_path) == distil_toml.resolve()
    config = load_config(cwd=tmp_path, environ={})
    assert config.script_location == (tmp_path / "from_distil_toml").resolve()


def test_pyproject_with_tool_distil_is_found(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n\n[tool.distil]\n')

    config = load_config(cwd=tmp_path, environ={})

    assert config.path == pyproject.resolve()
    assert config.root == tmp_path.resolve()
    assert config.script_location == (tmp_path / "migrations").resolve()
    assert config.versions_dir == config.script_location / "versions"


def test_search_walks_up_from_a_subdirectory(tmp_path: Path) -> None:
    config_file = write(tmp_path / "distil.toml", 'script_location = "db/migrations"\n')
    subdirectory = tmp_path / "src" / "app" / "deep"
    subdirectory.mkdir(parents=True)

    config = load_config(cwd=subdirectory, environ={})

    assert config.path == config_file.resolve()
    assert config.script_location == (tmp_path / "db" / "migrations").resolve()


def test_pyproject_without_tool_distil_is_skipped(tmp_path: Path) -> None:
    outer = write(tmp_path / "distil.toml", "")
    inner = tmp_path / "inner"
    write(inner / "pyproject.toml", '[project]\nname = "inner"\n\n[tool.ruff]\nline-length = 9\n')

    assert find_config(inner) == outer.resolve()


def test_broken_pyproject_that_holds_tool_distil_is_reported_not_skipped(tmp_path: Path) -> None:
    write(tmp_path / "distil.toml", "")
    inner = write(tmp_path / "inner" / "pyproject.toml", '[tool.distil]\nurl = "x\n')

    assert find_config(inner.parent) == inner.resolve()
    with pytest.raises(ConfigError, match="line 2"):
        load_config(cwd=inner.parent, environ={})


def test_no_config_anywhere_says_to_run_init(tmp_path: Path) -> None:
    isolated = tmp_path / "project"
    isolated.mkdir()
    if find_config(isolated) is not None:
        pytest.skip("a config file exists above the temporary directory")
    with pytest.raises(ConfigError, match=r"distil init.*-c"):
        load_config(cwd=isolated, environ={})


def test_explicit_config_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="missing.toml does not exist"):
        load_config(Path("missing.toml"), cwd=tmp_path, environ={})


def test_explicit_config_file_relative_to_cwd(tmp_path: Path) -> None:
    write(tmp_path / "conf" / "custom.toml", 'version_table = "history"\n')

    config = load_config(Path("conf/custom.toml"), cwd=tmp_path, environ={})

    assert config.version_table == "history"
    assert config.root == (tmp_path / "conf").resolve()


def test_explicit_pyproject_without_tool_distil(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')

    with pytest.raises(ConfigError, match=r"no \[tool.distil\] table"):
        load_config(pyproject, environ={})


# --------------------------------------------------------------------------- values


def test_all_keys_are_read_and_typed(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        "[tool.distil]\n"
        'script_location = "db"\n'
        'models = "app.models:Base.metadata"\n'
        'url = "sqlite:///app.db"\n'
        'dev_url = "sqlite://"\n'
        'schemas = ["audit", "billing"]\n'
        'version_table = "history"\n'
        'version_table_schema = "ops"\n'
        "lock_timeout = 5\n"
        "\n"
        "[tool.distil.lint]\n"
        'ignore = ["D001"]\n',
    )

    config = load_config(cwd=tmp_path, environ={})

    assert config.models == "app.models:Base.metadata"
    assert config.url == f"sqlite:///{tmp_path.resolve()}/app.db"  # next to the file
    assert config.dev_url == "sqlite://"
    assert config.schemas == ("audit", "billing")
    assert config.version_table == "history"
    assert config.version_table_schema == "ops"
    assert config.lock_timeout == 5.0
    assert config.raw["lint"]["ignore"] == ("D001",)
    with pytest.raises(TypeError):
        config.raw["url"] = "other"  # type: ignore[index]


def test_defaults(tmp_path: Path) -> None:
    write(tmp_path / "distil.toml", "")

    config = load_config(cwd=tmp_path, environ={})

    assert config.models is None
    assert config.url is None
    assert config.dev_url is None
    assert config.schemas == ()
    assert config.version_table == "distil_version"
    assert config.version_table_schema is None
    assert config.lock_timeout == 60.0
    assert config.masked_url is None


def test_unknown_key_names_key_file_and_valid_keys(tmp_path: Path) -> None:
    config_file = write(tmp_path / "distil.toml", 'script_locaton = "migrations"\n')

    with pytest.raises(ConfigError) as caught:
        load_config(cwd=tmp_path, environ={})

    message = str(caught.value)
    assert "script_locaton" in message
    assert str(config_file.resolve()) in message
    assert "did you mean 'script_location'" in message
    assert "version_table_schema" in message


def test_unknown_sub_tables_are_kept(tmp_path: Path) -> None:
    write(tmp_path / "distil.toml", '[future_feature]\nanything = "goes"\n')

    config = load_config(cwd=tmp_path, environ={})

    assert config.raw["future_feature"]["anything"] == "goes"


@pytest.mark.parametrize(
    ("line", "key", "expected"),
    [
        ("lock_timeout = 'soon'", "lock_timeout", "a number of seconds"),
        ("lock_timeout = true", "lock_timeout", "a number of seconds"),
        ("lock_timeout = -1", "lock_timeout", "a number of seconds"),
        ("schemas = 'audit'", "schemas", "a list of strings"),
        ("schemas = [1, 2]", "schemas", "a list of strings"),
        ("url = 5", "url", "a string"),
        ("version_table = ['a']", "version_table", "a string"),
    ],
)
def test_wrong_value_types_name_key_and_expected_type(
    tmp_path: Path, line: str, key: str, expected: str
) -> None:
    write(tmp_path / "distil.toml", line + "\n")

    with pytest.raises(ConfigError) as caught:
        load_config(cwd=tmp_path, environ={})

    assert f"'{key}' must be {expected}" in str(caught.value)
    assert "distil.toml" in str(caught.value)


def test_known_key_given_as_a_table_is_a_type_error(tmp_path: Path) -> None:
    write(tmp_path / "distil.toml", "[url]\nhost = 'x'\n")

    with pytest.raises(ConfigError, match="'url' must be a string"):
        load_config(cwd=tmp_path, environ={})


def test_malformed_models_reference(tmp_path: Path) -> None:
    write(tmp_path / "distil.toml", 'models = "app.models.Base"\n')

    with pytest.raises(ConfigError, match="MODULE:ATTR"):
        load_config(cwd=tmp_path, environ={})


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    config_file = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.distil]\nurl = "sqlite://\nschemas = []\n',
    )

    with pytest.raises(ConfigError) as caught:
        load_config(config_file, environ={})

    assert str(config_file.resolve()) in str(caught.value)
    assert "line 5" in str(caught.value)


# --------------------------------------------------------------------------- the URL


def test_url_precedence_flag_then_environment_then_file(tmp_path: Path) -> None:
    write(tmp_path / "distil.toml", 'url = "sqlite:///from_file.db"\n')
    environ = {"DISTIL_DATABASE_URL": "sqlite:///from_env.db"}

    from_file = f"sqlite:///{tmp_path.resolve()}/from_file.db"
    assert load_config(cwd=tmp_path, environ={}).url == from_file
    assert load_config(cwd=tmp_path, environ=environ).url == "sqlite:///from_env.db"
    flagged = load_config(cwd=tmp_path, environ=environ, url="sqlite:///from_flag.db")
    assert flagged.url == "sqlite:///from_flag.db"


def test_empty_environment_url_is_ignored(tmp_path: Path) -> None:
    write(tmp_path / "distil.toml", 'url = "sqlite:///from_file.db"\n')

    config = load_config(cwd=tmp_path, environ={"DISTIL_DATABASE_URL": ""})

    assert config.url == f"sqlite:///{tmp_path.resolve()}/from_file.db"


def test_variables_are_expanded(tmp_path: Path) -> None:
    write(
        tmp_path / "distil.toml",
        'url = "postgresql://app:${DB_PASSWORD}@${DB_HOST:-localhost}/app"\n'
        'dev_url = "${DEV_URL:-sqlite://}"\n',
    )

    config = load_config(cwd=tmp_path, environ={"DB_PASSWORD": "pw"})

    assert config.url == "postgresql://app:pw@localhost/app"
    assert config.dev_url == "sqlite://"


def test_default_used_when_variable_is_empty_and_literal_escape(tmp_path: Path) -> None:
    write(tmp_path / "distil.toml", 'url = "sqlite:///${NAME:-app}.db?x=$${HOME}"\n')

    config = load_config(cwd=tmp_path, environ={"NAME": ""})

    assert config.url == f"sqlite:///{tmp_path.resolve()}/app.db?x=${{HOME}}"


def test_undefined_variable_names_variable_and_file(tmp_path: Path) -> None:
    config_file = write(tmp_path / "distil.toml", 'url = "${DATABASE_URL}"\n')

    with pytest.raises(ConfigError) as caught:
        load_config(cwd=tmp_path, environ={}).require_url()

    assert "DATABASE_URL" in str(caught.value)
    assert str(config_file.resolve()) in str(caught.value)


def test_undefined_variable_in_file_url_does_not_matter_when_overridden(tmp_path: Path) -> None:
    write(tmp_path / "distil.toml", 'url = "${DATABASE_URL}"\n')

    config = load_config(cwd=tmp_path, environ={"DISTIL_DATABASE_URL": "sqlite://"})

    assert config.url == "sqlite://"


def test_malformed_reference(tmp_path: Path) -> None:
    write(tmp_path / "distil.toml", 'url = "sqlite:///${not closed"\n')

    with pytest.raises(ConfigError, match="malformed reference"):
        load_config(cwd=tmp_path, environ={})


def test_require_url_lists_the_three_ways(tmp_path: Path) -> None:
    write(tmp_path / "distil.toml", "")
    config = load_config(cwd=tmp_path, environ={})

    with pytest.raises(ConfigError) as caught:
        config.require_url()

    message = str(caught.value)
    assert "--url" in message
    assert "DISTIL_DATABASE_URL" in message
    assert "url =" in message


def test_require_url_and_masked_url(tmp_path: Path) -> None:
    config = Config(
        path=None,
        root=tmp_path,
        script_location=tmp_path / "migrations",
        versions_dir=tmp_path / "migrations" / "versions",
        url="postgresql://app:secret@db/app",
    )

    assert config.require_url() == "postgresql://app:secret@db/app"
    assert config.masked_url == "postgresql://app:***@db/app"
    assert hash(config) == hash(config)


# --------------------------------------------------------------------------- masking


@pytest.mark.parametrize(
    ("url", "masked"),
    [
        ("postgresql+psycopg://app:s3cr%40t@db/x", "postgresql+psycopg://app:***@db/x"),
        ("postgresql://app:p@ss:w/rd@db:5432/x", "postgresql://app:***@db:5432/x"),
        ("mysql+pymysql://root:pässwörd@127.0.0.1/app", "mysql+pymysql://root:***@127.0.0.1/app"),
        ("postgresql://app:a%2Fb%3Ac%25@db/x?sslmode=require", "postgresql://app:***@db/x?sslmode=require"),
        ("postgresql://:only@db/x", "postgresql://:***@db/x"),
        ("postgresql://app:pw@db/x?options=a@b", "postgresql://app:***@db/x?options=a@b"),
        ("postgresql://db/x?user=app&password=pw&sslmode=disable", "postgresql://db/x?user=app&password=***&sslmode=disable"),
        ("mysql://db/x?PWD=pw", "mysql://db/x?PWD=***"),
        ("postgresql://rel_user:horse@battery?staple@db/x", "postgresql://rel_user:***@db/x"),
        ("postgresql://u:a@b/c?d=e#f@db:5432/x?sslmode=require", "postgresql://u:***@db:5432/x?sslmode=require"),
        ("postgresql://u:broken@pass@word", "postgresql://u:***@word"),
    ],
)  # fmt: skip
def test_mask_url(url: str, masked: str) -> None:
    assert mask_url(url) == masked


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app@db/x",
        "postgresql://db:5432/x",
        "sqlite:///relative/path.db",
        "sqlite://",
        "sqlite:////abs/path.db?mode=ro",
        "not a url",
        "",
    ],
)
def test_mask_url_without_password_is_unchanged(url: str) -> None:
    assert mask_url(url) == url


def test_mask_secrets_replaces_every_spelling_of_the_password() -> None:
    url = "postgresql+psycopg://app:s3cr%40t@db/x"
    message = (
        f"connection to {url} failed: password 's3cr@t' rejected; "
        "dsn was host=db password=s3cr%40t; encoded s3cr%40t"
    )

    masked = mask_secrets(message, url)

    assert "s3cr" not in masked
    assert "postgresql+psycopg://app:***@db/x" in masked
    assert "password '***' rejected" in masked


def test_mask_secrets_handles_encoded_form_of_a_raw_password() -> None:
    url = "postgresql://app:pä@ss@db/x?password=q+w"

    masked = mask_secrets("got pä@ss, p%C3%A4%40ss, q w and q%20w", url)

    assert masked == "got ***, ***, *** and ***"


def test_mask_secrets_without_url_or_password() -> None:
    assert mask_secrets("nothing secret", None) == "nothing secret"
    assert mask_secrets("app@db", "postgresql://app@db/x") == "app@db"


def test_config_module_does_not_import_sqlalchemy() -> None:
    code = (
        "import sys, distil.config\n"
        "assert 'sqlalchemy' not in sys.modules, sorted(m for m in sys.modules if 'sqlalchemy' in m)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("url", "normalized"),
    [
        ("postgresql://u:horse@battery?staple@db/x", "postgresql://u:horse%40battery%3Fstaple@db/x"),
        ("postgresql://u:s3cr%40t@db/x", "postgresql://u:s3cr%40t@db/x"),
        ("postgresql://u:100%off@db/x", "postgresql://u:100%25off@db/x"),
        ("postgresql://u:pw@db/x?options=a@b", "postgresql://u:pw@db/x?options=a@b"),
        ("sqlite:////tmp/a:b@c/d.db", "sqlite:////tmp/a:b@c/d.db"),
    ],
)  # fmt: skip
def test_normalize_url_encodes_only_raw_passwords(url: str, normalized: str) -> None:
    assert normalize_url(url) == normalized


def test_password_variable_is_taken_raw(tmp_path: Path) -> None:
    path = tmp_path / "distil.toml"
    path.write_text('url = "postgresql://app:${PW}@db/x"\n', encoding="utf-8")
    for value, expected in (
        ("horse@battery?staple", "horse%40battery%3Fstaple"),
        ("s3cr%40t", "s3cr%40t"),
    ):
        config = load_config(path, environ={"PW": value})
        assert config.url == f"postgresql://app:{expected}@db/x"
        assert config.masked_url == "postgresql://app:***@db/x"


def test_unset_variable_in_dev_url_is_reported_by_require_dev_url_only(tmp_path: Path) -> None:
    path = tmp_path / "distil.toml"
    path.write_text('url = "sqlite://"\ndev_url = "${NOPE_DEV}"\n', encoding="utf-8")
    config = load_config(path, environ={})
    assert config.dev_url is None
    assert config.require_url() == "sqlite://"
    with pytest.raises(ConfigError, match="'dev_url' refers to the environment variable NOPE_DEV"):
        config.require_dev_url()
    assert load_config(path, environ={"NOPE_DEV": "sqlite://"}).require_dev_url() == "sqlite://"


@pytest.mark.parametrize(
    ("url", "resolved"),
    [
        ("sqlite:///blog.db", "sqlite:////srv/app/blog.db"),
        ("sqlite+pysqlite:///../data/blog.db?timeout=5", "sqlite+pysqlite:////srv/data/blog.db?timeout=5"),
        ("sqlite:///file:app.db?uri=true", "sqlite:///file:/srv/app/app.db?uri=true"),
        ("sqlite:////abs/blog.db", "sqlite:////abs/blog.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite:///:memory:", "sqlite:///:memory:"),
        ("sqlite:///file:mem?mode=memory&uri=true", "sqlite:///file:mem?mode=memory&uri=true"),
        ("postgresql:///local", "postgresql:///local"),
    ],
)  # fmt: skip
def test_relative_sqlite_paths_are_relative_to_the_config_file(url: str, resolved: str) -> None:
    assert file_relative_url(url, Path("/srv/app")) == resolved


def test_only_the_file_url_is_made_relative_to_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "distil.toml"
    path.write_text('url = "sqlite:///blog.db"\ndev_url = "sqlite:///dev.db"\n', encoding="utf-8")
    config = load_config(path, environ={})
    assert config.url == f"sqlite:///{tmp_path.resolve()}/blog.db"
    assert config.dev_url == f"sqlite:///{tmp_path.resolve()}/dev.db"
    assert load_config(path, url="sqlite:///x.db", environ={}).url == "sqlite:///x.db"
    from_env = load_config(path, environ={"DISTIL_DATABASE_URL": "sqlite:///y.db"})
    assert from_env.url == "sqlite:///y.db"
