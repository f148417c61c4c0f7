"""The dead-letter publisher now lives in ``shared.dead_letter`` (the portal's notifier uses it too)."""

from shared.dead_letter import DeadLetterError, DeadLetters

__all__ = ["DeadLetterError", "DeadLetters"]
