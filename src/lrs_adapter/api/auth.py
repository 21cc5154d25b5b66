"""Bearer tokens, from the environment variables the config names, compared in constant time: a client learns
nothing from how long a wrong token takes to refuse, and nothing about which token exists."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

UNAUTHORIZED: dict[int | str, dict[str, Any]] = {401: {"description": "No bearer token, or not a valid one."}}


def bearer_auth(tokens: Sequence[str]) -> Callable[..., None]:
    wanted = [token.encode() for token in tokens]
    scheme = HTTPBearer(auto_error=False, description="A token from one of the variables [api] tokens_env names.")

    def require_token(credentials: HTTPAuthorizationCredentials | None = Depends(scheme)) -> None:  # noqa: B008
        given = credentials.credentials.encode() if credentials else b""
        matched = False
        for token in wanted:  # every token compared, whichever matches
            matched |= hmac.compare_digest(given, token)
        if not (credentials and matched):
            raise HTTPException(401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"})

    return require_token
