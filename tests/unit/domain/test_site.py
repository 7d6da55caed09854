"""The round trip's state machine: no illegal transition is accepted, what is refused changes
nothing, and the way home is the only way back to protected once recovered."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from drs_orchestrator.domain.errors import Conflict
from drs_orchestrator.domain.site import (
    STARTS,
    TRANSITIONS,
    SiteAction,
    SiteEvent,
    SiteState,
    advance,
    check_action,
    next_actions,
)

pytestmark = pytest.mark.unit

ROUND_TRIP = [
    SiteEvent.RECOVERY_STARTED,
    SiteEvent.RECOVERY_ENDED,
    SiteEvent.REPROTECT_STARTED,
    SiteEvent.REPLICATION_SYNCED,
    SiteEvent.FAILBACK_STARTED,
    SiteEvent.FAILBACK_ENDED,
    SiteEvent.REPROTECT_STARTED,
    SiteEvent.REPLICATION_SYNCED,
]


def test_the_round_trip_comes_home_protected() -> None:
    state = SiteState.PROTECTED
    seen = [state]
    for event in ROUND_TRIP:
        state = advance(state, event)
        seen.append(state)
    assert seen == [
        SiteState.PROTECTED,
        SiteState.RECOVERING,
        SiteState.RECOVERED,
        SiteState.REPROTECTING,
        SiteState.REPROTECTED,
        SiteState.FAILING_BACK,
        SiteState.FAILED_BACK,
        SiteState.RESTORING,
        SiteState.PROTECTED,
    ]


def test_failback_is_refused_until_every_server_replicates_back() -> None:
    for state in (SiteState.RECOVERED, SiteState.REPROTECTING, SiteState.PROTECTED):
        with pytest.raises(Conflict) as refused:
            check_action(state, SiteAction.FAILBACK)
        assert refused.value.code == "SITE_STATE_CONFLICT"
        assert state.value in refused.value.message
    check_action(SiteState.REPROTECTED, SiteAction.FAILBACK)


def test_nothing_may_be_started_while_a_recovery_or_failback_runs() -> None:
    assert next_actions(SiteState.RECOVERING) == frozenset()
    assert next_actions(SiteState.FAILING_BACK) == frozenset()
    assert next_actions(SiteState.REPROTECTED) == {SiteAction.FAILBACK, SiteAction.FAILBACK_DRILL}


class SiteMachine(RuleBasedStateMachine):
    """Events thrown at random: the model (the table) and `advance` agree on each."""

    def __init__(self) -> None:
        super().__init__()
        self.state = SiteState.PROTECTED
        self.history: list[SiteState] = [self.state]

    @rule(event=st.sampled_from(list(SiteEvent)))
    def happen(self, event: SiteEvent) -> None:
        before = self.state
        expected = TRANSITIONS.get((before, event))
        if expected is None:
            with pytest.raises(Conflict):
                advance(before, event)
            assert self.state == before
            return
        self.state = advance(before, event)
        assert self.state == expected
        self.history.append(self.state)

    @rule(action=st.sampled_from(list(SiteAction)))
    def operator(self, action: SiteAction) -> None:
        allowed = action in next_actions(self.state)
        if not allowed:
            with pytest.raises(Conflict):
                check_action(self.state, action)
            return
        check_action(self.state, action)
        if action in STARTS:
            self.state = advance(self.state, STARTS[action])
            self.history.append(self.state)

    @invariant()
    def failing_back_follows_reprotected(self) -> None:
        for before, after in zip(self.history, self.history[1:], strict=False):
            if after == SiteState.FAILING_BACK:
                assert before == SiteState.REPROTECTED
            if after == SiteState.PROTECTED and before != SiteState.PROTECTED:
                # home again only by restoring the original direction, or by launching nothing
                assert before in {SiteState.RESTORING, SiteState.RECOVERING}

    @invariant()
    def in_motion_means_no_operator_action(self) -> None:
        if self.state in {SiteState.RECOVERING, SiteState.FAILING_BACK}:
            assert next_actions(self.state) == frozenset()


TestSiteMachine = SiteMachine.TestCase


@given(st.lists(st.sampled_from(list(SiteEvent)), max_size=30))
def test_every_state_reached_has_a_way_on(events: list[SiteEvent]) -> None:
    state = SiteState.PROTECTED
    for event in events:
        try:
            state = advance(state, event)
        except Conflict:
            continue
        # from anywhere, some event leads on: no state is a dead end
        assert any((state, e) in TRANSITIONS for e in SiteEvent)
