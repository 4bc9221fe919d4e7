"""Money as CP stores it: whole micro-dollars (``int``), so sums are exact; the API shows
US dollars. (Timestamps and canonical JSON: :mod:`waooaw.services.common.values`.)"""

from __future__ import annotations

__all__ = ["MICROS", "usd"]

MICROS = 1_000_000


def usd(micros: int) -> float:
    """Micro-dollars as dollars (a float, at most six decimals)."""
    return round(micros / MICROS, 6)
