"""Rows Plant's first migration seeds, by id: the one place tests, benchmarks and tools
name them (``migrations/versions/0001_initial.py`` writes them)."""

from __future__ import annotations

from .domain.constitution import GENESIS

__all__ = [
    "GENESIS",
    "GOVERNOR_EDUCATION",
    "GOVERNOR_MARKETING",
    "GOVERNOR_SALES",
    "INDUSTRY_EDUCATION",
    "INDUSTRY_MARKETING",
    "INDUSTRY_SALES",
]

INDUSTRY_MARKETING = "1d0f5c2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
INDUSTRY_EDUCATION = "2e1a6d3f-4b5c-4d6e-9f70-8b9c0d1e2f30"
INDUSTRY_SALES = "3f2b7e40-5c6d-4e7f-a081-9c0d1e2f3041"
GOVERNOR_MARKETING = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
GOVERNOR_EDUCATION = "8d0f7780-8536-41ef-a55c-f18fd2f01bf8"
GOVERNOR_SALES = "9e108891-9647-42f0-b66d-029ae3012c09"
