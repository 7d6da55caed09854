"""Use cases: validate with the domain, ask DRS, write through the store, audit; one
transaction per change."""
