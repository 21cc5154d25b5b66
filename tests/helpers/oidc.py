"""A real OpenID Connect provider for the sign-in tests: npm's oidc-provider (tests/helpers/oidc_provider.mjs), run
by node on a free port of 127.0.0.1 with one client and the accounts a test gives it, stopped afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.lrs_servers import TEST_LRS_DIR
from tests.helpers.services import need_service
from tests.helpers.serving import free_port, wait_until_up

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
def oidc_provider(app_base: str, accounts: Mapping[str, Mapping[str, object]], folder: Path) -> Iterator[Provider]:
    """The provider, its client registered for the report served at `app_base`; `accounts` are login -> claims;
    its settings are written into `folder`."""
    if not (PREFIX / "node_modules" / "oidc-provider").is_dir() or shutil.which("node") is None:
        need_service(
            f"the OpenID Connect provider (node, and npm's oidc-provider in {PREFIX})",
            "Run `bash scripts/install-test-lrs.sh` (make test does).",
        )
    port = free_port()
    settings = folder / "oidc-provider.json"
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
    server = subprocess.Popen(
        ["node", str(SCRIPT), str(settings)],
        env={**os.environ, "OIDC_PROVIDER_PREFIX": str(PREFIX)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    issuer = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{issuer}/.well-known/openid-configuration", server)
        yield Provider(issuer, CLIENT_ID, CLIENT_SECRET)
    finally:
        server.terminate()
        server.wait(timeout=10)
