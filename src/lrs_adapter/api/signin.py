"""Sign-in to the report pages with the council's OpenID Connect provider, through authlib's Starlette client:
the authorization code flow with PKCE (S256), the ID token checked by authlib (signature against the provider's
keys, issuer, audience, nonce), then one claim (`[signin] person_claim`) names the person on the roster.

The session holds the roster id and those of the person's groups a role names, in a cookie signed with the
secret `[signin] session_secret_env` names (Starlette's SessionMiddleware, itsdangerous): the page can tell it was
not changed, and it holds no token. Who may see whom is decided again on every request (rules/audience.py), from the
roster as it stands then. Sign-out forgets the session, then asks the provider to end its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from urllib.parse import urlencode

import structlog
from authlib.integrations.starlette_client import OAuth, OAuthError
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from lrs_adapter.api.store import Store
from lrs_adapter.config import SigninConfig
from lrs_adapter.store.learners import person_named

log = structlog.get_logger()

SESSION_COOKIE = "lrs_adapter_session"
SESSION_HOURS = 8  # a working day: a manager signs in again each morning
SIGN_IN, SIGN_OUT = "/signin", "/signout"


@dataclass(frozen=True)
class Session:
    """Who signed in: their roster id, their name for the page, and those of their groups a role names."""

    person: str
    name: str
    groups: tuple[str, ...]


def signed_in(request: Request) -> Session:
    """The signed-in person, or a redirect to sign in (a browser follows it; the page is never shown without)."""
    person = request.session.get("person")
    if not isinstance(person, str):
        raise HTTPException(303, "sign in first", headers={"Location": SIGN_IN})
    return Session(person, str(request.session.get("name", person)), tuple(request.session.get("groups", ())))


def problem(status: int, text: str) -> HTMLResponse:
    """A sign-in that cannot go on, said in words a person can act on (no token, claim value or stack trace)."""
    return HTMLResponse(
        f"<!DOCTYPE html><html lang='en-GB'><title>Sign-in</title><p>{escape(text)}</p>"
        f"<p><a href='{SIGN_IN}'>Try again</a></p></html>",
        status_code=status,
    )


def session_of(claims: dict[str, object], config: SigninConfig, store: Store) -> Session | HTMLResponse:
    """The person the ID token's claims name on the roster now, or the page that says why no one is."""
    value = claims.get(config.person_claim)
    if not isinstance(value, str) or not value:
        log.warning("signin_no_person_claim", claim=config.person_claim)
        return problem(403, f"The sign-in did not say who you are ({config.person_claim}). Ask IT to send it.")
    with store.open() as db:
        person = person_named(db, config.person_by, value)
    if person is None:
        log.warning("signin_not_on_roster", claim=config.person_claim)  # the value is personal data: not logged
        return problem(403, "You signed in, but HR's roster has no current member of staff with your details.")
    # Only the groups a role names are kept: Entra ID may send hundreds, and a cookie holds 4 kB.
    entries = (*config.council, *chain(*config.departments.values()))
    wanted = {entry.removeprefix("group:") for entry in entries if entry.startswith("group:")}
    groups = claims.get(config.groups_claim)
    named = tuple(group for group in groups if group in wanted) if isinstance(groups, list) else ()
    return Session(person.id, person.name, named)


def signin_router(config: SigninConfig, store: Store) -> APIRouter:
    oauth = OAuth()
    provider = oauth.register(
        "council",
        client_id=config.client_id,
        client_secret=config.client_secret(),
        server_metadata_url=f"{config.issuer.rstrip('/')}/.well-known/openid-configuration",
        client_kwargs={"scope": config.scope, "code_challenge_method": "S256"},
    )
    router = APIRouter(include_in_schema=False)

    @router.get(SIGN_IN)
    async def sign_in(request: Request) -> Response:
        request.session.clear()  # a new sign-in starts a new session: nothing carried over from before
        redirect: Response = await provider.authorize_redirect(request, str(request.url_for("signed_in_callback")))
        return redirect

    @router.get(f"{SIGN_IN}/callback", name="signed_in_callback")
    async def callback(request: Request) -> Response:
        try:
            token = await provider.authorize_access_token(request)
        except OAuthError as error:  # refused at the provider, a replayed or forged state, a bad ID token
            log.warning("signin_failed", error=error.error)
            return problem(400, "The sign-in did not complete. Please try again.")
        found = session_of(token.get("userinfo") or {}, config, store)
        if isinstance(found, HTMLResponse):
            return found
        request.session.clear()
        request.session.update(person=found.person, name=found.name, groups=list(found.groups))
        log.info("signed_in", person=found.person)
        return RedirectResponse("/report", status_code=303)

    @router.get(SIGN_OUT)
    async def sign_out(request: Request) -> Response:
        person = request.session.get("person")
        request.session.clear()
        if person:
            log.info("signed_out", person=person)
        metadata = await provider.load_server_metadata()
        back = str(request.url_for("signed_out"))
        if end := metadata.get("end_session_endpoint"):
            query = urlencode({"client_id": config.client_id, "post_logout_redirect_uri": back})
            return RedirectResponse(f"{end}?{query}", status_code=303)
        return RedirectResponse(back, status_code=303)

    @router.get(f"{SIGN_OUT}/done", name="signed_out")
    def signed_out() -> HTMLResponse:
        return HTMLResponse(
            "<!DOCTYPE html><html lang='en-GB'><title>Signed out</title><p>You have signed out.</p>"
            f"<p><a href='{SIGN_IN}'>Sign in again</a></p></html>"
        )

    return router
