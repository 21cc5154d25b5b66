"""The one TOML configuration file, validated at start-up.

An admin edits this file at 2 a.m.; every mistake is reported with the file, the dotted key and what to write
instead, all of them at once, and never with the value of a secret (passwords live in environment variables whose
NAME the file gives; header values may be tokens and are never echoed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from lrs_adapter.errors import ConfigError
from lrs_adapter.model.contract import CONTRACT_VERSION, OLD_VERSIONS_UNTIL
from lrs_adapter.model.durations import parse_duration, parse_period
from lrs_adapter.model.period import Period
from lrs_adapter.model.timestamps import TimestampError, read_timestamp
from lrs_adapter.tomlfile import Strict, load_checked, read_toml

DEFAULT_CONFIG = "lrs-adapter.toml"
DEFAULT_STORE = "sqlite:///lrs-adapter.db"
XAPI_VERSIONS = ("1.0.3", "2.0.0")
DEFAULT_MAX_AGE = timedelta(hours=26)  # a daily sync, with two hours' grace


@dataclass(frozen=True)
class RetryPolicy:
    """How long one request may keep trying before the run gives up on it."""

    max_attempts: int = 8
    initial_wait: float = 1.0
    max_wait: float = 60.0
    max_total: float = 300.0


def password_from(variable: str | None, key: str) -> str | None:
    """The password in the environment variable a table names (at `key`); None when it names none."""
    if not variable:
        return None
    value = os.environ.get(variable)
    if value is None:
        raise ConfigError(
            f"the environment variable {variable} named by {key} is not set.",
            key=key,
            fix=f"export {variable} in the job's environment (cron, systemd unit, CronJob secret).",
        )
    return value


@dataclass(frozen=True)
class LrsConfig:
    name: str
    endpoint: str
    username: str | None = None
    password_env: str | None = None
    xapi_version: str = "1.0.3"
    headers: dict[str, str] = field(default_factory=dict, repr=False)
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    page_size: int = 500
    max_requests_per_second: float | None = None
    ca_bundle: str | None = None
    proxy: str | None = None
    overlap_seconds: float = 300.0
    since_field: str = "stored"
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def password(self) -> str | None:
        """Read the password only when a request needs it, so it never sits in a config dump or a log."""
        return password_from(self.password_env, f"lrs.{self.name}.password_env")


#: The user-table columns an LMS may hold payroll numbers in (`lms.NAME.payroll_field`).
PAYROLL_FIELDS = ("idnumber", "username")


@dataclass(frozen=True)
class LmsConfig:
    """A Moodle or Totara site's database, read (never written) for its SCORM activities' run-time data."""

    name: str
    url: str  # postgresql://user@host:port/db, without the password
    password_env: str | None = None
    prefix: str = "mdl_"  # the site's $CFG->prefix
    payroll_field: str = "idnumber"  # the `user` column holding the payroll number
    overlap_seconds: float = 300.0  # re-read on each run: tracks the LMS wrote, then committed late
    page_size: int = 200  # attempts per page
    connect_timeout: float = 10.0

    def password(self) -> str | None:
        """Read the password only when connecting, so it never sits in a config dump or a log."""
        return password_from(self.password_env, f"lms.{self.name}.password_env")


@dataclass(frozen=True)
class ScormActivity:
    """A SCORM activity of the LMS, named by its id or its name, and the activity IRI its statements are about."""

    iri: str
    id: int | None = None
    name: str | None = None


@dataclass(frozen=True)
class ConnectorConfig:
    """One stream of statements: an LRS query (verb, activity, since), an export file, or an LMS's SCORM tracks."""

    name: str
    lrs: str | None = None
    file: Path | None = None
    lms: str | None = None
    scorm: tuple[ScormActivity, ...] = ()
    verb: str | None = None
    activity: str | None = None
    related_activities: bool = False
    since: datetime | None = None


#: The events each kind of sink takes; a webhook may take fewer (`events`), but always takes `erased`.
SINK_EVENTS: dict[str, frozenset[str]] = {
    "lrs_statements": frozenset({"certified", "revoked"}),
    "agent_profile": frozenset({"certified", "revoked", "window_opened", "overdue", "exempted"}),
    "lms_file": frozenset({"certified"}),
    "webhook": frozenset(
        {"certified", "revoked", "window_opened", "overdue", "exempted", "due_soon", "overdue_reminder", "erased"}
    ),
    "email": frozenset({"window_opened", "overdue", "due_soon", "overdue_reminder"}),
}
#: How a mail sink talks to its SMTP server: STARTTLS on a plain port (587), TLS from the start (465), or neither
#: (a relay on the same host).
SMTP_SECURITY = ("starttls", "ssl", "none")
#: What no webhook may opt out of: a receiver told about a person must hear of their erasure (UK GDPR art. 19).
ALWAYS = {"webhook": frozenset({"erased"})}


@dataclass(frozen=True)
class SinkConfig:
    """Where certification results go: an LRS (statements or agent profile), an LMS upload folder, a webhook, an
    SMTP server (e-mail to the learner, and their line manager for an escalation)."""

    name: str
    kind: str
    events: frozenset[str]
    lrs: str | None = None
    profile_id: str = "https://lrs-adapter.example/profiles/certification-state"
    directory: Path | None = None
    file_prefix: str = "certification-completions"
    certifications: dict[str, dict[str, str]] = field(default_factory=dict)
    url: str | None = field(default=None, repr=False)
    secret_env: str | None = None
    timeout: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    host: str | None = None
    port: int | None = None  # by default 587 (starttls), 465 (ssl) or 25 (none)
    security: str = "starttls"
    username: str | None = None
    password_env: str | None = None
    sender: str | None = None
    templates: Path | None = None
    ca_bundle: Path | None = None

    def password(self) -> str | None:
        """The SMTP password, read only when logging in, never kept in the config or a log."""
        return password_from(self.password_env, f"sinks.{self.name}.password_env")

    def secret(self) -> bytes:
        """The webhook's signing secret, read only when signing, never kept in the config or a log."""
        value = os.environ.get(self.secret_env or "")
        if not value:
            raise ConfigError(
                f"the environment variable {self.secret_env} named by sinks.{self.name}.secret_env is not set.",
                key=f"sinks.{self.name}.secret_env",
                fix=f"export {self.secret_env} in the job's environment, with the secret the receiver checks.",
            )
        return value.encode()


@dataclass(frozen=True)
class ApiConfig:
    """`lrs-adapter serve`: where it listens, whose bearer tokens it takes, and how big a page may be."""

    tokens_env: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 8080
    max_limit: int = 1000

    def tokens(self) -> list[str]:
        """Read the tokens only when the server starts, so they never sit in a config dump or a log."""
        tokens = [os.environ.get(name, "") for name in self.tokens_env]
        if not any(tokens):
            names = ", ".join(self.tokens_env) or "(none named)"
            raise ConfigError(
                f"the API has no bearer token: none of the environment variables {names} is set and non-empty.",
                key="api.tokens_env",
                fix='name at least one variable, e.g. tokens_env = ["LRS_ADAPTER_API_TOKEN"], and export it.',
            )
        return [token for token in tokens if token]


#: How the person claim names someone on the roster: by work e-mail, or by payroll (employee) number.
PERSON_BY = ("email", "payroll_number")


@dataclass(frozen=True)
class SigninConfig:
    """Sign-in to the report page with the council's OpenID Connect provider (Entra ID, Okta, Keycloak, ...).

    `council` and `departments` give wider views than a manager's own people: each entry is a payroll number or
    `group:NAME`, a value of the `groups_claim` the provider sends (Entra ID: the group's object id)."""

    issuer: str
    client_id: str
    client_secret_env: str
    session_secret_env: str
    person_claim: str = "email"
    person_by: str = "email"
    groups_claim: str = "groups"
    scope: str = "openid email profile"
    council: tuple[str, ...] = ()
    departments: dict[str, tuple[str, ...]] = field(default_factory=dict)
    https_only: bool = True  # the session cookie only over HTTPS (false only for a test on 127.0.0.1)

    def client_secret(self) -> str:
        return _secret(self.client_secret_env, "signin.client_secret_env", "the client secret the provider issued")

    def session_secret(self) -> str:
        """What signs the session cookie: read when the server starts, never logged or shown."""
        value = _secret(self.session_secret_env, "signin.session_secret_env", "a random secret of 32+ characters")
        if len(value) < 32:
            raise ConfigError(
                f"the session secret in {self.session_secret_env} is shorter than 32 characters.",
                key="signin.session_secret_env",
                fix='export a longer one, e.g. python3 -c "import secrets; print(secrets.token_urlsafe(32))".',
            )
        return value


def _secret(variable: str, key: str, what: str) -> str:
    value = os.environ.get(variable, "")
    if not value:
        raise ConfigError(
            f"the environment variable {variable} named by {key} is not set.",
            key=key,
            fix=f"export {variable} in the server's environment, holding {what}.",
        )
    return value


@dataclass(frozen=True)
class Config:
    path: Path
    store_url: str
    lrs: dict[str, LrsConfig]
    connectors: dict[str, ConnectorConfig]
    lms: dict[str, LmsConfig] = field(default_factory=dict)
    mappings: tuple[Path, ...] = ()
    home_page: str | None = None  # the account homePage whose names are payroll numbers
    commit_every: int = 10_000  # statements per transaction: whole pages, the cursor moving with them
    intake_processes: int = 2  # processes that parse and check pages during a pull (0: the run's own)
    sinks: dict[str, SinkConfig] = field(default_factory=dict)
    max_attempts: int = 5  # push attempts (runs) before a delivery is dead-lettered
    #: Push only about learners the roster knows: the others are evaluated (status shows them) but their deliveries
    #: are held, not sent (an LMS refuses unknown users; a mailer must not write to strangers).
    roster_only: bool = True
    #: The body a webhook is sent (`model/contract.py`): the contract's version, or 1, the body before it.
    webhook_schema_version: int = CONTRACT_VERSION
    #: Events carry the learner's name, work e-mail and manager: personal data goes only where configured.
    include_contact: bool = False
    health_max_age: timedelta = DEFAULT_MAX_AGE  # a connector with no successful run for longer is stale
    api: ApiConfig = field(default_factory=ApiConfig)
    #: How long after their leaving date a leaver's personal data is kept (`retention apply`); None: not configured.
    leavers_after: Period | None = None
    #: Sign-in to the report page; None: the page takes the API's bearer tokens, as every other route does.
    signin: SigninConfig | None = None


FIXES: dict[str, str] = {
    "endpoint": 'the LRS\'s xAPI base URL, e.g. "https://lrs.example.org/xAPI/", without credentials in it.',
    "xapi_version": f"one of {', '.join(XAPI_VERSIONS)}.",
    "page_size": "a whole number from 1 to 10000 (the LRS may still send fewer).",
    "since_field": '"stored" (xAPI) or "timestamp" (an LRS such as Ralph that filters `since` on timestamp).',
    "since": 'an ISO 8601 instant with an offset, e.g. "2024-09-01T00:00:00Z".',
    "lrs": "the name of a table under [lrs.NAME] in this file.",
    "url": "sqlite:///path/to/file.db or postgresql://user@host:5432/dbname.",
    "password_env": "the NAME of an environment variable holding the password, not the password itself.",
    "headers": "a table of header names to string values.",
    "home_page": 'the account homePage your LMS gives learners, e.g. "https://learning.example.org".',
    "commit_every": "a whole number of statements per transaction, 1 to 100000 (whole pages are committed).",
    "intake_processes": "a whole number of processes, 0 to 64: about the number of CPU cores (0: none).",
    "mappings": 'a list of mapping files, e.g. ["mappings/prevent.toml"] (relative to this file).',
    "kind": f"one of {', '.join(SINK_EVENTS)}.",
    "events": 'a list of events: "certified", "revoked", "window_opened", "overdue", "exempted", "due_soon",'
    ' "overdue_reminder".',
    "host": 'the SMTP server\'s host name, e.g. "smtp.example.gov.uk".',
    "security": f"one of {', '.join(SMTP_SECURITY)}.",
    "from": 'the From address of the e-mails, e.g. "training@example.gov.uk".',
    "templates": 'a folder of the e-mail templates, e.g. "mappings/email/prevent" (relative to this file).',
    "secret_env": "the NAME of an environment variable holding the webhook's signing secret.",
    "directory": "a folder the LMS picks upload files from (relative to this file).",
    "max_attempts": "a whole number of push runs, 1 to 1000, before a delivery is dead-lettered.",
    "roster_only": "true (push only about learners on the roster) or false (about everyone evaluated).",
    "schema_version": f"{CONTRACT_VERSION} (the contract, the default) or 1 (the body before it, served until"
    f" {OLD_VERSIONS_UNTIL}).",
    "include_contact": "true (events carry the learner's name, work e-mail and manager) or false (the default).",
    "max_age": 'a duration longer than zero: whole numbers with d, h, m or s, largest first, e.g. "26h", "90m",'
    ' "1d12h"; or ISO 8601, e.g. "PT26H".',
    "tokens_env": 'a list of environment variable NAMES holding bearer tokens, e.g. ["LRS_ADAPTER_API_TOKEN"].',
    "port": "a TCP port, 1 to 65535.",
    "max_limit": "the largest page a client may ask for, 1 to 100000.",
    "prefix": 'the LMS\'s table prefix ($CFG->prefix in its config.php), e.g. "mdl_".',
    "payroll_field": f"one of {', '.join(PAYROLL_FIELDS)}: the LMS user field holding the payroll number.",
    "scorm": 'a list of SCORM activities, e.g. [{ name = "Prevent e-learning", iri = "https://..." }] or [{ id = 12,'
    ' iri = "https://..." }].',
    "issuer": 'the provider\'s issuer URL, e.g. "https://login.microsoftonline.com/TENANT-ID/v2.0" for Entra ID.',
    "client_id": "the application (client) id the provider gave the report when it was registered.",
    "client_secret_env": "the NAME of an environment variable holding the client secret.",
    "session_secret_env": "the NAME of an environment variable holding the secret that signs the session cookie.",
    "person_claim": 'the ID token claim naming the person, e.g. "email", "preferred_username" or "employee_id".',
    "person_by": 'what the person claim holds: "email" (a work e-mail on the roster) or "payroll_number".',
    "groups_claim": 'the claim listing the person\'s groups, e.g. "groups" (Entra ID) or "roles".',
    "scope": 'the scopes asked for, e.g. "openid email profile".',
    "council": 'a list of payroll numbers or "group:NAME" entries who see the whole council.',
    "departments": 'a table of department names to lists of payroll numbers or "group:NAME" entries.',
    "https_only": "true (the session cookie only over HTTPS) or false (a test on 127.0.0.1 only).",
    "leavers_after": 'an ISO 8601 period of whole years, months, weeks or days, e.g. "P6Y" (six years after leaving).',
}


#: The configuration file being loaded: relative paths in it are relative to its folder, not the working directory.
_FILE: ContextVar[Path] = ContextVar("config_file")


def _relative_path(text: str) -> Path:
    candidate = Path(text).expanduser()
    return candidate if candidate.is_absolute() else _FILE.get().resolve().parent / candidate


def _store_url(url: str) -> str:
    return "sqlite:///" + str(_relative_path(url.removeprefix("sqlite:///"))) if url.startswith("sqlite:///") else url


def _instant(text: str) -> datetime:
    try:
        return read_timestamp(text)
    except TimestampError as error:  # its reason says which: no offset, no such day, a leap second
        raise ValueError(f"Not an instant the adapter can use: {error}.") from None


def _age(text: str) -> timedelta:
    if (age := parse_duration(text)) <= timedelta(0):
        raise ValueError("Not a duration.")  # as zero always was: a zero age would make every connector stale
    return age


def _retention_period(text: str) -> Period:
    if not (period := parse_period(text)).months and not period.days:
        raise ValueError("A period of zero is not a retention period.")
    return period


class Parsed(fields.Field[Any]):
    """A string read by `parse` into what the record holds; the ValueError `parse` raises says what is wrong."""

    def __init__(self, parse: Callable[[str], Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.parse = parse

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise ValidationError("Not a valid string.")
        try:
            return self.parse(value)
        except ValueError as error:
            raise ValidationError(str(error)) from None


class Tuple(fields.List[Any]):
    """A TOML array held as a tuple, as the frozen records hold their sequences."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        return tuple(super()._deserialize(value, attr, data, **kwargs))


class Named(fields.Dict):
    """Tables such as [lrs.NAME]: each checked by `schema`, then built into `record` with its NAME."""

    def __init__(self, schema: type[Schema], record: Callable[..., Any]) -> None:
        super().__init__(keys=fields.String(), values=fields.Nested(schema), load_default=dict)
        self.record = record

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> Any:
        tables = super()._deserialize(value, attr, data, **kwargs)  # type: ignore[no-untyped-call]
        return {name: self.record(name=name, **values) for name, values in tables.items()}


# Each schema declares a table's keys once, under the names of the record it builds; the defaults live in the record.


class RetrySchema(Strict):
    max_attempts = fields.Integer(validate=validate.Range(min=1, max=100))
    initial_wait = fields.Float(validate=validate.Range(min=0))
    max_wait = fields.Float(validate=validate.Range(min=0))
    max_total = fields.Float(validate=validate.Range(min=0))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> RetryPolicy:
        return RetryPolicy(**data)


class LrsSchema(Strict):
    endpoint = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    username = fields.String()
    password_env = fields.String(validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]*$"))
    xapi_version = fields.String(validate=validate.OneOf(XAPI_VERSIONS))
    headers = fields.Dict(keys=fields.String(), values=fields.String())
    connect_timeout = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    read_timeout = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    page_size = fields.Integer(validate=validate.Range(min=1, max=10000))
    max_requests_per_second = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    ca_bundle = fields.String()
    proxy = fields.Url(schemes={"http", "https", "socks5", "socks5h"}, require_tld=False)
    overlap_seconds = fields.Float(validate=validate.Range(min=0))
    since_field = fields.String(validate=validate.OneOf(("stored", "timestamp")))
    retry = fields.Nested(RetrySchema)

    @validates_schema
    def no_credentials_in_url(self, data: dict[str, Any], **_: Any) -> None:
        endpoint = data.get("endpoint")
        if endpoint and (urlsplit(endpoint).username or urlsplit(endpoint).password):
            # The message must not repeat the URL: it holds the secret.
            raise ValidationError("holds credentials.", "endpoint")


class LmsSchema(Strict):
    url = fields.String(required=True, validate=validate.Regexp(r"^postgres(ql)?://"))
    password_env = fields.String(validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]*$"))
    prefix = fields.String(validate=validate.Regexp(r"^[a-z0-9_]*$"))
    payroll_field = fields.String(validate=validate.OneOf(PAYROLL_FIELDS))
    overlap_seconds = fields.Float(validate=validate.Range(min=0))
    page_size = fields.Integer(validate=validate.Range(min=1, max=10000))
    connect_timeout = fields.Float(validate=validate.Range(min=0, min_inclusive=False))

    @validates_schema
    def no_password_in_url(self, data: dict[str, Any], **_: Any) -> None:
        if (url := data.get("url")) and (urlsplit(url).password or "password" in parse_qs(urlsplit(url).query)):
            raise ValidationError("holds a password.", "url")  # not repeated: it is the secret


class ScormActivitySchema(Strict):
    iri = fields.Url(required=True, require_tld=False, relative=False)
    id = fields.Integer(validate=validate.Range(min=1))
    name = fields.String(validate=validate.Length(min=1))

    @validates_schema
    def named_once(self, data: dict[str, Any], **_: Any) -> None:
        if ("id" in data) == ("name" in data):
            raise ValidationError("names the SCORM activity by exactly one of `id` or `name`.", "id")

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> ScormActivity:
        return ScormActivity(**data)


class ConnectorSchema(Strict):
    lrs = fields.String()
    file = Parsed(_relative_path)
    lms = fields.String()
    scorm = Tuple(fields.Nested(ScormActivitySchema), validate=validate.Length(min=1))
    verb = fields.Url(require_tld=False, relative=False)
    activity = fields.Url(require_tld=False, relative=False)
    related_activities = fields.Boolean()
    since = Parsed(_instant)

    @validates_schema
    def one_source(self, data: dict[str, Any], **_: Any) -> None:
        if sum(key in data for key in ("lrs", "file", "lms")) != 1:
            raise ValidationError(
                "needs exactly one of `lrs` (an LRS name), `file` (an export file) or `lms` (an LMS name).", "lrs"
            )
        if ("lms" in data) != ("scorm" in data):
            raise ValidationError("an `lms` connector, and only one, names its SCORM activities in `scorm`.", "scorm")
        if "lms" in data and (filters := [key for key in ("verb", "activity", "related_activities") if key in data]):
            raise ValidationError(
                "is a filter of an LRS query: an `lms` connector reads the SCORM activities `scorm` names.", filters[0]
            )


class CertificationCodesSchema(Strict):
    shortname = fields.String(required=True)
    idnumber = fields.String()


class SinkSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(tuple(SINK_EVENTS)))
    lrs = fields.String()
    profile_id = fields.Url(require_tld=False, relative=False)
    directory = Parsed(_relative_path)
    file_prefix = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9._-]+$"))
    certifications = fields.Dict(keys=fields.String(), values=fields.Nested(CertificationCodesSchema))
    url = fields.Url(schemes={"http", "https"}, require_tld=False)
    secret_env = fields.String(validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]*$"))
    events = fields.List(fields.String(validate=validate.OneOf(sorted(SINK_EVENTS["webhook"]))))
    timeout = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    retry = fields.Nested(RetrySchema)
    host = fields.String(validate=validate.Length(min=1))
    port = fields.Integer(validate=validate.Range(min=1, max=65535))
    security = fields.String(validate=validate.OneOf(SMTP_SECURITY))
    username = fields.String()
    password_env = fields.String(validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]*$"))
    sender = fields.Email(data_key="from")
    templates = Parsed(_relative_path)
    ca_bundle = Parsed(_relative_path)

    @validates_schema
    def what_each_kind_needs(self, data: dict[str, Any], **_: Any) -> None:
        needs = {
            "lrs_statements": ("lrs",),
            "agent_profile": ("lrs",),
            "lms_file": ("directory",),
            "webhook": ("url", "secret_env"),
            "email": ("host", "sender", "templates"),
        }
        for key in needs.get(data.get("kind", ""), ()):
            if key not in data:
                written = "from" if key == "sender" else key  # the file's name for it
                article = "an" if data["kind"][0] in "aeiou" else "a"
                raise ValidationError(f"{article} {data['kind']} sink needs `{written}`.", written)
        if "events" in data and data.get("kind") not in ("webhook", "email"):
            raise ValidationError("only a webhook or e-mail sink chooses its events.", "events")
        if data.get("kind") == "email" and not set(data.get("events", ())) <= SINK_EVENTS["email"]:
            raise ValidationError(f"an e-mail sink sends only {', '.join(sorted(SINK_EVENTS['email']))}.", "events")
        if "password_env" in data and "username" not in data:
            raise ValidationError("a password needs the `username` it logs in as.", "username")

    @post_load
    def every_event_of_its_kind(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        events = frozenset(data.get("events", SINK_EVENTS[data["kind"]])) | ALWAYS.get(data["kind"], frozenset())
        return {**data, "events": events}


class ApiSchema(Strict):
    tokens_env = Tuple(
        fields.String(validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]*$")), validate=validate.Length(min=1)
    )
    host = fields.String()
    port = fields.Integer(validate=validate.Range(min=1, max=65535))
    max_limit = fields.Integer(validate=validate.Range(min=1, max=100_000))

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> ApiConfig:
        return ApiConfig(**data)


WHO = fields.String(validate=validate.Regexp(r"^(group:.+|[^:]+)$", error="Not a payroll number or group:NAME."))
ENV_NAME = validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SigninSchema(Strict):
    issuer = fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    client_id = fields.String(required=True, validate=validate.Length(min=1))
    client_secret_env = fields.String(required=True, validate=ENV_NAME)
    session_secret_env = fields.String(required=True, validate=ENV_NAME)
    person_claim = fields.String(validate=validate.Length(min=1))
    person_by = fields.String(validate=validate.OneOf(PERSON_BY))
    groups_claim = fields.String(validate=validate.Length(min=1))
    scope = fields.String(validate=validate.Regexp(r"(^|\s)openid(\s|$)", error="Must include openid."))
    council = Tuple(WHO)
    departments = fields.Dict(keys=fields.String(), values=Tuple(WHO))
    https_only = fields.Boolean()

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> SigninConfig:
        return SigninConfig(**data)


# The one-table sections: each key lands in Config under its attribute name (data_key is the name in the file).


class StoreSchema(Strict):
    store_url = fields.String(data_key="url", validate=validate.Regexp(r"^(sqlite:///.+|postgres(ql)?://.*)$"))
    commit_every = fields.Integer(validate=validate.Range(min=1, max=100_000))


class RosterSchema(Strict):
    home_page = fields.Url(require_tld=False, relative=False)


class PullSchema(Strict):
    intake_processes = fields.Integer(validate=validate.Range(min=0, max=64))


class PushSchema(Strict):
    max_attempts = fields.Integer(validate=validate.Range(min=1, max=1000))
    roster_only = fields.Boolean()
    webhook_schema_version = fields.Integer(data_key="schema_version", validate=validate.OneOf([1, CONTRACT_VERSION]))
    include_contact = fields.Boolean()


class HealthSchema(Strict):
    health_max_age = Parsed(_age, data_key="max_age")


class RetentionSchema(Strict):
    leavers_after = Parsed(_retention_period)


SECTIONS = ("store", "roster", "pull", "push", "health", "retention")


def _tables(value: Any) -> dict[str, dict[str, Any]]:
    """The tables of a section as written; what is not a table is reported by the section's own field."""
    tables = value if isinstance(value, dict) else {}
    return {name: table for name, table in tables.items() if isinstance(table, dict)}


class ConfigSchema(Strict):
    mappings = Tuple(Parsed(_relative_path))
    lrs = Named(LrsSchema, LrsConfig)
    lms = Named(LmsSchema, LmsConfig)
    connectors = Named(ConnectorSchema, ConnectorConfig)
    sinks = Named(SinkSchema, SinkConfig)
    api = fields.Nested(ApiSchema)
    signin = fields.Nested(SigninSchema)
    store = fields.Nested(StoreSchema)
    roster = fields.Nested(RosterSchema)
    pull = fields.Nested(PullSchema)
    push = fields.Nested(PushSchema)
    health = fields.Nested(HealthSchema)
    retention = fields.Nested(RetentionSchema)

    @validates_schema(skip_on_field_errors=False, pass_original=True)
    def known_names(self, _: dict[str, Any], original: dict[str, Any], **__: Any) -> None:
        """Connectors and sinks name LRSs (and connectors LMSs) the file defines (read from the file as written,
        beside any other errors)."""
        wrong: dict[str, Any] = {}
        for kind, what, sections in (("lrs", "an LRS", ("connectors", "sinks")), ("lms", "an LMS", ("connectors",))):
            if not isinstance(original.get(kind, {}), dict):
                continue  # [lrs] or [lms] itself is wrong, and its own error says so
            defined = _tables(original.get(kind))
            known = ", ".join(sorted(defined)) or "none defined"
            for section in sections:
                for name, table in _tables(original.get(section)).items():
                    named = table.get(kind)
                    if isinstance(named, str) and named not in defined:
                        why = f"names {what} {named!r} that has no [{kind}.{named}] table (known: {known})."
                        wrong.setdefault(section, {}).setdefault(name, {})[kind] = [why]
        if wrong:
            raise ValidationError(wrong)

    @post_load
    def make(self, data: dict[str, Any], **_: Any) -> Config:
        settings = {key: value for section in SECTIONS for key, value in data.pop(section, {}).items()}
        store_url = _store_url(settings.pop("store_url", DEFAULT_STORE))
        return Config(path=_FILE.get(), store_url=store_url, **settings, **data)


def load_config(path: str | Path = DEFAULT_CONFIG) -> Config:
    """Read and validate the file; relative paths in it are relative to the file, not to the working directory."""
    path = Path(path)
    raw = read_toml(
        path, missing_fix=f"pass --config FILE, or create {DEFAULT_CONFIG} (the README has a complete example)."
    )
    loading = _FILE.set(path)
    try:
        config: Config = load_checked(ConfigSchema(), raw, path=path, what="configuration", fixes=FIXES)
    finally:
        _FILE.reset(loading)
    return config
