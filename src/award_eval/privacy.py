"""What reviewers must not see: juror names when the plan anonymises them, and local paths.

``anonymise_jurors: true`` in a plan (or a notebook's parameter) replaces every juror's name by
an alias ``J1 … Jn`` before anything is computed or shown, so every table, figure and comment
downstream carries only the alias. The aliases are dealt in an order shuffled by the run's seed
(not alphabetically, which would give names away), and the same seed gives every report of a run
the same aliases.

In free text (comments, conflict reasons) every known form of a juror's name is redacted: the
full name in any case, with any Unicode space between its parts (no-break, thin, …) or without
its accents, the first name alone and the surname alone (in any case), and every e-mail address.
A name part shared by two jurors becomes :data:`AMBIGUOUS`; an e-mail address that is no juror's
becomes :data:`REDACTED`. The pages themselves get a second pass (:func:`scrub_names_html`): full
names and e-mail addresses, whatever a notebook forgot.

Tables that count per juror (scores expected, recused nominees, scores compared) would identify
the juror who declared a conflict; :func:`without_juror_counts` removes those columns.
"""
from __future__ import annotations

import dataclasses
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from award_eval.data import AwardData

#: What an e-mail address that is no juror's becomes in anonymised text.
REDACTED = "[…]"
#: What a first name or surname shared by several jurors becomes.
AMBIGUOUS = "J?"
#: Columns that count something per juror (and so identify the juror who declared a conflict).
JUROR_COUNT_COLUMNS = ("expected", "scored", "recused", "n_scores", "n_compared")

# Any run of whitespace, including no-break (U+00A0, U+202F), thin and zero-width spaces.
_SPACE = r"[\s\u200b\u2060\ufeff]"
_SPLIT = re.compile(_SPACE + "+")
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def name_key(name: object) -> str:
    """One juror however the name is written: Unicode-normalised, spaces collapsed, case folded."""
    return " ".join(_SPLIT.split(unicodedata.normalize("NFC", str(name)).strip())).casefold()


def _fold(text: str) -> str:
    """``text`` without accents (Björn → Bjorn, Sjö → Sjo)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def juror_aliases(names: Iterable[str], seed: int | None = None) -> dict[str, str]:
    """``{name: "J3", …}`` for every spelling given; one alias per juror (see :func:`name_key`).

    The aliases are dealt in an order shuffled by ``seed`` (``numpy.random.default_rng``; None
    counts as 0), so J1 is not the alphabetically first juror, and the same seed deals the same.
    """
    names = [str(n) for n in names if str(n).strip()]
    keys = sorted({name_key(n) for n in names})
    order = np.random.default_rng(seed if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)
                                  else 0).permutation(len(keys))
    alias_of = {keys[int(j)]: f"J{i}" for i, j in enumerate(order, start=1)}
    return {n: alias_of[name_key(n)] for n in names}


class NameRedactor:
    """Replaces juror names (and e-mail addresses) in text by aliases; see the module's docstring.

    ``parts``: also first names and surnames alone (free text). ``html``: the text is HTML, where a
    space may be written ``&nbsp;`` and a name's ``&`` as ``&amp;``.
    """

    def __init__(self, aliases: Mapping[str, str], emails: Mapping[str, str] | None = None, *,
                 parts: bool = True, html: bool = False) -> None:
        self.emails = {e.casefold(): a for e, a in (emails or {}).items()}
        space = (r"(?:" + _SPACE + r"|&nbsp;|&#160;|&#x[aA]0;)+") if html else _SPACE + "+"
        by_key: dict[str, str] = {}
        for name, alias in aliases.items():
            by_key.setdefault(name_key(name), alias)
        self.patterns: list[tuple[re.Pattern, str]] = []
        full = []
        for key, alias in by_key.items():
            tokens = key.split(" ")
            for variant in {tuple(tokens), tuple(_fold(t) for t in tokens)}:
                full.append((variant, alias))
        for tokens, alias in sorted(full, key=lambda x: -sum(map(len, x[0]))):
            self.patterns.append((self._words(tokens, space, html), alias))
        if parts:
            owners: dict[str, set[str]] = {}
            for key, alias in by_key.items():
                for token in key.split(" "):
                    forms = {token} | ({_fold(token)} if len(_fold(token)) >= 4 else set())
                    for form in forms:
                        if len(form) >= 2:
                            owners.setdefault(form, set()).add(alias)
            for token in sorted(owners, key=len, reverse=True):
                alias = next(iter(owners[token])) if len(owners[token]) == 1 else AMBIGUOUS
                self.patterns.append((self._words((token,), space, html), alias))

    @staticmethod
    def _words(tokens: tuple[str, ...], space: str, as_html: bool) -> re.Pattern:
        def one(token: str) -> str:
            forms = {re.escape(token)}
            if as_html and html.escape(token, quote=True) != token:
                forms.add(re.escape(html.escape(token, quote=True)))
            return "(?:" + "|".join(sorted(forms)) + ")"
        return re.compile(r"(?<![\w@])" + space.join(one(t) for t in tokens) + r"(?![\w@])", re.IGNORECASE)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = _EMAIL.sub(lambda m: self.emails.get(m.group(0).casefold(), REDACTED), text)
        for pattern, alias in self.patterns:
            text = pattern.sub(alias, text)
        return text


def replace_names(text: str, aliases: Mapping[str, str]) -> str:
    """``text`` (free text) with every known form of a juror's name and every e-mail address redacted."""
    if not aliases or not text:
        return text
    return NameRedactor(aliases)(text)


def juror_emails(data: AwardData, aliases: Mapping[str, str]) -> dict[str, str]:
    """E-mail addresses of the jurors, from ``jurors.csv`` beside the data (when there is one)."""
    folder = next((p.parent for p in data.files.values()), None)
    path = folder / "jurors.csv" if folder is not None else None
    if path is None or not path.is_file():
        return {}
    try:
        frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError):
        return {}
    if not {"juror", "email"} <= set(frame.columns):
        return {}
    by_key = {name_key(n): a for n, a in aliases.items()}
    return {str(e).strip(): by_key[name_key(j)] for j, e in zip(frame["juror"], frame["email"])
            if str(e).strip() and name_key(j) in by_key}


def data_aliases(data: AwardData, seed: int | None = None) -> dict[str, str]:
    """The aliases of a run: every juror who scored or declared a conflict, dealt by ``seed``."""
    return juror_aliases(list(data.jury_scores["juror"]) + list(data.conflicts["juror"]), seed)


def anonymise(data: AwardData, aliases: Mapping[str, str] | None = None, seed: int | None = None) -> AwardData:
    """A copy of ``data`` with juror names replaced by aliases in the scores, comments and conflicts.

    Comments and conflict reasons lose every known form of a juror's name and every e-mail
    address (see the module's docstring). ``seed``: the run's seed, which deals the aliases.
    """
    aliases = dict(aliases) if aliases is not None else data_aliases(data, seed)
    by_key = {name_key(n): a for n, a in aliases.items()}
    redact = NameRedactor(aliases, juror_emails(data, aliases))

    def alias(name: object) -> object:
        return by_key.get(name_key(name), name) if isinstance(name, str) else name

    def text(value: object) -> object:
        return redact(value) if isinstance(value, str) else value

    scores = data.jury_scores.copy()
    scores["juror"] = scores["juror"].map(alias)
    if "comment" in scores.columns:
        scores["comment"] = scores["comment"].map(text)
    conflicts = data.conflicts.copy()
    conflicts["juror"] = conflicts["juror"].map(alias)
    if "reason" in conflicts.columns:
        conflicts["reason"] = conflicts["reason"].map(text)
    return dataclasses.replace(data, jury_scores=scores, conflicts=conflicts)


def without_juror_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without the per-juror counts that would identify a juror (see :data:`JUROR_COUNT_COLUMNS`),
    its rows in alias order (J1, J2, …) rather than in an order that follows the names."""
    out = frame.drop(columns=[c for c in JUROR_COUNT_COLUMNS if c in frame.columns])
    if "juror" in out.columns:
        number = out["juror"].astype(str).str.extract(r"^J(\d+)$")[0].astype(float)
        out = out.assign(_n=number).sort_values("_n", kind="stable").drop(columns="_n").reset_index(drop=True)
    return out


def scrub_names_html(page: str, aliases: Mapping[str, str], emails: Mapping[str, str] | None = None) -> str:
    """A rendered page (or any text) with juror names left in it replaced by their aliases.

    A safety net behind :func:`anonymise`: a notebook that forgot to anonymise still does not
    leak names as text. Full names in any case and spacing (``&nbsp;`` too) and every e-mail
    address are replaced; first names and surnames alone are not (a surname may be a place, such
    as Berg), those are redacted in the data by :func:`anonymise`. (Names drawn into images cannot
    be caught here.)
    """
    redact = NameRedactor(aliases, emails, parts=False, html=True)
    return outside_data_uris(page, redact)


def neutralise_bidi(text: str) -> str:
    """``text`` with bidirectional embedding, override and isolate controls (U+202A–U+202E,
    U+2066–U+2069) replaced by U+FFFD: a name cannot reorder what a page shows after it."""
    return _BIDI.sub("\ufffd", text)


def outside_data_uris(text: str, func) -> str:
    """``func`` applied to every part of ``text`` except embedded ``data:…;base64,…`` images,
    whose characters could match a name or a folder by chance."""
    parts = _DATA_URI.split(text)
    return "".join(part if i % 2 else func(part) for i, part in enumerate(parts))


def scrub_tree(obj, func):
    """``func`` applied to every string inside a JSON-like tree (a notebook), except images'
    base64 data (keys ``image/…``)."""
    if isinstance(obj, str):
        return func(obj)
    if isinstance(obj, list):
        return [scrub_tree(v, func) for v in obj]
    if isinstance(obj, dict):
        return {k: (v if isinstance(k, str) and k.startswith("image/") and k != "image/svg+xml"
                    else scrub_tree(v, func)) for k, v in obj.items()}
    return obj


def scrub_paths(text: str, roots: Iterable[str | Path]) -> str:
    """``text`` with every given local folder (and what follows it up to the file) made relative.

    ``/home/ann/award/data/demo/x.csv`` with root ``/home/ann/award`` becomes ``data/demo/x.csv``;
    longer roots are tried first, so the most specific one wins.
    """
    return path_scrubber(roots)(text)


def path_scrubber(roots: Iterable[str | Path]):
    """:func:`scrub_paths` with ``roots`` resolved once: a function of the text, for many texts
    (every string of a notebook) at the cost of one."""
    variants: set[str] = set()
    for root in roots:
        if not root:
            continue
        s = str(root).rstrip("/\\")
        if len(s) <= 1:
            continue
        variants.update({s, str(Path(s).resolve()) if Path(s).is_absolute() else s})
    if not variants:
        return lambda text: text
    pattern = re.compile(r"(?<![\w.-])(?:" + "|".join(re.escape(r) for r in sorted(variants, key=len, reverse=True))
                         + r")(?:[/\\]|(?![\w.-]))")
    return lambda text: outside_data_uris(text, lambda part: pattern.sub("", part))


_DATA_URI = re.compile(r"(data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+)")


def local_roots(*extra: str | Path | None) -> list[str]:
    """Folders whose names must not reach a reviewer: home, temp, the working folder, and ``extra``."""
    import tempfile

    roots = [Path.home(), Path(tempfile.gettempdir()), Path.cwd(), *[e for e in extra if e]]
    return [str(Path(r)) for r in roots]
