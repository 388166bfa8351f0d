"""The library's JSON text into Python objects: ``decode``.

Decoding the result is most of what a call costs in Python: on the development machine the
standard library's decoder takes 11 to 16 us for a 1.7 KB instance document, when ctypes and
the package together take a few. When msgspec is installed (``pip install
"openconnectors[speedups]"``), ``decode`` uses its JSON decoder: about 4.5 us for the same
document. Whichever decoder runs, a call returns the same objects.

msgspec reads JSON as the standard library does (exact integers of any size, correctly rounded
floats, the last of members named twice), except that it refuses what is not JSON but the
standard library accepts: ``NaN``, ``Infinity``, numbers beyond a double's range (``1e400``),
lone surrogates (``"\\ud800"``); the platform may send them (the library passes its documents
on as they came). Whatever msgspec refuses, or finds nested too deep for the interpreter's
recursion limit, goes to the standard library, which reads it or raises (the caller reports a
``DecodeError``). The tests compare both decoders on such texts, on random numbers and on
everything the library says in a session.
"""

from __future__ import annotations

import json
from typing import Any, Callable

__all__ = ["decode", "decode_with_msgspec", "decode_with_stdlib", "msgspec_decode"]

_decoder = json.JSONDecoder()
_raw_decode = _decoder.raw_decode
_full_decode = _decoder.decode


def decode_with_stdlib(data: bytes) -> Any:
    """``data`` (UTF-8 JSON text) decoded by the standard library's ``json``.

    Raises ``ValueError`` (``JSONDecodeError``, ``UnicodeDecodeError``) or ``RecursionError``.
    """
    # json.loads(bytes) guesses the encoding in Python code first, about 1.5 us per call; the
    # library's text is always UTF-8. raw_decode skips decode()'s two whitespace regexes; the
    # platform's documents come as sent, often with a newline after them. Text that raw_decode
    # rejects (blanks before it, or an error) goes through decode(), which says what is wrong.
    text = data.decode("utf-8")
    try:
        value, end = _raw_decode(text)
    except ValueError:
        return _full_decode(text)
    if end != len(text) and not text[end:].isspace():
        return _full_decode(text)  # raises: more than one value
    return value


msgspec_decode: Callable[[bytes], Any] | None
try:
    import msgspec.json
except ImportError:
    msgspec_decode = None
else:
    msgspec_decode = msgspec.json.Decoder().decode


def decode_with_msgspec(data: bytes) -> Any:
    """``data`` decoded by msgspec, or by the standard library where msgspec refuses it (see
    the module's docstring); the same objects or exceptions as ``decode_with_stdlib``.
    Requires msgspec."""
    assert msgspec_decode is not None
    try:
        return msgspec_decode(data)
    except (ValueError, RecursionError):  # msgspec.DecodeError is a ValueError
        return decode_with_stdlib(data)


decode: Callable[[bytes], Any] = decode_with_msgspec if msgspec_decode else decode_with_stdlib
"""The decoder the package uses: msgspec's when it is installed, the standard library's
otherwise; the same objects either way."""
