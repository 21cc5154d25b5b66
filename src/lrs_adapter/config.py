"""The one TOML configuration file, validated at start-up.

An admin edits this file at 2 a.m.; every mistake is reported with the file, the dotted key and what to write
instead, all of them at once, and never with the value of a secret (passwords live in environment variables whose
NAME the file gives; header values may be tokens and are never echoed).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from lrs_adapter.errors import ConfigError
from lrs_adapter.model.durations import parse_duration, parse_period
from lrs_adapter.model.period import Period
from lrs_adapter.tomlfile import Strict, load_checked, read_toml
from lrs_adapter.xapi.timestamps import parse_timestamp

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
        if not self.password_env:
            return None
        value = os.environ.get(self.password_env)
        if value is None:
            raise ConfigError(
                f"the environment variable {self.password_env} named by lrs.{self.name}.password_env is not set.",
                key=f"lrs.{self.name}.password_env",
                fix=f"export {self.password_env} in the job's environment (cron, systemd unit, CronJob secret).",
            )
        return value


@dataclass(frozen=True)
class ConnectorConfig:
    """One stream of statements: an LRS query (verb, activity, since) or an export file."""

    name: str
    lrs: str | None = None
    file: Path | None = None
    verb: str | None = None
    activity: str | None = None
    related_activities: bool = False
    since: datetime | None = None


#: The events each kind of sink takes; a webhook may take fewer (`events`).
SINK_EVENTS: dict[str, frozenset[str]] = {
    "lrs_statements": frozenset({"certified", "revoked"}),
    "agent_profile": frozenset({"certified", "revoked", "window_opened", "overdue", "exempted"}),
    "lms_file": frozenset({"certified"}),
    "webhook": frozenset({"certified", "revoked", "window_opened", "overdue", "exempted"}),
}


@dataclass(frozen=True)
class SinkConfig:
    """Where certification results go: an LRS (statements or agent profile), an LMS upload folder, a webhook."""

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


@dataclass(frozen=True)
class Config:
    path: Path
    store_url: str
    lrs: dict[str, LrsConfig]
    connectors: dict[str, ConnectorConfig]
    mappings: tuple[Path, ...] = ()
    home_page: str | None = None  # the account homePage whose names are payroll numbers
    commit_every: int = 10_000  # statements per transaction: whole pages, the cursor moving with them
    intake_processes: int = 2  # processes that parse and check pages during a pull (0: the run's own)
    sinks: dict[str, SinkConfig] = field(default_factory=dict)
    max_attempts: int = 5  # push attempts (runs) before a delivery is dead-lettered
    health_max_age: timedelta = DEFAULT_MAX_AGE  # a connector with no successful run for longer is stale
    api: ApiConfig = field(default_factory=ApiConfig)
    #: How long after their leaving date a leaver's personal data is kept (`retention apply`); None: not configured.
    leavers_after: Period | None = None


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
    "events": 'a list of events: "certified", "revoked", "window_opened", "overdue", "exempted".',
    "secret_env": "the NAME of an environment variable holding the webhook's signing secret.",
    "directory": "a folder the LMS picks upload files from (relative to this file).",
    "max_attempts": "a whole number of push runs, 1 to 1000, before a delivery is dead-lettered.",
    "max_age": 'a duration longer than zero: whole numbers with d, h, m or s, largest first, e.g. "26h", "90m",'
    ' "1d12h"; or ISO 8601, e.g. "PT26H".',
    "tokens_env": 'a list of environment variable NAMES holding bearer tokens, e.g. ["LRS_ADAPTER_API_TOKEN"].',
    "port": "a TCP port, 1 to 65535.",
    "max_limit": "the largest page a client may ask for, 1 to 100000.",
    "leavers_after": 'an ISO 8601 period of whole years, months, weeks or days, e.g. "P6Y" (six years after leaving).',
}


def _period(value: str) -> None:
    try:
        period = parse_period(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if not (period.months or period.days):
        raise ValidationError("A period of zero is not a retention period.")


def _age(value: str) -> None:
    try:
        age = parse_duration(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if age <= timedelta(0):
        raise ValidationError("Not a duration.")  # as zero always was: a zero age would make every run stale


def _iso_instant(value: str) -> None:
    if parse_timestamp(value) is None:
        raise ValidationError("Not an ISO 8601 instant with an offset.")


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


class ConnectorSchema(Strict):
    lrs = fields.String()
    file = fields.String()
    verb = fields.Url(require_tld=False, relative=False)
    activity = fields.Url(require_tld=False, relative=False)
    related_activities = fields.Boolean()
    since = fields.String(validate=_iso_instant)

    @validates_schema
    def one_source(self, data: dict[str, Any], **_: Any) -> None:
        if ("lrs" in data) == ("file" in data):
            raise ValidationError("needs exactly one of `lrs` (an LRS name) or `file` (an export file).", "lrs")


class StoreSchema(Strict):
    url = fields.String(validate=validate.Regexp(r"^(sqlite:///.+|postgres(ql)?://.*)$"))
    commit_every = fields.Integer(validate=validate.Range(min=1, max=100_000))


class RosterSchema(Strict):
    home_page = fields.Url(require_tld=False, relative=False)


class CertificationCodesSchema(Strict):
    shortname = fields.String(required=True)
    idnumber = fields.String()


class SinkSchema(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(tuple(SINK_EVENTS)))
    lrs = fields.String()
    profile_id = fields.Url(require_tld=False, relative=False)
    directory = fields.String()
    file_prefix = fields.String(validate=validate.Regexp(r"^[A-Za-z0-9._-]+$"))
    certifications = fields.Dict(keys=fields.String(), values=fields.Nested(CertificationCodesSchema))
    url = fields.Url(schemes={"http", "https"}, require_tld=False)
    secret_env = fields.String(validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]*$"))
    events = fields.List(fields.String(validate=validate.OneOf(tuple(SINK_EVENTS["webhook"]))))
    timeout = fields.Float(validate=validate.Range(min=0, min_inclusive=False))
    retry = fields.Nested(RetrySchema)

    @validates_schema
    def what_each_kind_needs(self, data: dict[str, Any], **_: Any) -> None:
        needs = {
            "lrs_statements": ("lrs",),
            "agent_profile": ("lrs",),
            "lms_file": ("directory",),
            "webhook": ("url", "secret_env"),
        }
        for key in needs.get(data.get("kind", ""), ()):
            if key not in data:
                raise ValidationError(f"a {data['kind']} sink needs `{key}`.", key)
        if "events" in data and data.get("kind") != "webhook":
            raise ValidationError("only a webhook sink chooses its events.", "events")


class PullSchema(Strict):
    intake_processes = fields.Integer(validate=validate.Range(min=0, max=64))


class PushSchema(Strict):
    max_attempts = fields.Integer(validate=validate.Range(min=1, max=1000))


class HealthSchema(Strict):
    max_age = fields.String(validate=_age)


class RetentionSchema(Strict):
    leavers_after = fields.String(validate=_period)


class ApiSchema(Strict):
    tokens_env = fields.List(
        fields.String(validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]*$")), validate=validate.Length(min=1)
    )
    host = fields.String()
    port = fields.Integer(validate=validate.Range(min=1, max=65535))
    max_limit = fields.Integer(validate=validate.Range(min=1, max=100_000))


class ConfigSchema(Strict):
    store = fields.Nested(StoreSchema)
    roster = fields.Nested(RosterSchema)
    mappings = fields.List(fields.String())
    lrs = fields.Dict(keys=fields.String(), values=fields.Nested(LrsSchema))
    connectors = fields.Dict(keys=fields.String(), values=fields.Nested(ConnectorSchema))
    sinks = fields.Dict(keys=fields.String(), values=fields.Nested(SinkSchema))
    pull = fields.Nested(PullSchema)
    push = fields.Nested(PushSchema)
    health = fields.Nested(HealthSchema)
    api = fields.Nested(ApiSchema)
    retention = fields.Nested(RetentionSchema)


def _resolve(base: Path, path: str) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else base / candidate


def _store_url(base: Path, url: str) -> str:
    if url.startswith("sqlite:///"):
        return "sqlite:///" + str(_resolve(base, url.removeprefix("sqlite:///")))
    return url


def load_config(path: str | Path = DEFAULT_CONFIG) -> Config:
    """Read and validate the file; relative paths in it are relative to the file, not to the working directory."""
    path = Path(path)
    name = str(path)
    raw = read_toml(
        path, missing_fix=f"pass --config FILE, or create {DEFAULT_CONFIG} (the README has a complete example)."
    )
    data = load_checked(ConfigSchema(), raw, path=path, what="configuration", fixes=FIXES)
    base = path.resolve().parent
    lrs = {
        lrs_name: LrsConfig(name=lrs_name, **{k: v for k, v in values.items()})
        for lrs_name, values in data.get("lrs", {}).items()
    }
    connectors: dict[str, ConnectorConfig] = {}
    for conn_name, values in data.get("connectors", {}).items():
        if values.get("lrs") and values["lrs"] not in lrs:
            known = ", ".join(sorted(lrs)) or "none defined"
            raise ConfigError(
                f"names an LRS {values['lrs']!r} that has no [lrs.{values['lrs']}] table (known: {known}).",
                file=name,
                key=f"connectors.{conn_name}.lrs",
                fix="define that LRS or correct the name.",
            )
        connectors[conn_name] = ConnectorConfig(
            name=conn_name,
            lrs=values.get("lrs"),
            file=_resolve(base, values["file"]) if "file" in values else None,
            verb=values.get("verb"),
            activity=values.get("activity"),
            related_activities=values.get("related_activities", False),
            since=parse_timestamp(values["since"]) if "since" in values else None,
        )
    sinks: dict[str, SinkConfig] = {}
    for sink_name, values in data.get("sinks", {}).items():
        if values.get("lrs") and values["lrs"] not in lrs:
            raise ConfigError(
                f"names an LRS {values['lrs']!r} that has no [lrs.{values['lrs']}] table.",
                file=name,
                key=f"sinks.{sink_name}.lrs",
                fix="define that LRS or correct the name.",
            )
        kind = values.pop("kind")
        events = frozenset(values.pop("events", SINK_EVENTS[kind]))
        if "directory" in values:
            values["directory"] = _resolve(base, values["directory"])
        sinks[sink_name] = SinkConfig(name=sink_name, kind=kind, events=events, **values)
    store_url = _store_url(base, data.get("store", {}).get("url", DEFAULT_STORE))
    mappings = tuple(_resolve(base, mapping) for mapping in data.get("mappings", []))
    home_page = data.get("roster", {}).get("home_page")
    return Config(
        path=path,
        store_url=store_url,
        lrs=lrs,
        connectors=connectors,
        mappings=mappings,
        home_page=home_page,
        commit_every=data.get("store", {}).get("commit_every", Config.commit_every),
        intake_processes=data.get("pull", {}).get("intake_processes", Config.intake_processes),
        sinks=sinks,
        max_attempts=data.get("push", {}).get("max_attempts", 5),
        health_max_age=parse_duration(data["health"]["max_age"])
        if "max_age" in data.get("health", {})
        else DEFAULT_MAX_AGE,
        api=_api(data.get("api", {})),
        leavers_after=parse_period(data["retention"]["leavers_after"])
        if "leavers_after" in data.get("retention", {})
        else None,
    )


def _api(values: dict[str, Any]) -> ApiConfig:
    defaults = ApiConfig()
    return ApiConfig(
        tokens_env=tuple(values.get("tokens_env", ())),
        host=values.get("host", defaults.host),
        port=values.get("port", defaults.port),
        max_limit=values.get("max_limit", defaults.max_limit),
    )
