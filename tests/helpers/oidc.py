"""A real OpenID Connect provider for the sign-in tests: npm's oidc-provider (tests/helpers/oidc_provider.mjs), run
by node on a free port of 127.0.0.1 with one client and the accounts a test gives it, stopped afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.helpers.lrs_servers import TEST_LRS_DIR
from tests.helpers.services import need_service
from tests.helpers.serving import free_port

PREFIX = TEST_LRS_DIR / "oidc"
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
CLIENT_ID = "lrs-adapter-report"
CLIENT_SECRET = "test-client-secret-not-for-production"


@dataclass(frozen=True)
class Provider:
    issuer: str
    client_id: str
    client_secret: str


@contextmanager
def oidc_provider(app_base: str, accounts: Mapping[str, Mapping[str, object]], log: Path) -> Iterator[Provider]:
    """The provider, its client registered for the report served at `app_base`; `accounts` are login -> claims."""
    if not (PREFIX / "node_modules" / "oidc-provider").is_dir() or shutil.which("node") is None:
        need_service(
            f"the OpenID Connect provider (node, and npm's oidc-provider in {PREFIX})",
            "Run `bash scripts/install-test-lrs.sh` (make test does).",
        )
    port = free_port()
    settings = log.with_suffix(".json")
    settings.write_text(
        json.dumps(
            {
                "port": port,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{app_base}/signin/callback"],
                "post_logout_redirect_uris": [f"{app_base}/signout/done"],
                "accounts": accounts,
            }
        )
    )
    with log.open("wb") as output:
        server = subprocess.Popen(
            ["node", str(SCRIPT), str(settings)],
            env={**os.environ, "OIDC_PROVIDER_PREFIX": str(PREFIX)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    issuer = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{issuer}/.well-known/openid-configuration").raise_for_status()
                break
            except httpx.HTTPError:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"the provider did not start in 20 s: {log.read_text()}"
                time.sleep(0.1)
        yield Provider(issuer, CLIENT_ID, CLIENT_SECRET)
    finally:
        server.terminate()
        server.wait(timeout=10)
