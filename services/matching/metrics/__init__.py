"""Operators' figures of matching: a store fed by the events, the operator API, the dashboard, feedback."""
