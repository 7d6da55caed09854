"""The operators' model: protection groups, recovery plans, roles, lint. Pure: no I/O, no clock."""
