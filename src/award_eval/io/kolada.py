"""Client for the Kolada open-data API (v3): KPI values per municipality and year, and KPI metadata.

Kolada (run by RKA) publishes key performance indicators (KPIs) for Swedish municipalities. This
module turns its data responses into the project's long indicator format
``code, indicator, year, value`` (see :func:`award_eval.data.load_indicators`), so Kolada KPIs can
feed an award evaluation without hand copying.

Request shapes (API doc v2, kept by v3 at ``https://api.kolada.se/v3``)::

    {base}/data/kpi/<KPI,...>/municipality/<MUNICIPALITY,...>/year/<YEAR,...>
    {base}/data/kpi/<KPI,...>/municipality/<MUNICIPALITY,...>
    {base}/data/kpi/<KPI,...>/year/<YEAR,...>
    {base}/kpi/<KPI,...>

Each response is ``{"values": [...], "count": n, "next_url": "<full URL>"}``; pages (at most 5000
rows each) are followed through ``next_url`` until it is absent. At most 25 ids go in one path
segment, so longer lists are split into several requests. HTTP 429 and 5xx are retried with
exponential back-off (honouring ``Retry-After``); every page can be cached on disk.
"""
from __future__ import annotations

import email.utils
import hashlib
import http.client
import itertools
import json
import math
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from award_eval.version import __version__
from award_eval.errors import InputError, KoladaError  # noqa: F401 (re-exported)
from award_eval.io.files import atomic_write_text, csv_safe

DEFAULT_BASE_URL = "https://api.kolada.se/v3"
MAX_IDS_PER_SEGMENT = 25
VALUE_COLUMNS = ["code", "indicator", "year", "value"]
METADATA_COLUMNS = ["id", "title", "description"]
KPI_RE = re.compile(r"^[NU]\d{5}$")  # as criteria.Source.kolada
CODE_RE = re.compile(r"^\d{4}$")
YEAR_RANGE = (1900, 2100)
TOTAL_GENDER = "T"
_USER_AGENT = f"award_eval/{__version__} (Kolada client; python urllib)"


# --------------------------------------------------------------------------- validation

def _check_kpis(kpis: Iterable[str]) -> list[str]:
    """KPI ids as Kolada spells them (N or U and five digits), sorted and unique."""
    if isinstance(kpis, str):
        kpis = [kpis]
    out = []
    for kpi in kpis:
        if not isinstance(kpi, str) or not KPI_RE.fullmatch(kpi):
            raise InputError("Kolada query", "a Kolada KPI id: N or U and five digits, e.g. N07900",
                             column="kpi", value=kpi)
        out.append(kpi)
    if not out:
        raise InputError("Kolada query", "at least one KPI id, e.g. N07900", column="kpi", has_value=False)
    return sorted(set(out))


def _check_codes(codes: Iterable[str] | None) -> list[str] | None:
    """Municipality codes as 4-digit text (e.g. '0120'), sorted and unique; None means all."""
    if codes is None:
        return None
    if isinstance(codes, str):
        codes = [codes]
    out = []
    for code in codes:
        if not isinstance(code, str) or not CODE_RE.fullmatch(code):
            raise InputError("Kolada query", "a 4-digit municipality code kept as text, e.g. '0120'",
                             column="municipality", value=code)
        out.append(code)
    if not out:
        raise InputError("Kolada query", "at least one municipality code, or None for all municipalities",
                         column="municipality", has_value=False)
    return sorted(set(out))


def _check_years(years: Iterable[int] | None) -> list[int] | None:
    """Years as integers within a plausible range, sorted and unique; None means all years."""
    if years is None:
        return None
    if isinstance(years, (int, str)):
        years = [years]
    out = []
    lo, hi = YEAR_RANGE
    for year in years:
        ok = (isinstance(year, int) and not isinstance(year, bool)) or (isinstance(year, str) and year.isdigit())
        if not ok or not lo <= int(year) <= hi:
            raise InputError("Kolada query", f"a year from {lo} to {hi}, e.g. 2024", column="year", value=year)
        out.append(int(year))
    if not out:
        raise InputError("Kolada query", "at least one year, or None for all years", column="year",
                         has_value=False)
    return sorted(set(out))


def _chunks(ids: Sequence[Any], size: int = MAX_IDS_PER_SEGMENT) -> list[list[Any]]:
    return [list(ids[i:i + size]) for i in range(0, len(ids), size)]


def _retry_after_seconds(header: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or HTTP-date); None if absent/unreadable."""
    if header is None or not header.strip():
        return None
    text = header.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _one_line(text: object, limit: int = 200) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _empty_values() -> pd.DataFrame:
    return pd.DataFrame({"code": pd.Series(dtype=str), "indicator": pd.Series(dtype=str),
                         "year": pd.Series(dtype="int64"), "value": pd.Series(dtype="float64")})


# --------------------------------------------------------------------------- client

class KoladaClient:
    """Fetches Kolada KPI values and metadata over HTTP, with chunking, paging, retries and a disk cache.

    ``sleep`` is injectable so tests (and impatient callers) need not wait out real back-off.
    """

    def __init__(self, base_url: str = DEFAULT_BASE_URL, cache_dir: str | os.PathLike[str] | None = None,
                 timeout: float = 30, max_retries: int = 5, backoff: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.backoff = backoff
        self.sleep = sleep

    # ----------------------------------------------------------------- public API

    def data_urls(self, kpis: Sequence[str], municipalities: Sequence[str] | None = None,
                  years: Sequence[int] | None = None) -> list[str]:
        """The first-page URLs a :meth:`fetch_values` call requests, at most 25 ids per path segment."""
        kpi_ids = _check_kpis(kpis)
        codes = _check_codes(municipalities)
        year_list = _check_years(years)
        if codes is None and year_list is None:
            raise InputError("Kolada query", "give municipality codes or years (or both): a Kolada data "
                             "query needs the KPI plus a municipality or a year", has_value=False)
        segments: list[list[str]] = [[f"kpi/{','.join(c)}" for c in _chunks(kpi_ids)]]
        if codes is not None:
            segments.append([f"municipality/{','.join(c)}" for c in _chunks(codes)])
        if year_list is not None:
            segments.append([f"year/{','.join(str(y) for y in c)}" for c in _chunks(year_list)])
        return [f"{self.base_url}/data/" + "/".join(parts) for parts in itertools.product(*segments)]

    def fetch_values(self, kpis: Sequence[str], municipalities: Sequence[str] | None = None,
                     years: Sequence[int] | None = None, include_regions: bool = False) -> pd.DataFrame:
        """KPI values in the long format ``code, indicator, year, value``, sorted, with a fresh index.

        ``municipalities=None`` asks for every municipality, ``years=None`` for every year (one of the
        two must be given). ``value`` is the total (gender ``T``) value; missing values are NaN.
        When all municipalities are requested, Kolada also returns Riket (0000) and the regions
        (0001–0025); they are dropped unless ``include_regions`` is true, since a municipality's code
        never starts with ``00``. Explicitly requested codes are always kept.
        """
        urls = self.data_urls(kpis, municipalities, years)
        rows: list[tuple[str, str, int, float]] = []
        for url in urls:
            for item in self._get_all(url):
                row = self._value_row(item, url)
                if row is not None:
                    rows.append(row)
        if not rows:
            return _empty_values()
        frame = pd.DataFrame(rows, columns=VALUE_COLUMNS)
        frame = frame.astype({"code": str, "indicator": str, "year": "int64", "value": "float64"})
        if municipalities is None and not include_regions:
            frame = frame[~frame["code"].str.startswith("00")]
        frame = frame.drop_duplicates()
        clash = frame.duplicated(subset=["code", "indicator", "year"], keep=False)
        if clash.any():
            first = frame[clash].iloc[0]
            raise KoladaError(f"Kolada returned different values for municipality {first['code']}, "
                              f"KPI {first['indicator']}, year {first['year']} (data changed while paging?): "
                              "fetch again")
        return frame.sort_values(["code", "indicator", "year"], kind="mergesort").reset_index(drop=True)

    def fetch_kpi_metadata(self, kpis: Sequence[str]) -> pd.DataFrame:
        """KPI metadata (``id, title, description`` first, then every other field Kolada gives), by id."""
        kpi_ids = _check_kpis(kpis)
        records: list[dict[str, Any]] = []
        for chunk in _chunks(kpi_ids):
            records.extend(self._get_all(f"{self.base_url}/kpi/{','.join(chunk)}"))
        frame = pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=METADATA_COLUMNS)
        for col in METADATA_COLUMNS:
            if col not in frame.columns:
                frame[col] = pd.Series(dtype=str)
        frame = frame[METADATA_COLUMNS + [c for c in frame.columns if c not in METADATA_COLUMNS]]
        frame = frame.drop_duplicates(subset=["id"], keep="first")
        return frame.sort_values("id", kind="mergesort").reset_index(drop=True)

    # ----------------------------------------------------------------- parsing

    @staticmethod
    def _value_row(item: Any, url: str) -> tuple[str, str, int, float] | None:
        """One data object → ``(code, indicator, year, value)`` using the total (T) value; None if no total."""
        try:
            code = str(item["municipality"])
            kpi = str(item["kpi"])
            year = int(item["period"])
            entries = item.get("values") or []
        except (KeyError, TypeError, ValueError, AttributeError):
            raise KoladaError(f"unexpected data object from Kolada at {url}: {_one_line(json.dumps(item))}") from None
        if not CODE_RE.fullmatch(code):
            return None  # a group or unit id, not a municipality
        total = [e for e in entries if isinstance(e, dict) and e.get("gender", TOTAL_GENDER) == TOTAL_GENDER]
        if not total:
            return None
        raw = total[0].get("value")
        try:
            value = math.nan if raw is None else float(raw)
        except (TypeError, ValueError):
            raise KoladaError(f"non-numeric value {raw!r} from Kolada at {url} "
                              f"(municipality {code}, KPI {kpi}, year {year})") from None
        return code, kpi, year, value

    # ----------------------------------------------------------------- transport

    def _get_all(self, url: str) -> list[dict[str, Any]]:
        """Every object of a query: the first page and each page its ``next_url`` points to."""
        values: list[dict[str, Any]] = []
        seen: set[str] = set()
        next_url: str | None = url
        while next_url:
            if next_url in seen:
                raise KoladaError(f"Kolada paging loops back to {next_url}")
            seen.add(next_url)
            body = self._get_json(next_url)
            page = body.get("values")
            if not isinstance(page, list):
                raise KoladaError(f"unexpected response from Kolada at {next_url}: no 'values' list")
            values.extend(page)
            following = body.get("next_url") or body.get("next_page")  # next_page: the v2 name
            next_url = urllib.parse.urljoin(next_url, following) if following else None
        return values

    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / (hashlib.sha256(url.encode("utf-8")).hexdigest() + ".json")

    def _get_json(self, url: str) -> dict[str, Any]:
        """One page as JSON: from the disk cache when there, else from Kolada (then cached)."""
        path = self._cache_path(url)
        if path is not None and path.is_file():
            try:
                cached = json.loads(path.read_text(encoding="utf-8"))
                if cached.get("url") == url and isinstance(cached.get("response"), dict):
                    return cached["response"]
            except (OSError, ValueError, AttributeError):
                pass  # unreadable or foreign file: fetch again and overwrite it
        body = self._request(url)
        if path is not None:
            record = {"url": url, "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                      "response": body}
            atomic_write_text(path, json.dumps(record, ensure_ascii=False))
        return body

    def _unreachable(self, reason: object) -> KoladaError:
        return KoladaError(f"could not reach Kolada at {self.base_url}/ ({_one_line(reason, 120)}): "
                           "check the network, or use cached data / a CSV")

    def _request(self, url: str) -> dict[str, Any]:
        """GET a URL, retrying HTTP 429 and 5xx with exponential back-off (or ``Retry-After``)."""
        request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": _USER_AGENT})
        for attempt in range(self.max_retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    raw = response.read()
            except urllib.error.HTTPError as exc:
                status = exc.code
                retry_after = _retry_after_seconds(exc.headers.get("Retry-After") if exc.headers else None)
                exc.close()
                if status != 429 and status < 500:
                    raise KoladaError(f"Kolada answered HTTP {status} ({_one_line(exc.reason, 60)}) for {url}: "
                                      "check the KPI ids, codes and years") from None
                if attempt == self.max_retries:
                    raise KoladaError(f"Kolada answered HTTP {status} ({_one_line(exc.reason, 60)}) for {url} "
                                      f"{attempt + 1} times; gave up: try again later") from None
                wait = retry_after if retry_after is not None else self.backoff * 2 ** attempt
                self.sleep(wait)
                continue
            except urllib.error.URLError as exc:
                raise self._unreachable(exc.reason) from None
            except (TimeoutError, OSError, http.client.HTTPException) as exc:
                raise self._unreachable(str(exc) or type(exc).__name__) from None
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise KoladaError(f"Kolada sent a response that is not JSON for {url}") from None
            if not isinstance(body, dict):
                raise KoladaError(f"unexpected response from Kolada at {url}: not a JSON object")
            return body
        raise AssertionError("unreachable")  # pragma: no cover


# --------------------------------------------------------------------------- functions

def fetch_values(kpis: Sequence[str], municipalities: Sequence[str] | None = None,
                 years: Sequence[int] | None = None, *, include_regions: bool = False,
                 **client_options: Any) -> pd.DataFrame:
    """Convenience: ``KoladaClient(**client_options).fetch_values(...)``."""
    return KoladaClient(**client_options).fetch_values(kpis, municipalities, years,
                                                       include_regions=include_regions)


def write_values_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write values as ``code,indicator,year,value`` (UTF-8, missing value = empty cell), atomically.

    The file is what :func:`award_eval.data.load_indicators` reads; a reader never sees half a file.
    """
    missing = [c for c in VALUE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"write_values_csv needs columns {', '.join(VALUE_COLUMNS)}; missing {', '.join(missing)}")
    out = frame[VALUE_COLUMNS].astype({"code": str, "indicator": str, "year": "int64", "value": "float64"})
    path = Path(path)
    atomic_write_text(path, csv_safe(out).to_csv(index=False, lineterminator="\n"))
    return path


__all__ = ["DEFAULT_BASE_URL", "KoladaClient", "KoladaError", "MAX_IDS_PER_SEGMENT", "fetch_values",
           "write_values_csv"]


def kpi_sources(framework: Any) -> dict[str, str]:
    """Kolada KPI id → indicator criterion id, from the criteria file's ``source: {kolada: …}``."""
    return {node.source.kolada: node.id for node in framework.leaves("indicator")
            if node.source is not None and node.source.kolada}


def to_indicators(frame: pd.DataFrame, framework: Any) -> pd.DataFrame:
    """Fetched KPI values renamed to the criteria's indicator ids (KPIs no criterion names are dropped).

    The result is in the data folder's ``indicators.csv`` format, ready for ``load_indicators``.
    """
    mapping = kpi_sources(framework)
    out = frame[frame["indicator"].isin(mapping)].assign(indicator=lambda f: f["indicator"].map(mapping))
    return out.sort_values(["code", "indicator", "year"], kind="stable").reset_index(drop=True)
