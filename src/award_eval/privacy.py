"""What reviewers must not see: juror names when the plan anonymises them, and local paths.

``anonymise_jurors: true`` in a plan (or a notebook's parameter) replaces every juror's name by
``J1 … Jn`` before anything is computed or shown, so every table, figure and comment downstream
carries only the alias. Aliases follow the sorted names, so a juror has the same alias in every
report of a run. A juror's full name written inside a comment is replaced as well.
"""
from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from award_eval.data import AwardData


def juror_aliases(names: Iterable[str]) -> dict[str, str]:
    """``{name: "J1", …}`` over the distinct names, numbered in sorted order."""
    return {name: f"J{i}" for i, name in enumerate(sorted({str(n) for n in names if str(n)}), start=1)}


def replace_names(text: str, aliases: Mapping[str, str]) -> str:
    """``text`` with every whole occurrence of a name replaced by its alias (longest names first)."""
    if not aliases or not text:
        return text
    names = sorted(aliases, key=len, reverse=True)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(n) for n in names) + r")(?!\w)")
    return pattern.sub(lambda m: aliases[m.group(1)], text)


def anonymise(data: AwardData, aliases: Mapping[str, str] | None = None) -> AwardData:
    """A copy of ``data`` with juror names replaced by aliases in the scores, comments and conflicts."""
    names = list(data.jury_scores["juror"]) + list(data.conflicts["juror"])
    aliases = dict(aliases) if aliases is not None else juror_aliases(names)
    scores = data.jury_scores.copy()
    scores["juror"] = scores["juror"].map(lambda n: aliases.get(n, n))
    if "comment" in scores.columns:
        scores["comment"] = scores["comment"].map(lambda c: replace_names(c, aliases) if isinstance(c, str) else c)
    conflicts = data.conflicts.copy()
    conflicts["juror"] = conflicts["juror"].map(lambda n: aliases.get(n, n))
    if "reason" in conflicts.columns:
        conflicts["reason"] = conflicts["reason"].map(lambda c: replace_names(c, aliases) if isinstance(c, str) else c)
    return dataclasses.replace(data, jury_scores=scores, conflicts=conflicts)


def scrub_names_html(page: str, aliases: Mapping[str, str]) -> str:
    """A rendered page with any juror name left in it (raw or HTML-escaped) replaced by its alias.

    A safety net behind :func:`anonymise`: a notebook that forgot to anonymise still does not
    leak names as text. (Names drawn into images cannot be caught here.)
    """
    escaped = {html.escape(k, quote=True): v for k, v in aliases.items() if html.escape(k, quote=True) != k}
    return outside_data_uris(page, lambda part: replace_names(replace_names(part, dict(aliases)), escaped))


def outside_data_uris(text: str, func) -> str:
    """``func`` applied to every part of ``text`` except embedded ``data:…;base64,…`` images,
    whose characters could match a name or a folder by chance."""
    parts = _DATA_URI.split(text)
    return "".join(part if i % 2 else func(part) for i, part in enumerate(parts))


def scrub_paths(text: str, roots: Iterable[str | Path]) -> str:
    """``text`` with every given local folder (and what follows it up to the file) made relative.

    ``/home/ann/award/data/demo/x.csv`` with root ``/home/ann/award`` becomes ``data/demo/x.csv``;
    longer roots are tried first, so the most specific one wins.
    """
    variants: set[str] = set()
    for root in roots:
        if not root:
            continue
        s = str(root).rstrip("/\\")
        if len(s) <= 1:
            continue
        variants.update({s, str(Path(s).resolve()) if Path(s).is_absolute() else s})
    if not variants:
        return text
    pattern = re.compile(r"(?<![\w.-])(?:" + "|".join(re.escape(r) for r in sorted(variants, key=len, reverse=True))
                         + r")(?:[/\\]|(?![\w.-]))")
    return outside_data_uris(text, lambda part: pattern.sub("", part))


_DATA_URI = re.compile(r"(data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+)")


def local_roots(*extra: str | Path | None) -> list[str]:
    """Folders whose names must not reach a reviewer: home, temp, the working folder, and ``extra``."""
    import tempfile

    roots = [Path.home(), Path(tempfile.gettempdir()), Path.cwd(), *[e for e in extra if e]]
    return [str(Path(r)) for r in roots]
