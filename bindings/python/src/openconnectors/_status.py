"""The ``oc_status`` numbers of the C API, written down once for the whole package."""

from __future__ import annotations

import enum

__all__ = ["Status"]


class Status(enum.IntEnum):
    """The result of every library call: the ``oc_status`` numbers of ``openconnectors.h``.

    Member names are the C names without their prefix: ``OC_OK`` is ``Status.OK``, every
    ``OC_ERR_<NAME>`` is ``Status.<NAME>`` (``OC_ERR_API`` is ``Status.API``). The numbers never
    change; a newer library may add statuses, which this package reports as plain ``int``.
    A member compares equal to its number (``Status.API == 5``).
    """

    OK = 0
    INVALID_ARGUMENT = 1
    VALIDATION = 2
    OAUTH_DENIED = 3
    STATE_MISMATCH = 4
    API = 5
    TIMEOUT = 6
    TRANSPORT = 7
    DECODE = 8
    OUTCOME_UNKNOWN = 9
    CANCELLED = 10
    SIGNATURE = 11
    INTERNAL = 99

    @property
    def c_name(self) -> str:
        """The constant's name in C, e.g. ``"OC_ERR_API"`` (what ``oc_status_name`` returns)."""
        return "OC_OK" if self is Status.OK else f"OC_ERR_{self.name}"

    @property
    def kind(self) -> str:
        """The ``kind`` of the error document that comes with this status, e.g. ``"api"``.

        ``Status.OK`` has no error document; its ``kind`` is ``"ok"``.
        """
        return self.name.lower()
