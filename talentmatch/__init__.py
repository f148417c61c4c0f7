"""Developer tooling: the ``talentmatch`` command, the embedded local stack and the demo data."""
