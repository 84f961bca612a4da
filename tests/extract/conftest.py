"""Fixtures for extraction tests: the seed articles, and a fresh database for real processes."""

from pathlib import Path

import pytest

from tests.imports.conftest import count, empty_database, fresh_database

__all__ = ["count", "empty_database", "fresh_database"]

SEEDS = Path(__file__).resolve().parents[2] / "tests" / "extract" / "articles"


@pytest.fixture
def seed_articles() -> dict[str, str]:
    """The two seed articles' text, by file name."""
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))}
