"""Tests of the Kolada client against a real local HTTP server that serves recorded Kolada objects.

The server (``http.server`` on 127.0.0.1, port 0, in a thread) answers the v3 routes the client uses
from ``tests/fixtures/kolada/``: it filters the recorded data objects by the ids in the path, pages
them with ``next_url`` and counts every request. No test touches the internet.
"""
from __future__ import annotations

import json
import math
import socket
import threading
import urllib.parse
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from award_eval.errors import AwardEvalError, InputError
from award_eval.io.kolada import (
    KoladaClient,
    KoladaError,
    _retry_after_seconds,
    fetch_values,
    write_values_csv,
)

FIXTURES = Path(__file__).parent / "fixtures" / "kolada"
DATA = json.loads((FIXTURES / "data_values.json").read_text(encoding="utf-8"))["values"]
KPI_META = json.loads((FIXTURES / "kpi_metadata.json").read_text(encoding="utf-8"))["values"]
STOCKHOLM_N03702 = {2012: 777.735791, 2013: 791.349003, 2014: 843.925749, 2015: 904.557149,
                    2016: 886.701745, 2017: 892.008621}
FIRST_30 = sorted({o["municipality"] for o in DATA if o["kpi"] == "N07900" and not o["municipality"].startswith("00")})


class FakeKolada:
    """State of the local Kolada stand-in: page size, scripted failures, and a log of requests."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()

    def reset(self) -> None:
        self.page_size = 5000
        self.script: list[tuple[int, dict[str, str], bytes]] = []  # served first, in order
        self.always: tuple[int, dict[str, str], bytes] | None = None
        self.requests: list[str] = []
        self.violations: list[str] = []

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- routing ---------------------------------------------------------------------------
    def answer(self, raw_path: str) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append(raw_path)
            if self.script:
                return self.script.pop(0)
            if self.always is not None:
                return self.always
        parsed = urllib.parse.urlsplit(raw_path)
        parts = [p for p in parsed.path.split("/") if p]
        page = int(urllib.parse.parse_qs(parsed.query).get("page", ["1"])[0])
        if parts[:1] != ["v3"]:
            return 404, {}, b'{"error": "not found"}'
        if parts[1:2] == ["data"] and len(parts) in (6, 8):
            filters = dict(zip(parts[2::2], parts[3::2]))
            if not {"kpi"} <= set(filters) <= {"kpi", "municipality", "year"}:
                return 404, {}, b'{"error": "not found"}'
            ids = {key: value.split(",") for key, value in filters.items()}
            for key, values in ids.items():
                if len(values) > 25:
                    self.violations.append(f"{key}: {len(values)} ids")
                    return 400, {}, b'{"error": "at most 25 ids per segment"}'
            rows = [o for o in DATA
                    if o["kpi"] in ids["kpi"]
                    and ("municipality" not in ids or o["municipality"] in ids["municipality"])
                    and ("year" not in ids or str(o["period"]) in ids["year"])]
        elif parts[1:2] == ["kpi"] and len(parts) == 3:
            wanted = parts[2].split(",")
            if len(wanted) > 25:
                self.violations.append(f"kpi: {len(wanted)} ids")
                return 400, {}, b'{"error": "at most 25 ids per segment"}'
            rows = [o for o in KPI_META if o["id"] in wanted]
        else:
            return 404, {}, b'{"error": "not found"}'
        start = (page - 1) * self.page_size
        chunk = rows[start:start + self.page_size]
        body: dict[str, object] = {"values": chunk, "count": len(chunk)}
        if start + self.page_size < len(rows):
            body["next_url"] = f"{self.base}{parsed.path}?page={page + 1}"
        if page > 1:
            body["previous_url"] = f"{self.base}{parsed.path}?page={page - 1}"
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode("utf-8")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                status, headers, body = fake.answer(self.path)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture(scope="module")
def kolada_server():
    fake = FakeKolada()
    yield fake
    fake.close()


@pytest.fixture
def kolada(kolada_server):
    kolada_server.reset()
    return kolada_server


@pytest.fixture
def waits() -> list[float]:
    return []


def client(fake: FakeKolada, waits: list[float] | None = None, **options) -> KoladaClient:
    options.setdefault("timeout", 5)
    recorder = waits.append if waits is not None else (lambda s: pytest.fail(f"unexpected sleep {s}"))
    return KoladaClient(base_url=fake.base + "/v3", sleep=recorder, **options)


# ------------------------------------------------------------------------------ values

def test_single_page(kolada):
    frame = client(kolada).fetch_values(["N03702"], ["0180"], [2012, 2013, 2014, 2015, 2016, 2017])
    assert kolada.requests == ["/v3/data/kpi/N03702/municipality/0180/year/2012,2013,2014,2015,2016,2017"]
    assert list(frame.columns) == ["code", "indicator", "year", "value"]
    assert frame["year"].tolist() == list(STOCKHOLM_N03702)
    assert frame["value"].tolist() == list(STOCKHOLM_N03702.values())
    assert set(frame["code"]) == {"0180"} and set(frame["indicator"]) == {"N03702"}


def test_paging_follows_next_url(kolada):
    kolada.page_size = 2
    frame = client(kolada).fetch_values(["N03702"], ["0180"], None)
    assert kolada.requests == ["/v3/data/kpi/N03702/municipality/0180",
                               "/v3/data/kpi/N03702/municipality/0180?page=2",
                               "/v3/data/kpi/N03702/municipality/0180?page=3"]
    assert dict(zip(frame["year"], frame["value"])) == STOCKHOLM_N03702


def test_more_than_25_municipalities_are_chunked(kolada):
    assert len(FIRST_30) == 30
    frame = client(kolada).fetch_values(["N07900"], list(reversed(FIRST_30)), [2024])
    assert kolada.violations == []
    assert [len(p.split("/municipality/")[1].split("/")[0].split(",")) for p in kolada.requests] == [25, 5]
    assert frame["code"].tolist() == FIRST_30
    assert frame["year"].eq(2024).all()


def test_data_urls_chunk_every_segment():
    kpis = [f"U{21340 + i}" for i in range(26)]
    codes = [f"{i:04d}" for i in range(114, 144)]
    urls = KoladaClient(base_url="http://kolada.invalid/v3/").data_urls(kpis, codes, [2024, 2023])
    assert len(urls) == 4
    for url in urls:
        path = urllib.parse.urlsplit(url).path.split("/")
        assert path[:4] == ["", "v3", "data", "kpi"]
        assert all(len(path[i].split(",")) <= 25 for i in (4, 6, 8))
        assert path[7:] == ["year", "2023,2024"]


def test_gender_split_uses_total_and_null_is_nan(kolada):
    frame = client(kolada).fetch_values(["N01951", "N07900"], ["0180", "0120", "0115"], [2024])
    by_key = {(c, k): v for c, k, v in zip(frame["code"], frame["indicator"], frame["value"])}
    assert by_key[("0120", "N01951")] == 46500.0
    assert by_key[("0180", "N01951")] == 990000.0
    assert math.isnan(by_key[("0115", "N07900")])
    assert len(frame) == 5  # 2 × N01951 + 3 × N07900


def test_all_municipalities_drop_riket_and_regions_unless_asked(kolada):
    frame = client(kolada).fetch_values(["N07900"], None, [2024])
    assert kolada.requests == ["/v3/data/kpi/N07900/year/2024"]
    assert frame["code"].tolist() == FIRST_30
    with_regions = client(kolada).fetch_values(["N07900"], None, [2024], include_regions=True)
    assert with_regions["code"].tolist()[:2] == ["0000", "0001"]
    assert client(kolada).fetch_values(["N07900"], ["0000"], [2024])["code"].tolist() == ["0000"]


def test_output_is_sorted_with_text_codes_and_fixed_dtypes(kolada):
    frame = client(kolada).fetch_values(["N07900", "N01951"], ["0120", "0114"], [2024, 2023])
    assert frame[["code", "indicator", "year"]].values.tolist() == [
        ["0114", "N07900", 2024], ["0120", "N01951", 2024], ["0120", "N07900", 2023], ["0120", "N07900", 2024]]
    assert isinstance(frame.index, pd.RangeIndex) and frame.index.tolist() == [0, 1, 2, 3]
    assert pd.api.types.is_string_dtype(frame["code"]) and frame["code"].iloc[1] == "0120"
    assert frame["year"].dtype == "int64" and frame["value"].dtype == "float64"


def test_no_rows_gives_empty_frame_with_columns(kolada):
    frame = client(kolada).fetch_values(["N90002"], ["0120"], [2024])
    assert list(frame.columns) == ["code", "indicator", "year", "value"] and len(frame) == 0
    assert frame["year"].dtype == "int64" and frame["value"].dtype == "float64"


def test_module_level_fetch_values(kolada):
    frame = fetch_values(["N03702"], ["0180"], [2017], base_url=kolada.base + "/v3")
    assert frame["value"].tolist() == [STOCKHOLM_N03702[2017]]


# ------------------------------------------------------------------------------ metadata

def test_kpi_metadata(kolada):
    meta = client(kolada).fetch_kpi_metadata(["N90002", "N07900"])
    assert kolada.requests == ["/v3/kpi/N07900,N90002"]
    assert list(meta.columns[:3]) == ["id", "title", "description"]
    assert meta["id"].tolist() == ["N07900", "N90002"]
    assert meta.loc[0, "title"] == "Tillgång till fast bredband om minst 100 Mbit/s, andel (%)"
    assert "is_divided_by_gender" in meta.columns


# ------------------------------------------------------------------------------ failures

def test_429_with_retry_after_then_success(kolada, waits):
    kolada.script.append((429, {"Retry-After": "7"}, b'{"error": "slow down"}'))
    frame = client(kolada, waits).fetch_values(["N03702"], ["0180"], [2017])
    assert waits == [7.0]
    assert len(kolada.requests) == 2
    assert frame["value"].tolist() == [STOCKHOLM_N03702[2017]]


def test_persistent_503_gives_up_after_max_retries(kolada, waits, tmp_path):
    kolada.always = (503, {}, b"busy")
    with pytest.raises(KoladaError) as info:
        client(kolada, waits, max_retries=3, backoff=0.5, cache_dir=tmp_path).fetch_values(["N07900"], ["0120"], [2024])
    message = str(info.value)
    assert "HTTP 503" in message and f"{kolada.base}/v3/data/kpi/N07900/municipality/0120/year/2024" in message
    assert "\n" not in message
    assert waits == [0.5, 1.0, 2.0]
    assert len(kolada.requests) == 4
    assert list(tmp_path.iterdir()) == []  # failures are not cached
    assert isinstance(info.value, AwardEvalError)


def test_client_error_is_not_retried(kolada, waits):
    kolada.always = (404, {}, b'{"error": "not found"}')
    with pytest.raises(KoladaError, match="HTTP 404"):
        client(kolada, waits).fetch_values(["N07900"], ["0120"], [2024])
    assert waits == [] and len(kolada.requests) == 1


def test_non_json_answer(kolada):
    kolada.always = (200, {"Content-Type": "text/html"}, b"<html>maintenance</html>")
    with pytest.raises(KoladaError, match="not JSON"):
        client(kolada).fetch_values(["N07900"], ["0120"], [2024])


def test_offline_closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}/v3"
    with pytest.raises(KoladaError) as info:
        KoladaClient(base_url=base, timeout=2, sleep=lambda s: pytest.fail("no retry when offline")).fetch_values(
            ["N07900"], ["0120"], [2024])
    message = str(info.value)
    assert message.startswith(f"could not reach Kolada at {base}/ (")
    assert message.endswith("): check the network, or use cached data / a CSV")
    assert "\n" not in message


def test_timeout_is_unreachable():
    with socket.socket() as sock:  # listens but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        base = f"http://127.0.0.1:{sock.getsockname()[1]}/v3"
        with pytest.raises(KoladaError, match="could not reach Kolada at .*timed out"):
            KoladaClient(base_url=base, timeout=0.2).fetch_values(["N07900"], ["0120"], [2024])


def test_retry_after_http_date():
    now = datetime(2025, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert _retry_after_seconds("Thu, 01 May 2025 12:00:30 GMT", now) == 30.0
    assert _retry_after_seconds("Thu, 01 May 2025 11:00:00 GMT", now) == 0.0
    assert _retry_after_seconds("soon", now) is None and _retry_after_seconds(None) is None


# ------------------------------------------------------------------------------ cache

def test_cache_hit_makes_no_request(kolada, tmp_path):
    kolada.page_size = 4
    first = client(kolada, cache_dir=tmp_path / "cache").fetch_values(["N03702"], ["0180"], None)
    assert len(kolada.requests) == 2
    files = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(files) == 2 and all(name.endswith(".json") and not name.startswith(".") for name in files)
    second = client(kolada, cache_dir=tmp_path / "cache").fetch_values(["N03702"], ["0180"], None)
    assert len(kolada.requests) == 2
    pd.testing.assert_frame_equal(first, second)


def test_corrupt_cache_file_is_refetched(kolada, tmp_path):
    c = client(kolada, cache_dir=tmp_path)
    c.fetch_values(["N03702"], ["0180"], [2017])
    (cached,) = tmp_path.iterdir()
    cached.write_text("{half a fi", encoding="utf-8")
    assert c.fetch_values(["N03702"], ["0180"], [2017])["value"].tolist() == [STOCKHOLM_N03702[2017]]
    assert len(kolada.requests) == 2
    assert json.loads(cached.read_text(encoding="utf-8"))["response"]["count"] == 1


# ------------------------------------------------------------------------------ validation

@pytest.mark.parametrize("kpis, codes, years, fragment", [
    (["n07900"], ["0120"], [2024], "KPI id"),
    (["N0790"], ["0120"], [2024], "KPI id"),
    (["X07900"], ["0120"], [2024], "KPI id"),
    (["N07900;x"], ["0120"], [2024], "KPI id"),
    ([], ["0120"], [2024], "at least one KPI"),
    (["N07900"], ["120"], [2024], "4-digit municipality code"),
    (["N07900"], [120], [2024], "4-digit municipality code"),
    (["N07900"], ["0120", "Stockholm"], [2024], "4-digit municipality code"),
    (["N07900"], ["0120"], [24], "a year"),
    (["N07900"], ["0120"], [True], "a year"),
    (["N07900"], None, None, "municipality codes or years"),
])
def test_bad_input_rejected_before_any_request(kolada, kpis, codes, years, fragment):
    with pytest.raises(InputError, match=fragment):
        client(kolada).fetch_values(kpis, codes, years)
    with pytest.raises(InputError):
        client(kolada).fetch_kpi_metadata(["N07900", "bad"])
    assert kolada.requests == []


# ------------------------------------------------------------------------------ CSV output

def test_write_values_csv(kolada, tmp_path):
    frame = client(kolada).fetch_values(["N07900"], ["0120", "0115"], [2024, 2023])
    out = write_values_csv(frame, tmp_path / "out" / "kolada.csv")
    assert out.read_text(encoding="utf-8") == (
        "code,indicator,year,value\n"
        "0115,N07900,2024,\n"
        "0120,N07900,2023,91.0\n"
        "0120,N07900,2024,81.5\n")
    assert [p.name for p in out.parent.iterdir()] == ["kolada.csv"]
    back = pd.read_csv(out, dtype={"code": str, "indicator": str})
    assert back["code"].tolist() == ["0115", "0120", "0120"]
    with pytest.raises(ValueError, match="missing value"):
        write_values_csv(frame.drop(columns="value"), tmp_path / "x.csv")
