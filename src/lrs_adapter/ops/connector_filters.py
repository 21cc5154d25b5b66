"""Can the connectors' xAPI filters (`verb`, `activity`, `related_activities`) feed the mappings?

A connector that pulls one verb or one activity is a sensible way to take less from a busy LRS, and a silent way to
certify nobody: the README's old sample pulled `completed` on the e-learning course, while the mapping completes that
course on `completed` AND `passed` (cmi5's moveOn) and every other option on other verbs and activities. `check`
reads each option's routes against every connector's filters and names each option that no connector lets through
what it needs, with the filter that shuts it out.

An activity filter is judged by what the mapping names: a component is reachable through `activity = A` when one of
its activity rules accepts A in a place the filter looks at (the object; with `related_activities`, the context's
activities too). A statement could carry A somewhere a mapping does not ask about, but nothing says it will.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lrs_adapter.config import ConnectorConfig
from lrs_adapter.mapping.model import PLACES, ActivityRule, Component, Mapping, Option


@dataclass(frozen=True)
class Blocked:
    """An option that can never complete from what the connectors pull, and for each component it cannot get, why."""

    certification: str
    option: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"mapping {self.certification}: WARNING: option {self.option} can never complete from what the"
            f" connectors pull ({' | '.join(self.reasons)}). Fix: drop or widen those filters (a mapping takes what it"
            " needs from all that is pulled), or add a connector that pulls it."
        )


def _needed_verbs(component: Component) -> tuple[str, ...]:
    """The verbs a component's statements carry: any one of `verbs`, or both of a presence's join and leave."""
    if component.presence is not None:
        return (component.presence.join, component.presence.leave)
    return tuple(sorted(component.verbs))


def _accepts(rule: ActivityRule, iri: str) -> bool:
    return iri.startswith(rule.iri) if rule.prefix else iri == rule.iri


def _activity_passes(connector: ConnectorConfig, component: Component) -> bool:
    """Whether statements with `connector.activity` where the filter looks can meet the component's activity rules."""
    activity = connector.activity
    if activity is None or not component.activities:
        return True
    looked_at = PLACES if connector.related_activities else ("object",)
    named = any(_accepts(rule, activity) for rule in component.activities if set(rule.places) & set(looked_at))
    # Without related activities the object IS the filter's activity, so a rule that only looks at the object must
    # accept it.
    object_only = [rule for rule in component.activities if rule.places == ("object",)]
    return named and (connector.related_activities or all(_accepts(rule, activity) for rule in object_only))


def shut_out_by(connector: ConnectorConfig, component: Component) -> str | None:
    """What in this connector's filters lets through no statement the component needs; None when some can pass
    (an export file is read whole: its connector's filters apply to an LRS query only)."""
    if connector.file is not None:
        return None
    verbs = _needed_verbs(component)
    blocked = []
    if connector.verb is not None and (
        (component.presence is not None and set(verbs) != {connector.verb}) or connector.verb not in verbs
    ):
        wanted = " and ".join(verbs) if component.presence is not None else " or ".join(verbs)
        blocked.append(f"verb {connector.verb}, not {wanted}")
    if not _activity_passes(connector, component):
        related = " and its related activities" if connector.related_activities else ""
        wanted = " or ".join(f"{rule.iri}{'*' if rule.prefix else ''}" for rule in component.activities)
        blocked.append(f"activity {connector.activity}{related}, not {wanted}")
    return f"connector {connector.name} pulls only {'; and '.join(blocked)}" if blocked else None


def _why_not(component: Component, connectors: Sequence[ConnectorConfig]) -> str | None:
    """None when some connector can feed the component (a register row needs none), else why none can."""
    if component.register:
        return None
    reasons = [shut_out_by(connector, component) for connector in connectors]
    if any(reason is None for reason in reasons):
        return None
    return f"component {component.id}: {'; '.join(reason for reason in reasons if reason)}"


def _blocked_option(certification: str, option: Option, connectors: Sequence[ConnectorConfig]) -> Blocked | None:
    why = {name: _why_not(component, connectors) for name, component in option.components.items()}
    if any(all(why[name] is None for name in route) for route in option.routes):
        return None
    reasons = dict.fromkeys(reason for route in option.routes for name in route if (reason := why[name]))
    return Blocked(certification, option.id, tuple(reasons))


def blocked_options(mappings: Sequence[Mapping], connectors: Sequence[ConnectorConfig]) -> list[Blocked]:
    """Every option of every mapping that no route of can complete from what the connectors pull (none when there
    are no connectors: then nothing is pulled at all, which `check` does not call a filter's fault)."""
    if not connectors:
        return []
    return [
        blocked
        for mapping in mappings
        for option in mapping.options.values()
        if (blocked := _blocked_option(mapping.certification.id, option, connectors)) is not None
    ]
