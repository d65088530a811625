"""YAML files (criteria, plans): parsed with libyaml when PyYAML has it, errors as one line.

Inputs are data a person writes by hand, so what YAML allows beyond that is refused before any
Python object is built: anchors and aliases (a "billion laughs" bomb expands from a few lines),
nesting deeper than :data:`MAX_DEPTH`, NUL characters, and texts longer than :data:`MAX_SCALAR`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from award_eval.errors import InputError
from award_eval.io.files import read_input_bytes

# libyaml's safe loader builds the same Python objects as the pure-Python one, ~8x faster: a profile
# notebook reads the criteria file once per report, hundreds of times in a whole award's run.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 8 * 1024 * 1024  # a criteria file or a plan: a few kB in practice
MAX_DEPTH = 32  # nesting of mappings and lists
MAX_SCALAR = 20_000  # characters in one value


def read_file(path: str | Path, what: str) -> tuple[bytes, str]:
    """The bytes and UTF-8 text of a YAML file; unreadable, a folder, too big or not UTF-8 is one line."""
    raw = read_input_bytes(path, what, limit=MAX_BYTES)
    try:
        return raw, raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = " (this file is UTF-16)" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise InputError(path, f"UTF-8 text{hint}: byte 0x{raw[exc.start]:02x} at position {exc.start} "
                         "is not UTF-8; save the file as UTF-8", row=line, has_value=False) from None


def load_file(path: str | Path, what: str = "an existing YAML file") -> Any:
    """Read and :func:`parse` a YAML file, every problem as one :class:`InputError` line."""
    _, text = read_file(path, what)
    return parse(text, path)


def parse(text: str, path: str | Path) -> Any:
    """The YAML document in ``text`` (read from ``path``); bad YAML raises :class:`InputError` with its line."""
    if len(text) > MAX_BYTES:
        raise InputError(path, f"a YAML text of at most {MAX_BYTES // (1024 * 1024)} MB", has_value=False)
    _check_events(text, path)
    try:
        return yaml.load(text, Loader=SafeLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"valid YAML ({getattr(exc, 'problem', exc)})",
                         row=mark.line + 1 if mark else None, has_value=False) from None


def _check_events(text: str, path: str | Path) -> None:
    """Walk the parser's events (flat, no recursion): refuse aliases, deep nesting, NULs, huge texts."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise InputError(path, "no YAML anchors or aliases (&name / *name): write the value out",
                                 row=event.start_mark.line + 1, value=f"&{event.anchor}"
                                 if not isinstance(event, yaml.AliasEvent) else f"*{event.anchor}")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise InputError(path, f"YAML nested at most {MAX_DEPTH} levels deep",
                                     row=event.start_mark.line + 1, has_value=False)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.ScalarEvent):
                if "\x00" in event.value:
                    raise InputError(path, "a text without NUL characters", row=event.start_mark.line + 1,
                                     value=event.value)
                if len(event.value) > MAX_SCALAR:
                    raise InputError(path, f"a value of at most {MAX_SCALAR:,} characters "
                                     f"(this one has {len(event.value):,})", row=event.start_mark.line + 1,
                                     value=event.value)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(path, f"valid YAML ({getattr(exc, 'problem', exc)})",
                         row=mark.line + 1 if mark else None, has_value=False) from None
