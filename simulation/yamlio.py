"""Reading the project's YAML files safely, with one-line errors for a user's mistakes.

Files are read with a :class:`yaml.SafeLoader` (nothing is executed) extended in three
ways, so that a file means what its author meant:

* numbers in scientific notation without a dot (``1e6``, ``2.5E-3`` already worked) are
  numbers, as in YAML 1.2, not strings; a whole number written so (``1e6``) is an int;
* a key given twice in one mapping is an error naming the key (PyYAML keeps the last);
* only a regular file of at most :data:`MAX_FILE_BYTES` is read: a device (``/dev/zero``),
  a FIFO or a socket is refused before anything is read, as is a name over 255 bytes.
"""

from __future__ import annotations

import os
import re
import stat
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .errors import ScenarioError, short_repr

MAX_FILE_BYTES = 10 * 1024 * 1024
"""Largest YAML file read (10 MB; a scenario or sweep spec is a few KB)."""

MAX_NAME_BYTES = 255
"""Longest file or folder name (one path component), as on common file systems."""

MAX_PATH_BYTES = 4096
"""Longest path (Linux's PATH_MAX)."""

# YAML 1.2 core-schema floats (exponent sign optional, no dot needed) plus PyYAML's own forms.
_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_WHOLE_SCIENTIFIC = re.compile(r"^[-+]?[0-9][0-9_]*[eE]\+?[0-9]{1,2}$")


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping names the same key twice."""


class OrgsimLoader(yaml.SafeLoader):
    """``SafeLoader`` with YAML 1.2 floats (``1e6``) and an error for duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=deep)
                try:
                    duplicate = key in seen
                    seen.add(key)
                except TypeError:  # an unhashable key: PyYAML's own error follows
                    continue
                if duplicate:
                    raise DuplicateKeyError(
                        None, None, f"duplicate key {short_repr(key)} (each key may appear once)", key_node.start_mark
                    )
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float | int:
        text = str(self.construct_scalar(node))
        if _WHOLE_SCIENTIFIC.match(text):  # 1e6 is the whole number a user means
            return int(Decimal(text.replace("_", "")))
        return super().construct_yaml_float(node)


OrgsimLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
OrgsimLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
OrgsimLoader.add_constructor("tag:yaml.org,2002:float", OrgsimLoader.construct_yaml_float)
OrgsimLoader.add_constructor("tag:yaml.org,2002:map", OrgsimLoader.construct_yaml_map)


def load_yaml(text: str) -> Any:
    """Parse YAML text with :class:`OrgsimLoader` (safe: no Python objects are built)."""
    return yaml.load(text, Loader=OrgsimLoader)  # noqa: S506 -- OrgsimLoader is a SafeLoader


def check_readable_file(path: Path, what: str = "scenario file") -> None:
    """Refuse, before reading anything, what is not a regular file of sensible size and name.

    A name component over 255 bytes, a path over 4096 bytes, a missing file, a folder, a
    device, a FIFO or a socket, and a file over :data:`MAX_FILE_BYTES` each raise
    :class:`ScenarioError` (one line naming the file).
    """
    path = Path(path)
    shown = short_repr(str(path)) if len(str(path)) > 200 else str(path)
    encoded = os.fsencode(path)
    if len(encoded) > MAX_PATH_BYTES or any(len(part) > MAX_NAME_BYTES for part in encoded.split(b"/")):
        raise ScenarioError(f"{shown}: file name too long (at most {MAX_NAME_BYTES} bytes per name)")
    try:
        info = path.stat()  # follows symlinks: a link to /dev/urandom is a device
    except FileNotFoundError:
        raise ScenarioError(f"{shown}: no such {what}") from None
    except OSError as exc:
        raise ScenarioError(f"{shown}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(f"{shown}: is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "a device"
        raise ScenarioError(f"{shown}: is {kind}, not a regular file; give a {what}")
    if info.st_size > MAX_FILE_BYTES:
        raise ScenarioError(f"{shown}: {info.st_size:,} bytes; a {what} may be at most {MAX_FILE_BYTES:,} bytes")


def read_yaml_mapping(path: Path, what: str = "scenario file") -> dict[str, Any]:
    """The top-level mapping of a YAML file, loaded with :class:`OrgsimLoader` (nothing executed).

    A missing file, a folder, a special file (device, FIFO, socket), a file over 10 MB or with
    a name over 255 bytes, a file that is not UTF-8 text or not valid YAML (including a key
    given twice and nesting too deep to parse), or a document whose top level is not a
    mapping raises :class:`ScenarioError` naming the file, in one line. An empty file is an
    empty mapping.
    """
    path = Path(path)
    check_readable_file(path, what)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:  # grew since stat
            raise ScenarioError(f"{path}: a {what} may be at most {MAX_FILE_BYTES:,} bytes")
        data = load_yaml(raw.decode("utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise ScenarioError(f"{path}: not valid YAML{where}: {problem}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid YAML: nested too deeply") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None
    except ValueError as exc:  # e.g. an integer with more than 4,300 digits
        raise ScenarioError(f"{path}: not valid YAML: {short_repr(str(exc))}") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of fields at the top level, got {type(data).__name__}")
    return data
