"""A database written before the ``owner`` columns existed gains them when a service starts."""

from __future__ import annotations

from sqlalchemy import inspect, text

from services.jobs.models import Base as JobsBase
from services.profiles.models import Base as ProfilesBase
from shared.db import create_schema, make_engine


def test_missing_owner_columns_are_added_to_existing_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:  # the profiles table as an earlier release created it, with a row
            conn.execute(text("CREATE TABLE profiles (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, "
                              "display_name VARCHAR(60), phone VARCHAR(200), email VARCHAR(600), "
                              "id_number VARCHAR(200), city VARCHAR(60), desired_cities JSON, education VARCHAR(20), "
                              "years_experience INTEGER, level VARCHAR(20), skills JSON, skills_text TEXT, "
                              "certificates JSON, wanted_kinds JSON, open_to_work BOOLEAN, "
                              "created_at TIMESTAMP, updated_at TIMESTAMP)"))
            conn.execute(text("INSERT INTO profiles (id, version, display_name, city) VALUES (1, 1, 'x', '杭州市')"))
        create_schema(engine, ProfilesBase.metadata)
        create_schema(engine, ProfilesBase.metadata)  # idempotent
        create_schema(engine, JobsBase.metadata)
        inspector = inspect(engine)
        assert "owner" in {c["name"] for c in inspector.get_columns("profiles")}
        assert any(ix["column_names"] == ["owner"] and ix["unique"] for ix in inspector.get_indexes("profiles"))
        assert {"audit_log", "opportunities", "training_needs"} <= set(inspector.get_table_names())
        with engine.connect() as conn:
            assert conn.execute(text("SELECT owner FROM profiles WHERE id = 1")).scalar_one() is None
    finally:
        engine.dispose()
