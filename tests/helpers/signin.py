"""The council of tests/helpers/council.py served with sign-in: `lrs-adapter serve` as a real process, signing in
with the real OpenID Connect provider of tests/helpers/oidc.py, whose accounts are the people below. Also how a
test signs in without a browser: the same redirects and forms, followed by an HTTP client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import httpx

from tests.helpers.council import DIRECTOR, LEARNER, LOOP, STRANGER, build_council_store, email
from tests.helpers.oidc import oidc_provider
from tests.helpers.serving import free_port, serving
from tests.helpers.team import MANAGER

SESSION_SECRET = "session-secret-for-tests-only-0123456789"
API_TOKEN = "signin-test-api-token"
#: login -> (roster id, the claims the provider sends). The Highways safeguarding lead is one of the Libraries'
#: loop of managers; the council-wide administrator is the stranger of tests/helpers/team.py.
ACCOUNTS: dict[str, tuple[str, dict[str, object]]] = {
    "dana": (DIRECTOR, {"email": email(DIRECTOR), "name": "Dana Director"}),
    "morgan": (MANAGER, {"email": email(MANAGER).upper(), "name": "Morgan Manager"}),  # e-mail case differs
    "ben": (LEARNER, {"email": email(LEARNER), "name": "Ben Lapsed"}),
    "lou": (LOOP[0], {"email": email(LOOP[0]), "groups": ["safeguarding-highways"]}),
    "zed": (STRANGER, {"email": email(STRANGER), "groups": ["dlo-admins", "staff"]}),
    "outsider": ("", {"email": "someone@elsewhere.example", "name": "Not Staff"}),
    "silent": ("", {"name": "No E-mail"}),
}


@dataclass(frozen=True)
class Served:
    base: str  # the report's server
    issuer: str  # the provider


@contextmanager
def served_council(directory: Path) -> Iterator[Served]:
    config = build_council_store(directory)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    claims = {login: account for login, (_, account) in ACCOUNTS.items()}
    with oidc_provider(base, claims, directory) as provider:
        with config.open("a", encoding="utf-8") as out:
            out.write(
                '[api]\ntokens_env = ["SIGNIN_TEST_API_TOKEN"]\n'
                f'[signin]\nissuer = "{provider.issuer}"\nclient_id = "{provider.client_id}"\n'
                'client_secret_env = "SIGNIN_TEST_CLIENT_SECRET"\nsession_secret_env = "SIGNIN_TEST_SESSION_SECRET"\n'
                'https_only = false\ncouncil = ["group:dlo-admins"]\n'
                '[signin.departments]\nHighways = ["group:safeguarding-highways"]\n'
            )
        env = {
            "SIGNIN_TEST_API_TOKEN": API_TOKEN,
            "SIGNIN_TEST_CLIENT_SECRET": provider.client_secret,
            "SIGNIN_TEST_SESSION_SECRET": SESSION_SECRET,
        }
        with serving(config, env, {"Authorization": f"Bearer {API_TOKEN}"}, port=port) as served:
            yield Served(served, provider.issuer)


def submit(client: httpx.Client, page: httpx.Response, fields: dict[str, str]) -> httpx.Response:
    """Submit the page's form, as a browser would, with `fields`."""
    found = re.search(r'<form[^>]*action="([^"]+)"', page.text)
    assert found, page.text
    return client.post(urljoin(str(page.url), unescape(found.group(1))), data=fields)


def sign_in(served: Served, login: str) -> tuple[httpx.Client, httpx.Response]:
    """A client that signed in as `login` (the authorization request, the provider's login and consent forms, the
    callback, each redirect followed as a browser would), and the page it ended on."""
    client = httpx.Client(base_url=served.base, follow_redirects=True, timeout=30)
    page = client.get("/signin")
    assert str(page.url).startswith(served.issuer), page.url
    page = submit(client, page, {"prompt": "login", "login": login, "password": "any"})
    if str(page.url).startswith(served.issuer) and 'value="consent"' in page.text:
        page = submit(client, page, {"prompt": "consent"})
    return client, page
