"""Who a statement is about: the identity key of its Agent actor.

A learner is known to an LRS only by an Inverse Functional Identifier (IFI): exactly one of ``mbox``,
``mbox_sha1sum``, ``openid`` or ``account``. The adapter keys everything a learner owns (history, certification
state, feed rows) by one string built from that IFI, so the string must be stable across sources and spellings:

- ``mbox:mailto:ann@example.org``: the whole mailto IRI lower-cased (``MAILTO:Ann@Example.org`` is the same
  mailbox to every mail system the adapter meets, so one learner must not become two);
- ``mbox_sha1sum:<40 lower-case hex digits>``;
- ``openid:<uri>`` as given;
- ``account:<homePage> <name>``: a space separates the two because an IRI cannot contain one, so the split is
  never ambiguous whatever the account name holds.

A Group, identified or anonymous, yields ``None``: a group completing a course is evidence for nobody in
particular, and crediting each member would certify people on someone else's behalf.
"""

from __future__ import annotations

from typing import Any


def learner_ifi(actor: dict[str, Any]) -> str | None:
    """Return the identity key of an Agent actor, or ``None`` for a Group or an actor without a usable IFI.

    Meant for actors that ``check_statement`` has accepted (exactly one well-formed IFI); on anything else it
    still never raises, and returns ``None`` when no IFI of the expected type is present.
    """
    if actor.get("objectType") == "Group":
        return None
    mbox = actor.get("mbox")
    if isinstance(mbox, str):
        return "mbox:" + mbox.lower()
    sha1 = actor.get("mbox_sha1sum")
    if isinstance(sha1, str):
        return "mbox_sha1sum:" + sha1.lower()
    openid = actor.get("openid")
    if isinstance(openid, str):
        return "openid:" + openid
    account = actor.get("account")
    if isinstance(account, dict):
        home_page = account.get("homePage")
        name = account.get("name")
        if isinstance(home_page, str) and isinstance(name, str):
            return f"account:{home_page} {name}"
    return None
