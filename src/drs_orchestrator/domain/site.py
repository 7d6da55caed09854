"""Where a plan's workloads stand in the round trip of a disaster, and what may be done next.

One table decides it: a plan is protected (replicating into the recovery region), recovered
(running there), reprotected (replicating back), failed back (running at its origin again)
and protected once more. `advance` accepts an event only where the table has it, and
`next_actions` is what an operator may start in a state: the one rule for whatever shows or
starts the way home.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from drs_orchestrator.domain.errors import Conflict


class SiteState(StrEnum):
    PROTECTED = "PROTECTED"  # replicating into the recovery region
    RECOVERING = "RECOVERING"  # a recovery runs
    RECOVERED = "RECOVERED"  # running in the recovery region; nothing protects it
    REPROTECTING = "REPROTECTING"  # replicating back, not yet all continuous
    REPROTECTED = "REPROTECTED"  # every server replicates back: ready to fail back
    FAILING_BACK = "FAILING_BACK"  # a failback runs
    FAILED_BACK = "FAILED_BACK"  # running at the origin again; not yet protected
    RESTORING = "RESTORING"  # replicating into the recovery region again, not yet continuous


class SiteEvent(StrEnum):
    """What moves a plan: an operator's start of something, or DRS's news of its end."""

    RECOVERY_STARTED = "RECOVERY_STARTED"
    RECOVERY_ENDED = "RECOVERY_ENDED"  # something was launched: the workloads run there
    RECOVERY_LAUNCHED_NOTHING = "RECOVERY_LAUNCHED_NOTHING"
    REPROTECT_STARTED = "REPROTECT_STARTED"
    REPLICATION_SYNCED = "REPLICATION_SYNCED"  # every server's replication is continuous
    FAILBACK_STARTED = "FAILBACK_STARTED"
    FAILBACK_ENDED = "FAILBACK_ENDED"  # every server runs at its origin again
    FAILBACK_INCOMPLETE = "FAILBACK_INCOMPLETE"  # some did not: still reprotected


class SiteAction(StrEnum):
    """What an operator may start (the API's and CLI's names)."""

    RECOVER = "recover"
    REPROTECT = "reprotect"  # replicate back; after a failback, in the original direction
    FAILBACK = "failback"
    FAILBACK_DRILL = "failback-drill"  # launches drill instances at the origin; moves nothing


_S, _E = SiteState, SiteEvent

# (state, event) -> the state it leads to. Anything absent is refused.
TRANSITIONS: Mapping[tuple[SiteState, SiteEvent], SiteState] = {
    (_S.PROTECTED, _E.RECOVERY_STARTED): _S.RECOVERING,
    (_S.RECOVERED, _E.RECOVERY_STARTED): _S.RECOVERING,  # again, for what did not launch
    (_S.RECOVERING, _E.RECOVERY_ENDED): _S.RECOVERED,
    (_S.RECOVERING, _E.RECOVERY_LAUNCHED_NOTHING): _S.PROTECTED,
    (_S.RECOVERED, _E.REPROTECT_STARTED): _S.REPROTECTING,
    (_S.REPROTECTING, _E.REPROTECT_STARTED): _S.REPROTECTING,  # retried for the stalled
    (_S.REPROTECTING, _E.REPLICATION_SYNCED): _S.REPROTECTED,
    (_S.REPROTECTED, _E.FAILBACK_STARTED): _S.FAILING_BACK,
    (_S.FAILING_BACK, _E.FAILBACK_ENDED): _S.FAILED_BACK,
    (_S.FAILING_BACK, _E.FAILBACK_INCOMPLETE): _S.REPROTECTED,
    (_S.FAILED_BACK, _E.REPROTECT_STARTED): _S.RESTORING,
    (_S.RESTORING, _E.REPROTECT_STARTED): _S.RESTORING,
    (_S.RESTORING, _E.REPLICATION_SYNCED): _S.PROTECTED,
}

# The event each action starts with.
STARTS: Mapping[SiteAction, SiteEvent] = {
    SiteAction.RECOVER: SiteEvent.RECOVERY_STARTED,
    SiteAction.REPROTECT: SiteEvent.REPROTECT_STARTED,
    SiteAction.FAILBACK: SiteEvent.FAILBACK_STARTED,
}

# States where something of ours runs: DRS's news ends them, not an operator.
IN_MOTION = frozenset({_S.RECOVERING, _S.FAILING_BACK})
# States where the workloads run in the recovery region (what a drill there would disturb).
AWAY = frozenset({_S.RECOVERED, _S.REPROTECTING, _S.REPROTECTED, _S.FAILING_BACK})

_LABELS: Mapping[SiteState, str] = {
    _S.PROTECTED: "Protected",
    _S.RECOVERING: "Recovering",
    _S.RECOVERED: "Recovered, not protected",
    _S.REPROTECTING: "Reprotecting",
    _S.REPROTECTED: "Reprotected, ready to fail back",
    _S.FAILING_BACK: "Failing back",
    _S.FAILED_BACK: "Failed back, not protected",
    _S.RESTORING: "Protecting in the original direction",
}


def label(state: SiteState) -> str:
    return _LABELS[state]


def advance(state: SiteState, event: SiteEvent) -> SiteState:
    """The state `event` leads to; a Conflict (nothing changes) where the table has none."""
    after = TRANSITIONS.get((state, event))
    if after is None:
        raise Conflict(
            "SITE_STATE_CONFLICT",
            f"The plan is {label(state).lower()} ({state}): {event} cannot happen now",
        )
    return after


def next_actions(state: SiteState) -> frozenset[SiteAction]:
    """What an operator may start now."""
    allowed = {a for a, e in STARTS.items() if (state, e) in TRANSITIONS}
    if state == SiteState.REPROTECTED:
        allowed.add(SiteAction.FAILBACK_DRILL)
    return frozenset(allowed)


def check_action(state: SiteState, action: SiteAction) -> None:
    """Raises the Conflict that refuses `action` in `state` (the reason, and what may be done)."""
    if action in next_actions(state):
        return
    may = ", ".join(sorted(a.value for a in next_actions(state))) or "nothing until it ends"
    raise Conflict(
        "SITE_STATE_CONFLICT",
        f"The plan is {label(state).lower()} ({state}): it cannot {action.value} now; "
        f"it may: {may}",
    )
