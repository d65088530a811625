"""User-facing words and number formats in Swedish and English: the one bilingual catalogue.

Names in code are English; what a reader sees is not. Every word a reader sees lives in
``i18n/catalogue/<namespace>.yaml`` under a namespaced key (``report.kind.jury``) with a Swedish and
an English text (``{field}`` templates); :func:`t` gives it in one language. :func:`fmt_number` gives
a number as the language writes it: Swedish with a decimal comma, a (no-break) space between
thousands and a real minus sign (``−1 234,5``); English with a decimal point and a comma between
thousands (``−1,234.5``). Criterion names come from the criteria file (``Framework.label``).
"""
from __future__ import annotations

import functools
import math
from pathlib import Path
from numbers import Number
from typing import Literal

import yaml

Lang = Literal["sv", "en"]
LANGS: tuple[str, ...] = ("sv", "en")
#: BCP 47 locale of each language (for number formatting in a browser: ``toLocaleString``).
LOCALES: dict[str, str] = {"sv": "sv-SE", "en": "en-GB"}

NBSP = "\u00a0"  # the Swedish thousands separator: a space that never breaks a number across lines
MINUS = "\u2212"  # Swedish typography writes negative numbers with a minus sign, not a hyphen
DASH = "–"  # what a table shows for a missing value


def check_lang(lang: str) -> Lang:
    if lang not in LANGS:
        raise ValueError(f"lang {lang!r} is not one of {', '.join(LANGS)}")
    return lang  # type: ignore[return-value]


CATALOGUE_DIR = Path(__file__).with_name("catalogue")


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml: ~10x faster to load
    """YAML loader that refuses a key defined twice in one mapping (PyYAML keeps the last silently)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ValueError(f"{node.start_mark.name}: catalogue key {key!r} is defined twice "
                             f"(line {key_node.start_mark.line + 1})")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


@functools.cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every catalogue entry, ``key -> {"sv": …, "en": …}``, from ``i18n/catalogue/<namespace>.yaml``.

    A file holds the keys of one namespace (``report.yaml``: ``report.…``); a key defined twice, in
    one file or across files, is an error.
    """
    out: dict[str, dict[str, str]] = {}
    for path in sorted(CATALOGUE_DIR.glob("*.yaml")):
        entries = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
        for key, texts in entries.items():
            if key in out:
                raise ValueError(f"{path.name}: catalogue key {key!r} is also defined in another file")
            out[key] = texts
    return out


def t(key: str, lang: Lang = "sv", **fields: object) -> str:
    """The catalogue text ``key`` in ``lang``, with ``{field}`` placeholders filled from ``fields``.

    >>> t("report.kind.jury", "en")
    'Jury'
    """
    lang = check_lang(lang)
    text = catalogue()[key][lang]
    return text.format(**fields) if fields else text


def texts(key: str, **fields: object) -> dict[str, str]:
    """``{"sv": …, "en": …}``: the text ``key`` in every language (for records that carry both, e.g. titles)."""
    return {lang: t(key, lang, **fields) for lang in LANGS}  # type: ignore[arg-type]


def has(key: str) -> bool:
    """Whether the catalogue holds ``key`` (for keys built from data, e.g. ``f"skr.group.{code}"``)."""
    return key in catalogue()


def skr_group_name(group: str, lang: Lang = "sv") -> str:
    """``"C8 Landsbygdskommuner"``: the SKR group's code and name (the code alone if unknown)."""
    key = f"skr.group.{group}"
    return f"{group} {t(key, lang)}" if has(key) else str(group)


def _missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isinf(value))
    except (TypeError, ValueError):  # pd.NA compares to NA, whose truth is ambiguous
        return True


def fmt_number(value: object, lang: Lang = "sv", decimals: int = 1, sign: bool = False) -> str:
    """A number as ``lang`` writes it, rounded to ``decimals``; missing values give an en dash.

    >>> fmt_number(-1234.56, "sv"), fmt_number(-1234.56, "en")
    ('−1\\xa0234,6', '−1,234.6')

    ``sign=True`` writes a plus sign on positive numbers (for differences).
    """
    check_lang(lang)
    if _missing(value) or not isinstance(value, Number | int | float):
        return DASH if _missing(value) else str(value)
    x = round(float(value), decimals)
    if x == 0:
        x = 0.0  # no "−0,0"
    text = f"{abs(x):,.{decimals}f}"
    if lang == "sv":
        text = text.replace(",", NBSP).replace(".", ",")
    if x < 0:  # a real minus sign in both languages: a hyphen is not a minus (and breaks a line)
        return MINUS + text
    return ("+" + text) if sign and x > 0 else text


def fmt_int(value: object, lang: Lang = "sv") -> str:
    """A whole number with the language's thousands separator."""
    return fmt_number(value, lang, 0)


def fmt_percent(value: object, lang: Lang = "sv", decimals: int = 0) -> str:
    """A share already in per cent: ``12 %`` in Swedish (with a space, as Swedish writes it), ``12%`` in English."""
    if _missing(value):
        return DASH
    number = fmt_number(value, lang, decimals)
    return f"{number}{NBSP}%" if lang == "sv" else f"{number}%"


def fmt_range(low: object, high: object, lang: Lang = "sv", decimals: int = 0) -> str:
    """``3–5`` (an en dash between two numbers; one number when they are equal)."""
    a, b = fmt_number(low, lang, decimals), fmt_number(high, lang, decimals)
    return a if a == b else f"{a}–{b}"


_SV_ORDER = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "é": "e", "è": "e", "ü": "y"})


def sort_key(text: str, lang: Lang = "sv") -> str:
    """A key that sorts names as the language's alphabet does (Swedish: … x y z å ä ö)."""
    low = str(text).casefold()
    return low.translate(_SV_ORDER) if lang == "sv" else low
