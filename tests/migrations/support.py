"""What every test of a database-owning service does first: bring its database to the head revision."""

from __future__ import annotations

from shared.migrations import service_package, upgrade


def migrated(database_url: str, service: str) -> str:
    """Upgrade ``database_url`` with ``service``'s migrations (as ``talentmatch up`` does); return the URL."""
    upgrade(database_url, service_package(service))
    return database_url
