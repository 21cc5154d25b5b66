"""Agents and Groups wherever a statement holds them: actor, object, instructor, team, authority, members.

The adapter keys a learner by the actor's Inverse Functional Identifier, so these checks are the strict ones:
exactly one IFI for an Agent, each IFI well formed (xAPI 1.0.3 Data 2.4.2). Properties outside the Agent and
Group definitions are tolerated: they carry nothing the adapter reads, and the conformance suite does not ask
an LRS to reject them.
"""

from __future__ import annotations

from typing import Any

from lrs_adapter.xapi.formats import (
    StatementInvalid,
    check_iri,
    check_mbox,
    check_sha1,
    require_object,
    require_string,
    show,
)

_ABSENT: Any = object()
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _check_ifi(actor: dict[str, Any], path: str) -> str | None:
    """Validate the IFI properties present; return the name of the single one, ``None`` when there is none."""
    found: str | None = None
    for key in _IFIS:
        if key in actor:
            if found is not None:
                raise StatementInvalid(
                    f"{path}.{key}",
                    f"'{found}' already identifies this actor; exactly one identifier is allowed",
                )
            found = key
    if found is None:
        return None
    value = actor[found]
    if found == "mbox":
        check_mbox(value, f"{path}.mbox")
    elif found == "mbox_sha1sum":
        check_sha1(value, f"{path}.mbox_sha1sum")
    elif found == "openid":
        check_iri(value, f"{path}.openid")
    else:
        account = require_object(value, f"{path}.account", "an account")
        if "homePage" not in account:
            raise StatementInvalid(f"{path}.account.homePage", "missing: an account needs its homePage")
        check_iri(account["homePage"], f"{path}.account.homePage")
        if "name" not in account:
            raise StatementInvalid(f"{path}.account.name", "missing: an account needs its name")
        name = account["name"]
        if type(name) is not str or not name:
            raise StatementInvalid(f"{path}.account.name", f"must be a non-empty string, not {show(name)}")
    return found


def check_agent(agent: object, path: str) -> None:
    """An Agent: ``objectType`` absent or exactly ``Agent``, exactly one IFI, ``name`` a string."""
    agent = require_object(agent, path, "an Agent")
    object_type = agent.get("objectType", _ABSENT)
    if object_type is not _ABSENT and object_type != "Agent":
        raise StatementInvalid(f"{path}.objectType", f"must be 'Agent' here, not {show(object_type)}")
    if "name" in agent:
        require_string(agent["name"], f"{path}.name")
    if _check_ifi(agent, path) is None:
        raise StatementInvalid(path, "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account")


def check_group(group: dict[str, Any], path: str) -> bool:
    """A Group (``objectType`` already known to be ``Group``); return whether it is identified by an IFI.

    An anonymous Group must list its members; every member, of either kind of Group, is a valid Agent (a Group
    cannot contain Groups).
    """
    if "name" in group:
        require_string(group["name"], f"{path}.name")
    identified = _check_ifi(group, path) is not None
    members = group.get("member", _ABSENT)
    if members is _ABSENT:
        if not identified:
            raise StatementInvalid(f"{path}.member", "missing: an anonymous Group must list its members")
        return True
    if type(members) is not list:
        raise StatementInvalid(f"{path}.member", f"must be an array of Agents, not {show(members)}")
    for index, member in enumerate(members):
        check_agent(member, f"{path}.member[{index}]")
    return identified


def check_actor(actor: object, path: str) -> bool:
    """An Agent or a Group (``actor``, ``context.instructor``); return whether it is a Group."""
    actor = require_object(actor, path, "an Agent or Group")
    if actor.get("objectType") == "Group":
        check_group(actor, path)
        return True
    check_agent(actor, path)
    return False


def check_team(team: object, path: str) -> None:
    """``context.team`` must be a Group."""
    team = require_object(team, path, "a Group")
    if team.get("objectType") != "Group":
        raise StatementInvalid(f"{path}.objectType", "context.team must be a Group (objectType 'Group')")
    check_group(team, path)


def check_authority(authority: object, path: str) -> None:
    """``authority``: an Agent, or an OAuth pair as an anonymous Group of exactly two members (Data 2.4.9)."""
    authority = require_object(authority, path, "an Agent or Group")
    if authority.get("objectType") != "Group":
        check_agent(authority, path)
        return
    if check_group(authority, path):
        raise StatementInvalid(path, "a Group authority must be anonymous (no identifier)")
    if len(authority["member"]) != 2:
        raise StatementInvalid(f"{path}.member", "a Group authority must have exactly two members")
