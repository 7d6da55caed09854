"""Execution reports (the evidence of a drill or recovery) and RTO analytics."""
