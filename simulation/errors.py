"""The project's own exception types, and how a user's value is quoted in a message."""

from __future__ import annotations

import reprlib
from typing import Any


class OrgsimError(Exception):
    """A mistake a user can make; the CLI shows it as one line and exits with status 2."""


class ScenarioError(OrgsimError):
    """An invalid scenario file or value."""


_REPR = reprlib.Repr()
_REPR.maxlevel = 2
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxfrozenset = _REPR.maxdeque = _REPR.maxarray = 4
_REPR.maxdict = 4
_REPR.maxstring = 60
_REPR.maxlong = 40
_REPR.maxother = 60

MAX_QUOTED = 80
"""Most characters of a user's value an error message quotes."""


def short_repr(value: Any) -> str:
    """``repr(value)`` cut short: a few elements, a few levels, at most :data:`MAX_QUOTED` characters.

    Safe on hostile values: a YAML alias bomb (9^9 shared references) or a 10 MB string is
    never expanded, and the result is one line.
    """
    try:
        text = _REPR.repr(value)
    except Exception:  # e.g. an int too long to convert to text
        text = f"<a {type(value).__name__} too long to show>"
    text = " ".join(text.split())  # one line, whatever the value holds
    return text if len(text) <= MAX_QUOTED else text[: MAX_QUOTED - 3] + "..."


def short_text(text: Any, limit: int = 120) -> str:
    """A user's text (a key, a dotted path, a file name) for a message: one line, at most ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
