"""A throwaway PostgreSQL database for one benchmark run (created, migrated by the caller, dropped)."""

from __future__ import annotations

import os
import sys


class BenchDatabase:
    """``<db>_<name>`` on the server of DATABASE_URL; Django is set up against it on creation."""

    def __init__(self, admin_url: str, server: str, name: str):
        self.admin_url = admin_url
        self.server = server
        self.name = name
        self.reused = False  # an earlier run's database (kept with --keep) was opened as it is

    @classmethod
    def create(cls, suffix: str, *, reuse: bool = False) -> BenchDatabase:
        base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        if not base.startswith("postgres"):
            sys.exit(f"{suffix} needs DATABASE_URL pointing at PostgreSQL")
        import psycopg

        server, db = base.rsplit("/", 1)
        database = cls(server + "/postgres", server, f"{db}_{suffix}")
        with psycopg.connect(database.admin_url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database.name]).fetchone()
            database.reused = bool(reuse and exists)
            if not database.reused:
                conn.execute(f"DROP DATABASE IF EXISTS {database.name}")
                conn.execute(f"CREATE DATABASE {database.name}")
        os.environ["DATABASE_URL"] = f"{server}/{database.name}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
        import django

        django.setup()
        return database

    def drop(self) -> None:
        import psycopg
        from django.db import connections

        connections.close_all()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
