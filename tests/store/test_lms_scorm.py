"""The LMS's database is read through a connection that cannot write, and a site without SCORM tables under the
configured prefix is a configuration error naming the key."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from lrs_adapter.config import LmsConfig
from lrs_adapter.errors import ConfigError
from lrs_adapter.store.lms_scorm import LEGACY, SPLIT, connect_read_only, layout, lms_errors, scorm_activities
from tests.helpers.moodle import LEGACY as MOODLE_42
from tests.helpers.moodle import SPLIT as MOODLE_43
from tests.helpers.moodle import MoodleSite

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(("tables", "expected"), [(MOODLE_42, LEGACY), (MOODLE_43, SPLIT)])
def test_the_connection_refuses_every_write_and_tells_the_layouts_apart(
    lms_url: str, tables: str, expected: str
) -> None:
    site = MoodleSite(lms_url, tables)
    site.user("user1", "P00001")
    lms = LmsConfig("totara", lms_url)
    with connect_read_only(lms, file="lrs-adapter.toml") as connection:
        assert layout(connection, lms, file="lrs-adapter.toml") == expected
        assert connection.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            connection.execute("UPDATE mdl_user SET idnumber = 'P99999'")
        connection.rollback()
        connection.autocommit = True  # even outside the adapter's own transactions
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            connection.execute("DELETE FROM mdl_user")
    assert site.db.execute("SELECT idnumber FROM mdl_user").fetchall() == [("P00001",)]
    site.close()


def test_no_scorm_tables_under_the_prefix_names_the_key(lms_url: str) -> None:
    MoodleSite(lms_url, MOODLE_42).close()
    lms = LmsConfig("totara", lms_url, prefix="ttr_")
    with connect_read_only(lms, file="lrs-adapter.toml") as connection, pytest.raises(ConfigError) as error:
        layout(connection, lms, file="lrs-adapter.toml")
    assert "key lms.totara.prefix" in str(error.value)
    assert "neither ttr_scorm_attempt" in str(error.value)


def test_a_password_variable_not_set_is_named_never_a_value(lms_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOTARA_DB_PASSWORD", raising=False)
    with pytest.raises(ConfigError) as error:
        connect_read_only(LmsConfig("totara", lms_url, password_env="TOTARA_DB_PASSWORD"), file="lrs-adapter.toml")
    assert "TOTARA_DB_PASSWORD named by lms.totara.password_env is not set" in str(error.value)


def test_a_table_the_user_may_not_read_names_the_grant(lms_url: str) -> None:
    MoodleSite(lms_url, MOODLE_42).close()
    role = f"lms_reader_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(lms_url, autocommit=True)
    admin.execute(f"CREATE ROLE {role} LOGIN")
    schema = admin.execute("SELECT current_schema()").fetchone()
    assert schema is not None
    admin.execute(f"GRANT USAGE ON SCHEMA {schema[0]} TO {role}")
    lms = LmsConfig("totara", lms_url.replace("postgres@", f"{role}@", 1))
    try:
        with (
            pytest.raises(ConfigError) as error,
            lms_errors(lms, file="lrs-adapter.toml"),
            connect_read_only(lms, file="lrs-adapter.toml") as connection,
        ):
            scorm_activities(connection, "mdl_", [1], [])
        assert "GRANT SELECT" in str(error.value)
        assert "key lms.totara.url" in str(error.value)
    finally:
        admin.execute(f"DROP OWNED BY {role}")
        admin.execute(f"DROP ROLE {role}")
        admin.close()
