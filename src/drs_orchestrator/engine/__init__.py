"""Executions: the functional core (`engine.core`, pure) and the durable runner around it."""
