"""Event contracts and topic registry (the one place they are defined)."""
