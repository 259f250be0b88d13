"""A PostgreSQL database of a bench's own, made fresh and dropped after."""

from __future__ import annotations

import os
from dataclasses import dataclass

import psycopg

ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)


@dataclass(frozen=True)
class ScratchDatabase:
    name: str

    @property
    def url(self) -> str:
        return ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"

    def create(self) -> None:
        """Drop whatever a stopped run left under the name, then make it anew."""
        self.drop()
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {self.name}")

    def drop(self) -> None:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
