"""Trial lifecycle: statuses, the transitions between them, and time left.

::

    active ──(7 days pass)──────► completed ──(convert)──► converted
       │ └──(cancel)──► cancelled
       └────(convert)────────────────────────────────────► converted

``effective_status`` is what every read shows: an ``active`` trial whose ``expires_at``
has passed is ``completed`` whether or not the sweeper has recorded it yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

__all__ = [
    "ACTIVE",
    "CANCELLED",
    "COMPLETED",
    "CONVERTED",
    "STATUSES",
    "TRANSITIONS",
    "TRIAL_DAYS",
    "TRIAL_LENGTH",
    "TimeLeft",
    "can_change",
    "effective_status",
    "time_left",
]

ACTIVE: Final = "active"
COMPLETED: Final = "completed"
CONVERTED: Final = "converted"
CANCELLED: Final = "cancelled"
STATUSES: Final = (ACTIVE, COMPLETED, CONVERTED, CANCELLED)
TRIAL_DAYS: Final = 7
TRIAL_LENGTH: Final = timedelta(days=TRIAL_DAYS)

#: status -> the statuses it may change to; anything else is a 409
TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    ACTIVE: frozenset({COMPLETED, CANCELLED, CONVERTED}),
    COMPLETED: frozenset({CONVERTED}),
    CONVERTED: frozenset(),
    CANCELLED: frozenset(),
}


def effective_status(stored: str, expires_at: datetime, at: datetime) -> str:
    if stored == ACTIVE and expires_at <= at:
        return COMPLETED
    return stored


def can_change(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


@dataclass(frozen=True, slots=True)
class TimeLeft:
    total_seconds: int
    days: int
    hours: int
    minutes: int

    @property
    def label(self) -> str:
        if self.total_seconds <= 0:
            return "Trial ended"
        parts: list[str] = []
        if self.days:
            parts.append(f"{self.days} day{'s' if self.days != 1 else ''}")
        if self.hours:
            parts.append(f"{self.hours} hour{'s' if self.hours != 1 else ''}")
        if not self.days and (self.minutes or not parts):
            parts.append(f"{self.minutes} minute{'s' if self.minutes != 1 else ''}")
        return " ".join(parts) + " remaining"


def time_left(status: str, expires_at: datetime, at: datetime) -> TimeLeft:
    """Whole seconds until ``expires_at`` while active; zero otherwise."""
    seconds = int((expires_at - at).total_seconds()) if status == ACTIVE else 0
    seconds = max(0, seconds)
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    return TimeLeft(seconds, days, hours, rest // 60)
