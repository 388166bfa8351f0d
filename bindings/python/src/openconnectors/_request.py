"""Building request documents: keyword arguments left at ``None`` are left out."""

from __future__ import annotations

import math
from typing import Any


def compact(**members: Any) -> dict[str, Any]:
    """The members that are not ``None``, keyed by their JSON names."""
    return {name: value for name, value in members.items() if value is not None}


def millis(seconds: Any) -> Any:
    """Seconds as whole milliseconds; anything that is not a finite number passes through

    unchanged so that the library, not this package, reports it (as a wrong JSON type).
    A positive duration never rounds down to 0.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        return seconds
    if not math.isfinite(seconds):
        return seconds
    ms = round(seconds * 1000)
    return 1 if ms == 0 and seconds > 0 else ms
