"""Configuration errors name the file, the key and the fix, all at once, and never show a secret."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

from pathlib import Path

import pytest

from lrs_adapter.config import load_config
from lrs_adapter.errors import ConfigError
from lrs_adapter.sinks import build_sinks
from lrs_adapter.sinks.webhook import WebhookSink
from tests.helpers.configs import WriteConfig

VALID = """
[store]
url = "sqlite:///data/store.db"

[lrs.main]
endpoint = "https://lrs.example.org/xAPI/"
username = "adapter"
password_env = "LRS_MAIN_PASSWORD"
headers = { "X-Tenant" = "council-token-abc" }
page_size = 200
since_field = "timestamp"

[lrs.main.retry]
max_attempts = 3

[connectors.prevent]
lrs = "main"
verb = "http://adlnet.gov/expapi/verbs/completed"
activity = "https://learning.example.gov.uk/xapi/activities/prevent-elearning"
related_activities = true
since = "2024-09-01T00:00:00+01:00"

[connectors.archive]
file = "exports/archive.jsonl"
"""


def test_a_valid_file_loads_with_paths_relative_to_it(write_config: WriteConfig) -> None:
    path: Path = write_config(VALID)
    config = load_config(path)
    assert config.store_url == f"sqlite:///{path.parent / 'data' / 'store.db'}"
    assert config.lrs["main"].page_size == 200
    assert config.lrs["main"].retry.max_attempts == 3
    assert config.lrs["main"].retry.max_wait == 60  # defaults fill the rest
    assert config.connectors["archive"].file == path.parent / "exports" / "archive.jsonl"
    assert config.connectors["prevent"].since is not None
    assert config.connectors["prevent"].since.hour == 23
    assert "council-token-abc" not in repr(config)


def test_every_mistake_is_named_with_file_key_and_fix(write_config: WriteConfig) -> None:
    broken = (
        VALID.replace("page_size = 200", "page_size = 0")
        .replace('since_field = "timestamp"', 'since_feild = "timestamp"')
        .replace('lrs = "main"', 'lrs = "mian"')
        .replace('since = "2024-09-01T00:00:00+01:00"', 'since = "last tuesday"')
    )
    path = write_config(broken)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert str(path) in text
    assert "key lrs.main.page_size" in text
    assert "from 1 to 10000" in text
    assert "key lrs.main.since_feild: Unknown field" in text
    assert "correct its spelling" in text
    assert "key connectors.prevent.since" in text
    assert "ISO 8601" in text


def test_intake_processes_default_to_two_and_a_wrong_count_is_named(write_config: WriteConfig) -> None:
    assert load_config(write_config(VALID)).intake_processes == 2
    assert load_config(write_config(VALID + "\n[pull]\nintake_processes = 0\n")).intake_processes == 0
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(VALID + "\n[pull]\nintake_processes = -1\n"))
    assert "key pull.intake_processes" in str(caught.value)
    assert "number of CPU cores" in str(caught.value)


def test_an_unknown_lrs_name_is_named(write_config: WriteConfig) -> None:
    with pytest.raises(ConfigError, match=r"key connectors.prevent.lrs.*'mian'.*known: main"):
        load_config(write_config(VALID.replace('lrs = "main"', 'lrs = "mian"')))


def test_credentials_in_the_endpoint_are_refused_without_echoing_them(write_config: WriteConfig) -> None:
    path = write_config(VALID.replace("https://lrs.example.org", "https://adapter:hunter2@lrs.example.org"))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "lrs.main.endpoint" in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_bad_toml_names_the_line(write_config: WriteConfig) -> None:
    with pytest.raises(ConfigError, match=r"not valid TOML.*line 3"):
        load_config(write_config('[store]\nurl = "x"\nthis is not toml\n'))


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--config"):
        load_config(tmp_path / "nowhere.toml")


def test_a_missing_password_variable_is_named_not_shown(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write_config(VALID))
    monkeypatch.delenv("LRS_MAIN_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match=r"LRS_MAIN_PASSWORD.*not set"):
        config.lrs["main"].password()
    monkeypatch.setenv("LRS_MAIN_PASSWORD", "s3cret")
    assert config.lrs["main"].password() == "s3cret"
    assert "s3cret" not in repr(config)


def test_one_connector_needs_exactly_one_source(write_config: WriteConfig) -> None:
    with pytest.raises(ConfigError, match=r"exactly one of"):
        load_config(write_config('[connectors.x]\nlrs = "a"\nfile = "b"\n[lrs.a]\nendpoint = "http://h/x/"\n'))


SINKS = """
[lrs.main]
endpoint = "https://lrs.example.org/xAPI/"

[push]
max_attempts = 7

[sinks.results]
kind = "lrs_statements"
lrs = "main"

[sinks.lms]
kind = "lms_file"
directory = "outbox/totara"
certifications = { prevent = { shortname = "PREVENT", idnumber = "CERT-01" } }

[sinks.mailer]
kind = "webhook"
url = "https://hooks.example.org/lrs?token=abc"
secret_env = "MAILER_SECRET"
events = ["window_opened", "overdue"]
"""


def test_sinks_load_with_their_events_and_folder(write_config: WriteConfig) -> None:
    path: Path = write_config(SINKS)
    config = load_config(path)
    assert config.max_attempts == 7
    assert config.sinks["results"].events == {"certified", "revoked"}
    assert config.sinks["lms"].directory == path.parent / "outbox" / "totara"
    assert config.sinks["lms"].certifications["prevent"]["shortname"] == "PREVENT"
    # A webhook chooses its events, but always hears of an erasure (a receiver told of someone must delete them).
    assert config.sinks["mailer"].events == {"window_opened", "overdue", "erased"}
    assert "token=abc" not in repr(config.sinks["mailer"])


def test_sink_mistakes_are_named_with_key_and_fix(write_config: WriteConfig) -> None:
    path: Path = write_config(
        SINKS.replace('secret_env = "MAILER_SECRET"', 'secret_env = "s3cr3t value"')
        .replace('kind = "lms_file"', 'kind = "lms_file"\nevents = ["certified"]')
        .replace('lrs = "main"', "")
        + '\n[sinks.other]\nkind = "fax"\n'
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert "sinks.mailer.secret_env" in message
    assert "s3cr3t" not in message
    assert "sinks.lms.events" in message
    assert "only a webhook or e-mail sink chooses its events" in message
    assert "sinks.results.lrs" in message
    assert "needs `lrs`" in message
    assert "sinks.other.kind" in message
    assert "lrs_statements" in message


MAIL = """
[sinks.mail]
kind = "email"
host = "smtp.example.org"
username = "adapter"
password_env = "SMTP_PASSWORD"
from = "training@example.gov.uk"
templates = "mappings/email/prevent"
"""


def test_an_email_sink_loads_with_its_events_its_templates_folder_and_starttls(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    path: Path = write_config(MAIL)
    mail = load_config(path).sinks["mail"]
    assert mail.events == {"due_soon", "overdue_reminder", "window_opened", "overdue"}
    assert (mail.security, mail.port, mail.sender) == ("starttls", None, "training@example.gov.uk")
    assert mail.templates == path.parent / "mappings" / "email" / "prevent"
    with pytest.raises(ConfigError, match=r"SMTP_PASSWORD.*sinks\.mail\.password_env") as raised:
        mail.password()
    monkeypatch.setenv("SMTP_PASSWORD", "smtp-s3cret")
    assert mail.password() == "smtp-s3cret"
    assert "smtp-s3cret" not in repr(mail) + str(raised.value)


def test_email_sink_mistakes_are_named_with_key_and_fix(write_config: WriteConfig) -> None:
    path: Path = write_config(
        MAIL.replace('host = "smtp.example.org"\n', "")
        + '\n[sinks.mail2]\nkind = "email"\nhost = "h"\nfrom = "not an address"\ntemplates = "t"\nsecurity = "tls"\n'
        + 'events = ["certified"]\npassword_env = "X"\n'
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    message = str(raised.value)
    assert "sinks.mail.host" in message
    assert "needs `host`" in message
    assert "sinks.mail2.from" in message
    assert "sinks.mail2.security" in message
    assert "starttls, ssl, none" in message


def test_an_email_sink_sends_only_what_a_mail_can_say(write_config: WriteConfig) -> None:
    with pytest.raises(ConfigError, match=r"sinks\.mail\.events.*sends only due_soon"):
        load_config(write_config(MAIL + 'events = ["certified"]\n'))
    with pytest.raises(ConfigError, match=r"sinks\.mail\.username.*password needs"):
        load_config(write_config(MAIL.replace('username = "adapter"\n', "")))


def test_a_sink_naming_an_unknown_lrs_is_named(write_config: WriteConfig) -> None:
    with pytest.raises(ConfigError, match=r"sinks\.results\.lrs"):
        load_config(write_config(SINKS.replace('lrs = "main"', 'lrs = "elsewhere"')))


def test_health_and_api_settings(write_config: WriteConfig) -> None:
    from datetime import timedelta

    config = load_config(
        write_config('[health]\nmax_age = "1d12h"\n[api]\ntokens_env = ["API_TOKEN"]\nport = 9000\nmax_limit = 50\n')
    )
    assert config.health_max_age == timedelta(days=1, hours=12)
    assert (config.api.tokens_env, config.api.port, config.api.max_limit) == (("API_TOKEN",), 9000, 50)
    assert load_config(write_config("")).health_max_age == timedelta(hours=26)


@pytest.mark.parametrize("age", ["26", "h", "1h1d", "0h", "-1h", ""])
def test_a_wrong_max_age_names_the_key_and_the_fix(write_config: WriteConfig, age: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_config(write_config(f'[health]\nmax_age = "{age}"\n'))
    assert "key health.max_age: Not a duration." in str(error.value)
    assert '"26h"' in str(error.value)


def test_the_api_tokens_are_read_from_the_environment_and_never_shown(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write_config('[api]\ntokens_env = ["API_TOKEN_A", "API_TOKEN_B"]\n'))
    monkeypatch.delenv("API_TOKEN_A", raising=False)
    monkeypatch.delenv("API_TOKEN_B", raising=False)
    with pytest.raises(ConfigError, match=r"api\.tokens_env"):
        config.api.tokens()
    monkeypatch.setenv("API_TOKEN_B", "s3cret-token")
    assert config.api.tokens() == ["s3cret-token"]
    assert "s3cret" not in repr(config)


def test_the_retention_period_is_a_calendar_period(write_config: WriteConfig) -> None:
    from lrs_adapter.model.period import Period

    assert load_config(write_config(VALID + '\n[retention]\nleavers_after = "P6Y"\n')).leavers_after == Period(72)
    assert load_config(write_config(VALID)).leavers_after is None
    for wrong in ("6 years", "P", "P0Y", "PT6H"):
        with pytest.raises(ConfigError) as caught:
            load_config(write_config(VALID + f'\n[retention]\nleavers_after = "{wrong}"\n'))
        assert "key retention.leavers_after" in str(caught.value)
        assert 'e.g. "P6Y"' in str(caught.value)


@pytest.mark.parametrize(
    ("age", "hours"),
    [
        *[("26h", 26), ("90m", 1.5), ("1d12h", 36), ("5400s", 1.5), ("1d1h30m", 25.5)],  # the short form, as ever
        *[("PT26H", 26), ("P1D", 24), ("P1DT12H", 36), ("PT1.5H", 1.5), ("PT90M", 1.5), ("P1W", 168)],  # ISO 8601
    ],
)
def test_max_age_takes_the_short_form_and_iso_8601(write_config: WriteConfig, age: str, hours: float) -> None:
    from datetime import timedelta

    assert load_config(write_config(f'[health]\nmax_age = "{age}"\n')).health_max_age == timedelta(hours=hours)


@pytest.mark.parametrize(
    ("age", "reason"), [("PT0S", "Not a duration."), ("P1M", "no years or months"), ("PT1.5H30M", "last number")]
)
def test_a_wrong_iso_max_age_says_why_with_the_key_and_the_fix(
    write_config: WriteConfig, age: str, reason: str
) -> None:
    path = write_config(f'[health]\nmax_age = "{age}"\n')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value)
    assert "key health.max_age: " in str(error.value)
    assert reason in str(error.value)
    assert '"PT26H"' in str(error.value)


@pytest.mark.parametrize(
    ("period", "months", "days"), [("P6Y", 72, 0), ("P72M", 72, 0), ("P5Y6M", 66, 0), ("P90D", 0, 90), ("P2W", 0, 14)]
)
def test_the_retention_period_takes_every_iso_calendar_period(
    write_config: WriteConfig, period: str, months: int, days: int
) -> None:
    from lrs_adapter.model.period import Period

    config = load_config(write_config(f'[retention]\nleavers_after = "{period}"\n'))
    assert config.leavers_after == Period(months=months, days=days)


def test_an_unknown_lrs_is_named_beside_every_other_mistake(write_config: WriteConfig) -> None:
    path = write_config(
        SINKS.replace('lrs = "main"', 'lrs = "elsewhere"').replace("max_attempts = 7", "max_attempts = 0")
        + '\n[connectors.c]\nlrs = "nope"\nsince = "yesterday"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "key push.max_attempts" in text
    assert "key connectors.c.since" in text
    assert "key connectors.c.lrs: names an LRS 'nope' that has no [lrs.nope] table (known: main)." in text
    assert "key sinks.results.lrs: names an LRS 'elsewhere'" in text
    assert "Fix: the name of a table under [lrs.NAME]" in text


def test_each_table_is_declared_once_in_the_record_it_loads_into() -> None:
    """A schema's keys are the fields of the record its table becomes (data_key is the name in the file)."""
    from dataclasses import fields as record_fields

    from marshmallow import Schema, fields

    from lrs_adapter import config

    def section_schema(section: str) -> type[Schema]:
        field = config.ConfigSchema().fields[section]
        assert isinstance(field, fields.Nested)
        return type(field.schema)

    records: dict[type[Schema], type[DataclassInstance]] = {
        config.RetrySchema: config.RetryPolicy,
        config.LrsSchema: config.LrsConfig,
        config.ConnectorSchema: config.ConnectorConfig,
        config.SinkSchema: config.SinkConfig,
        config.ApiSchema: config.ApiConfig,
        config.SigninSchema: config.SigninConfig,
        **{section_schema(section): config.Config for section in config.SECTIONS},
    }
    for schema, record in records.items():
        assert set(schema().fields) <= {field.name for field in record_fields(record)}, schema.__name__


def test_the_webhooks_contract_version_and_contact_are_push_settings(write_config: WriteConfig) -> None:
    """Defaults: the contract's body, and no personal contact; version 1 and contact on request, given to the
    webhook sinks built; any other version named with its key and what it may be."""
    default = load_config(write_config(SINKS))
    assert (default.webhook_schema_version, default.include_contact) == (3, False)
    chosen = load_config(write_config(SINKS.replace("max_attempts = 7", "schema_version = 1\ninclude_contact = true")))
    assert (chosen.webhook_schema_version, chosen.include_contact) == (1, True)
    hook = build_sinks(replace(chosen, sinks={"mailer": chosen.sinks["mailer"]}), [])["mailer"]
    assert isinstance(hook, WebhookSink)
    assert (hook.schema_version, hook.include_contact) == (1, True)
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(SINKS.replace("max_attempts = 7", "schema_version = 2")))
    assert "key push.schema_version" in str(caught.value)
    assert "served until 2027-06-30" in str(caught.value)


LMS = """
[roster]
home_page = "https://learning.example.gov.uk"
[lms.totara]
url = "postgresql://adapter_ro@lms-db.example.org:5432/totara"
password_env = "TOTARA_DB_PASSWORD"
payroll_field = "username"
[connectors.elearning]
lms = "totara"
scorm = [{ name = "Prevent e-learning", iri = "https://learning.example.gov.uk/xapi/activities/prevent-elearning" },
         { id = 12, iri = "https://learning.example.gov.uk/xapi/activities/prevent-elearning" }]
"""


def test_an_lms_connector_names_its_scorm_activities(write_config: WriteConfig) -> None:
    from lrs_adapter.config import ScormActivity

    config = load_config(write_config(LMS))
    assert (config.lms["totara"].prefix, config.lms["totara"].payroll_field) == ("mdl_", "username")
    iri = "https://learning.example.gov.uk/xapi/activities/prevent-elearning"
    assert config.connectors["elearning"].scorm == (
        ScormActivity(iri, name="Prevent e-learning"),
        ScormActivity(iri, id=12),
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('lms = "totara"', 'lms = "totra"'), r"key connectors.elearning.lms.*'totra'.*known: totara"),
        (('payroll_field = "username"', 'payroll_field = "email"'), r"key lms.totara.payroll_field.*idnumber"),
        (("{ id = 12, iri", "{ id = 12, name = 'x', iri"), r"key connectors.elearning.scorm.1.id.*exactly one"),
        (('lms = "totara"\n', 'lms = "totara"\nfile = "x.jsonl"\n'), r"exactly one of `lrs`.*`file`.*`lms`"),
        (('lms = "totara"\nscorm', 'file = "x.jsonl"\nscorm'), r"only one, names its SCORM activities in `scorm`"),
        (
            ('lms = "totara"\n', 'lms = "totara"\nverb = "http://adlnet.gov/expapi/verbs/passed"\n'),
            r"key connectors.elearning.verb.*filter of an LRS query",
        ),
    ],
)
def test_lms_mistakes_are_named(write_config: WriteConfig, change: tuple[str, str], expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_config(write_config(LMS.replace(*change)))


@pytest.mark.parametrize(
    ("before", "after"), [("adapter_ro@", "adapter_ro:hunter2@"), ("/totara", "/totara?password=hunter2")]
)
def test_a_password_in_the_lms_url_is_refused_without_echoing_it(
    write_config: WriteConfig, before: str, after: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(LMS.replace(before, after)))
    assert "lms.totara.url" in str(caught.value)
    assert "hunter2" not in str(caught.value)


SIGNIN = """
[signin]
issuer = "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0"
client_id = "66666666-7777-8888-9999-000000000000"
client_secret_env = "REPORT_CLIENT_SECRET"
session_secret_env = "REPORT_SESSION_SECRET"
person_claim = "employee_id"
person_by = "payroll_number"
council = ["P00001", "group:dlo-admins"]
departments = { "Adult Care" = ["group:safeguarding-adults"] }
"""


def test_signin_loads_with_its_roles(write_config: WriteConfig) -> None:
    signin = load_config(write_config(SIGNIN)).signin
    assert signin is not None
    assert (signin.person_claim, signin.person_by, signin.groups_claim) == ("employee_id", "payroll_number", "groups")
    assert signin.council == ("P00001", "group:dlo-admins")
    assert signin.departments == {"Adult Care": ("group:safeguarding-adults",)}
    assert signin.https_only


def test_signin_mistakes_name_the_file_key_and_fix(write_config: WriteConfig) -> None:
    wrong = SIGNIN.replace('person_by = "payroll_number"', 'person_by = "phone"').replace("https://", "")
    wrong = wrong.replace('council = ["P00001"', 'scope = "email"\ncouncil = ["group:"')
    path = write_config(wrong)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert str(path) in message
    assert "key signin.issuer: Not a valid URL. Fix: the provider's issuer URL" in message
    assert "key signin.person_by: Must be one of: email, payroll_number." in message
    assert "key signin.scope: Must include openid." in message
    assert "key signin.council.0: Not a payroll number or group:NAME." in message


def test_signin_secrets_are_read_from_the_environment_and_never_shown(
    write_config: WriteConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    signin = load_config(write_config(SIGNIN)).signin
    assert signin is not None
    monkeypatch.delenv("REPORT_SESSION_SECRET", raising=False)
    with pytest.raises(ConfigError, match=r"REPORT_SESSION_SECRET named by signin\.session_secret_env is not set"):
        signin.session_secret()
    monkeypatch.setenv("REPORT_SESSION_SECRET", "too-short-s3cret")
    with pytest.raises(ConfigError) as error:
        signin.session_secret()
    assert "shorter than 32 characters" in str(error.value)
    assert "s3cret" not in str(error.value)
    monkeypatch.setenv("REPORT_CLIENT_SECRET", "client-s3cret")
    assert signin.client_secret() == "client-s3cret"
    assert "s3cret" not in repr(signin)
