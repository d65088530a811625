"""YAML files (criteria, plans): parsed with libyaml when PyYAML has it, errors as one line."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from award_eval.errors import InputError

# libyaml's safe loader builds the same Python objects as the pure-Python one, ~8x faster: a profile
# notebook reads the criteria file once per report, hundreds of times in a whole award's run.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str, path: str | Path) -> Any:
    """The YAML document in ``text`` (read from ``path``); bad YAML raises :class:`InputError` with its line."""
    try:
        return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"valid YAML ({getattr(exc, 'problem', exc)})",
                         row=mark.line + 1 if mark else None, has_value=False) from None
