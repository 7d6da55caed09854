"""What an execution does next, as pure functions of its state, the time and what DRS reports.

No I/O, no clock reads, no DBOS: the runner feeds observations in and performs the actions
that come out. Every public function returns a `Step`: the new state (the input is never
changed), the transitions it made and the actions to perform.
"""
