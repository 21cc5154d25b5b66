"""Agents and Groups wherever a statement holds them: actor, object, instructor, team, authority, members.

The adapter keys a learner by the actor's Inverse Functional Identifier, so these checks are the strict ones:
exactly one IFI for an Agent, each IFI well formed (xAPI 1.0.3 Data 2.4.2). Properties outside the Agent and
Group definitions are tolerated: they carry nothing the adapter reads, and the conformance suite does not ask
an LRS to reject them.
"""

from __future__ import annotations

from typing import Any

from lrs_adapter.model.identifiers import identifier_fault
from lrs_adapter.xapi.formats import StatementInvalid, iri_fault, mbox_fault, require_object, sha1_fault, show

_ABSENT: Any = object()
_IFIS = ("mbox", "mbox_sha1sum", "openid", "account")


def _check_ifi(actor: dict[str, Any], path: str) -> str | None:
    """Validate the IFI properties present; return the name of the single one, ``None`` when there is none."""
    found: str | None = None
    for key in _IFIS:
        if key in actor:
            if found is not None:
                raise StatementInvalid(
                    f"{path}.{key}", f"'{found}' already identifies this actor; exactly one identifier is allowed"
                )
            found = key
    if found is None:
        return None
    value = actor[found]
    if found == "account":
        _check_account(value, path)
        return found
    if found == "mbox":
        fault = mbox_fault(value)
    elif found == "mbox_sha1sum":
        fault = sha1_fault(value)
    else:
        fault = iri_fault(value)
    if fault is not None:
        raise StatementInvalid(f"{path}.{found}", fault)
    return found


def _check_account(account: object, actor_path: str) -> None:
    if type(account) is not dict:
        raise StatementInvalid(f"{actor_path}.account", f"must be an account object, not {show(account)}")
    home_page = account.get("homePage", _ABSENT)
    if home_page is _ABSENT:
        raise StatementInvalid(f"{actor_path}.account.homePage", "missing: an account needs its homePage")
    if (fault := iri_fault(home_page)) is not None:
        raise StatementInvalid(f"{actor_path}.account.homePage", fault)
    name = account.get("name", _ABSENT)
    if name is _ABSENT:
        raise StatementInvalid(f"{actor_path}.account.name", "missing: an account needs its name")
    if type(name) is not str or not name:
        raise StatementInvalid(f"{actor_path}.account.name", f"must be a non-empty string, not {show(name)}")


def check_learner(actor: dict[str, Any], path: str) -> None:
    """The identifier of an actor checked by `check_actor`, held to the rule for a learner's identifier
    (model/identifiers.py) when it is an Agent: it becomes the learner's key, and an account name on the roster's
    homePage their id. A Group is nobody's learner (xapi/identity.py).

    The conformance suite's identifiers are all plain text, so no statement it accepts is refused here.
    """
    if actor.get("objectType") == "Group":
        return
    if "account" in actor:
        account = actor["account"]
        for key in ("homePage", "name"):
            if (fault := identifier_fault(account[key])) is not None:
                raise StatementInvalid(f"{path}.account.{key}", f"{show(account[key])} {fault}")
        return
    for key in ("mbox", "openid"):
        if key in actor and (fault := identifier_fault(actor[key])) is not None:
            raise StatementInvalid(f"{path}.{key}", f"{show(actor[key])} {fault}")


def check_agent(agent: object, path: str) -> None:
    """An Agent: ``objectType`` absent or exactly ``Agent``, exactly one IFI, ``name`` a string."""
    _check_agent_body(require_object(agent, path, "an Agent"), path)


def _check_agent_body(agent: dict[str, Any], path: str) -> None:
    object_type = agent.get("objectType", _ABSENT)
    if object_type is not _ABSENT and object_type != "Agent":
        raise StatementInvalid(f"{path}.objectType", f"must be 'Agent' or 'Group' here, not {show(object_type)}")
    if "name" in agent and type(agent["name"]) is not str:
        raise StatementInvalid(f"{path}.name", f"must be a string, not {show(agent['name'])}")
    if _check_ifi(agent, path) is None:
        raise StatementInvalid(path, "an Agent needs exactly one of mbox, mbox_sha1sum, openid, account")


def check_group(group: dict[str, Any], path: str) -> bool:
    """A Group (``objectType`` already known to be ``Group``); return whether it is identified by an IFI.

    An anonymous Group must list its members; every member, of either kind of Group, is a valid Agent (a Group
    cannot contain Groups).
    """
    if "name" in group and type(group["name"]) is not str:
        raise StatementInvalid(f"{path}.name", f"must be a string, not {show(group['name'])}")
    identified = _check_ifi(group, path) is not None
    members = group.get("member", _ABSENT)
    if members is _ABSENT:
        if not identified:
            raise StatementInvalid(f"{path}.member", "missing: an anonymous Group must list its members")
        return True
    if type(members) is not list:
        raise StatementInvalid(f"{path}.member", f"must be an array of Agents, not {show(members)}")
    for index, member in enumerate(members):
        if type(member) is not dict:
            raise StatementInvalid(f"{path}.member[{index}]", f"must be an Agent object, not {show(member)}")
        if member.get("objectType") == "Group":
            raise StatementInvalid(f"{path}.member[{index}].objectType", "a Group cannot contain a Group")
        try:
            _check_agent_body(member, "")
        except StatementInvalid as error:
            raise error.within(f"{path}.member[{index}]") from None
    return identified


def check_actor(actor: object, path: str) -> bool:
    """An Agent or a Group (``actor``, ``context.instructor``); return whether it is a Group."""
    actor = require_object(actor, path, "an Agent or Group")
    if actor.get("objectType") == "Group":
        check_group(actor, path)
        return True
    _check_agent_body(actor, path)
    return False


def check_team(team: object, path: str) -> None:
    """``context.team`` must be a Group."""
    team = require_object(team, path, "a Group")
    if team.get("objectType") != "Group":
        raise StatementInvalid(f"{path}.objectType", "a team must be a Group (objectType 'Group')")
    check_group(team, path)


def check_authority(authority: object, path: str) -> None:
    """``authority``: an Agent, or an OAuth pair as an anonymous Group of exactly two members (Data 2.4.9)."""
    authority = require_object(authority, path, "an Agent or Group")
    if authority.get("objectType") != "Group":
        _check_agent_body(authority, path)
        return
    if check_group(authority, path):
        raise StatementInvalid(path, "a Group authority must be anonymous (no identifier)")
    if len(authority["member"]) != 2:
        raise StatementInvalid(f"{path}.member", "a Group authority must have exactly two members")
