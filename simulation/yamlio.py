"""Reading the project's YAML files safely, with one-line errors for a user's mistakes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import ScenarioError


def read_yaml_mapping(path: Path, what: str = "scenario file") -> dict[str, Any]:
    """The top-level mapping of a YAML file, loaded with ``yaml.safe_load`` (nothing executed).

    A missing file, a folder, a file that is not UTF-8 text or not valid YAML, or a document
    whose top level is not a mapping raises :class:`ScenarioError` naming the file. An empty
    file is an empty mapping.
    """
    path = Path(path)
    if not path.exists():
        raise ScenarioError(f"{path}: no such {what}")
    if path.is_dir():
        raise ScenarioError(f"{path}: is a folder, not a {what}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ScenarioError(f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping of fields at the top level, got {type(data).__name__}")
    return data
