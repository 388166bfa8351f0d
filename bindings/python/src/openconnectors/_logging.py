"""The library's log records, forwarded to ``logging.getLogger("openconnectors")``.

Levels: the library's 1 error, 2 warn, 3 info, 4 debug and 5 trace become ``ERROR``,
``WARNING``, ``INFO``, ``DEBUG`` and ``TRACE`` (5, below ``DEBUG``, named ``"TRACE"`` unless
another name was given to 5 already). The native logger is installed on the first call and
asks the library only for the levels that the Python logger has enabled (``isEnabledFor``,
which follows the logger's effective level and ``logging.disable``); with none enabled it is
not installed at all and records cost the library one atomic load.

Keeping in step: the logging module keeps, in each logger, a cache of the levels it found
enabled, and clears every logger's cache when any level changes (``setLevel``,
``logging.disable``). The package puts a mark of its own in that cache when it reads the
levels; each call checks that the mark is still there (one dict lookup) and reads the levels
again when it is not. ``configure_logging()`` does it on demand. Where the logging module has
no such cache (a future Python), levels are read on the first call, when a client is created,
and at each ``configure_logging()``.

A record's members become attributes of the ``LogRecord`` with the prefix ``oc_``
(``oc_method``, ``oc_path``, ``oc_status``, ``oc_durationMs``, ``oc_attempt``,
``oc_requestId``, ``oc_operation``, ``oc_target``, ``oc_level``, ``oc_message``): the prefix
keeps them from clashing with ``LogRecord``'s own attributes (``message``, ``levelname``...).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from . import _ffi
from ._json import decode

__all__ = ["FIELD_PREFIX", "LOGGER", "TRACE", "configure_logging", "refresh", "uninstall"]

LOGGER = logging.getLogger("openconnectors")
# A library's logger gets no handler but this one: without configuration, nothing is printed
# (not even warnings through logging's last resort), and applications decide where records go.
LOGGER.addHandler(logging.NullHandler())

TRACE = 5
if logging.getLevelName(TRACE) == f"Level {TRACE}":
    logging.addLevelName(TRACE, "TRACE")

FIELD_PREFIX = "oc_"

# Python level of each native level 1..5.
_LEVELS = (logging.ERROR, logging.WARNING, logging.INFO, logging.DEBUG, TRACE)

_lock = threading.Lock()
_installed = 0  # the max_level given to oc_set_logger
_stopped = False
_inside = threading.local()  # depth of _on_record in this thread
# The logging module's cache of enabled levels, in which a mark says "levels read since the
# last change". Nothing else looks the mark up: the cache is read by level number only.
_MARK = "openconnectors: levels read"
_found = getattr(LOGGER, "_cache", None)
_cache: dict[Any, Any] = _found if isinstance(_found, dict) else {}


def _on_record(_user_data: int | None, level: int, record_json: bytes | None) -> None:
    # Runs on the thread that did the work, inside the library. Nothing may escape into
    # ctypes, which would print and drop it.
    depth = getattr(_inside, "depth", 0)
    _inside.depth = depth + 1
    try:
        python_level = _LEVELS[min(max(level, 1), len(_LEVELS)) - 1]
        if record_json is not None and LOGGER.isEnabledFor(python_level):
            fields = decode(record_json)
            extra = {FIELD_PREFIX + str(name): value for name, value in fields.items()}
            message = str(fields.get("message", ""))
            where = _ffi.library_path
            record = LOGGER.makeRecord(
                LOGGER.name, python_level, where, 0, message, (), None, extra=extra
            )
            LOGGER.handle(record)
    except BaseException:
        # Nothing may escape into ctypes. logging reports its handlers' failures itself
        # (Handler.handleError); a Ctrl-C that surfaces here is raised again by the call it
        # interrupted (see _call).
        pass
    finally:
        _inside.depth = depth


_ON_RECORD = _ffi.LOG_CALLBACK(_on_record)  # alive as long as the process
_NO_LOGGER = _ffi.LOG_CALLBACK()  # NULL


def _wanted() -> int:
    for native in range(len(_LEVELS), 0, -1):
        if LOGGER.isEnabledFor(_LEVELS[native - 1]):
            return native
    return 0


def configure_logging() -> int:
    """Bring the library's logging in step with the ``openconnectors`` logger's levels now.

    Calls do this by themselves when a logger's level changed; call it after changes that
    the logging module does not announce (``logger.disabled``, or on a Python whose logging
    module keeps no cache of enabled levels). Returns the most verbose library level now
    forwarded: 0 (none), 1 error, 2 warning, 3 info, 4 debug or 5 trace. Cannot be called
    from a logging handler while it handles a record of this package (``RuntimeError``).
    """
    global _installed
    if getattr(_inside, "depth", 0):
        raise RuntimeError(
            "openconnectors.configure_logging() cannot run while a record of the library is "
            "being handled"
        )
    with _lock:
        _cache[_MARK] = True  # first: a change while reading the levels clears it again
        wanted = 0 if _stopped else _wanted()
        if wanted != _installed:
            _ffi.lib.oc_set_logger(_ON_RECORD if wanted else _NO_LOGGER, None, wanted)
            _installed = wanted
    return wanted


def refresh(always: bool = False) -> None:
    """At each call: re-read the levels when the logging module's cache was cleared (or
    ``always``, when a client is created); never inside a handler of a library record."""
    if (always or _MARK not in _cache) and not getattr(_inside, "depth", 0):
        configure_logging()


def uninstall() -> None:
    """Remove the native logger for good (at exit)."""
    global _stopped
    _stopped = True
    configure_logging()
