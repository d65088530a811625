"""Anonymised jurors (issue #16): every known form of a name and every e-mail address is redacted,
aliases are dealt by the seed, no table counts per juror; and a real anonymised run holds no name."""
from __future__ import annotations

import csv
import dataclasses
import io
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from .conftest import CRITERIA, DEMO, DEMO_EPOCH, ROOT

from award_eval.privacy import (
    AMBIGUOUS,
    REDACTED,
    NameRedactor,
    anonymise,
    juror_aliases,
    neutralise_bidi,
    scrub_names_html,
    without_juror_counts,
)

JURORS = ["Anna Berg", "Björn Lind", "Carin Ek", "David Holm", "Elin Sjö", "Fredrik Ås", "Greta Nord"]


def test_aliases_are_dealt_by_the_seed_not_alphabetically():
    dealt = juror_aliases(JURORS, seed=42)
    assert sorted(dealt.values(), key=lambda a: int(a[1:])) == [f"J{i}" for i in range(1, 8)]
    assert dealt == juror_aliases(list(reversed(JURORS)), seed=42)  # the order given does not matter
    assert [dealt[n] for n in JURORS] != [f"J{i}" for i in range(1, 8)]  # not alphabetical
    assert any(juror_aliases(JURORS, seed=s) != dealt for s in (1, 2, 3))
    # one juror, however the name is written
    spellings = juror_aliases(["Anna Berg", "anna\u00a0berg", " ANNA  BERG "], seed=1)
    assert len(set(spellings.values())) == 1


@pytest.mark.parametrize("text, expected", [
    ("Som anna berg sa.", "Som {Anna Berg} sa."),
    ("ANNA BERG och Björn Lind", "{Anna Berg} och {Björn Lind}"),
    ("Anna\u00a0Berg, Carin\u202fEk, Elin\u2009Sjö", "{Anna Berg}, {Carin Ek}, {Elin Sjö}"),
    ("bjorn lind höll med", "{Björn Lind} höll med"),
    ("Fråga Björn.", "Fråga {Björn Lind}."),
    ("enligt Holm", "enligt {David Holm}"),
    ("greta tyckte", "{Greta Nord} tyckte"),
    ("skriv till david.holm@example.org", "skriv till {David Holm}"),
    ("eller till info@kommun.se", f"eller till {REDACTED}"),
    ("Holmsund och Bergsjö", "Holmsund och Bergsjö"),  # a name inside a longer word stays
])
def test_every_known_form_of_a_name_is_redacted_in_free_text(text, expected):
    aliases = juror_aliases(JURORS, seed=42)
    redact = NameRedactor(aliases, {"david.holm@example.org": aliases["David Holm"]})
    want = re.sub(r"\{([^}]+)\}", lambda m: aliases[m.group(1)], expected)
    assert redact(text) == want


def test_a_name_part_shared_by_two_jurors_is_ambiguous():
    aliases = juror_aliases(["Anna Berg", "Anna Lind"], seed=0)
    assert NameRedactor(aliases)("Anna sa") == f"{AMBIGUOUS} sa"
    assert NameRedactor(aliases)("Anna Lind sa") == f"{aliases['Anna Lind']} sa"


def test_pages_lose_full_names_in_any_spacing_and_e_mail_but_keep_places():
    aliases = juror_aliases(["Anna Berg"], seed=0)
    page = '<td>Anna&nbsp;Berg</td><td>anna berg</td><td>anna.berg@example.org</td><td>Berg</td>'
    assert scrub_names_html(page, aliases) == f'<td>J1</td><td>J1</td><td>{REDACTED}</td><td>Berg</td>'


def test_bidirectional_controls_are_neutralised():
    assert neutralise_bidi("Anna \u202eGREB\u202c och \u2067x\u2069") == "Anna \ufffdGREB\ufffd och \ufffdx\ufffd"


def test_anonymise_uses_jurors_csv_for_e_mail_and_redacts_comments(demo_data):
    scores = demo_data.jury_scores.copy()
    scores.loc[scores.index[0], "comment"] = "Som anna.berg@example.org och björn skrev"
    data = anonymise(dataclasses.replace(demo_data, jury_scores=scores), seed=42)
    aliases = juror_aliases(JURORS, seed=42)
    comment = data.jury_scores.loc[scores.index[0], "comment"]
    assert comment == f"Som {aliases['Anna Berg']} och {aliases['Björn Lind']} skrev"
    assert set(data.jury_scores["juror"]) <= set(aliases.values())
    assert set(data.conflicts["juror"]) <= set(aliases.values())


def test_no_table_counts_per_juror():
    summary = pd.DataFrame({"juror": ["J2", "J10", "J1"], "expected": [40, 35, 40], "scored": [40, 35, 40],
                            "missing": [0, 0, 0], "recused": [0, 1, 0], "complete": [True] * 3})
    out = without_juror_counts(summary)
    assert list(out.columns) == ["juror", "missing", "complete"] and list(out["juror"]) == ["J1", "J2", "J10"]


# ------------------------------------------------------------------------------------------------
# A real anonymised run: the jury page and a profile, over comments that name jurors in every form
# ------------------------------------------------------------------------------------------------

LEAKY_COMMENTS = [
    "Som anna berg påpekade: bra.", "ANNA BERG håller med Björn.", "Carin\u00a0Ek och lind tycker lika.",
    "Fråga David.Holm@example.org eller elin sjö.", "Fredrik\u202fÅs: tveksam; bjorn lind också.",
    "Greta var jävig? Nej, det var NORD som frågade.", "Holm \u202eNAM\u202c skrev till kontakt@varmdo.se.",
    "Enligt Sjö och Ås, samt carin; Berg likaså.",
]
_BASE64 = re.compile(r"[A-Za-z0-9+/=\n]{200,}")
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")


def _leaky_data(folder: Path) -> Path:
    folder.mkdir()
    for f in DEMO.glob("*.csv"):
        (folder / f.name).write_bytes(f.read_bytes())
    lines = (folder / "jury_scores.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    head = [line for line in lines if line.startswith("#")]
    rows = list(csv.reader(io.StringIO("".join(line for line in lines if not line.startswith("#")))))
    k = 0
    for row in rows[1:]:
        if row[1] == "0120":
            row[4] = LEAKY_COMMENTS[k % len(LEAKY_COMMENTS)]
            k += 1
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (folder / "jury_scores.csv").write_text("".join(head) + buf.getvalue(), encoding="utf-8")
    return folder


def _text_of(path: Path) -> str:
    if path.suffix == ".xlsx":  # a zip: its compressed bytes are no text, its cells are
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        return "\n".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                         for c in row if c is not None)
    return _BASE64.sub("", path.read_bytes().decode("utf-8", errors="replace"))


def _texts(out: Path) -> dict[str, str]:
    """Every file of a run folder as text (a workbook's cells), embedded images' base64 left out."""
    return {str(p.relative_to(out)): _text_of(p) for p in sorted(out.rglob("*")) if p.is_file()}


def name_forms() -> list[re.Pattern]:
    forms = []
    for name in JURORS:
        first, last = name.split()
        forms.append(re.compile(rf"(?<!\w){first}[\s\u200b]*{last}(?!\w)", re.I))
        forms += [re.compile(rf"(?<!\w){re.escape(part)}(?!\w)", re.I) for part in (first, last)]
    forms += [re.compile(r"(?<!\w)bjorn(?!\w)", re.I)]
    return forms


@pytest.fixture(scope="module")
def anonymised_run(tmp_path_factory):
    import os

    root = tmp_path_factory.mktemp("anon")
    data = _leaky_data(root / "data")
    plan = root / "plan.yaml"
    plan.write_text(f"""award: digitaliseringskommun
defaults: {{criteria: {CRITERIA}, data_dir: data, lang: sv, seed: 42, anonymise_jurors: true}}
evaluations:
  - {{id: jury, notebook: {ROOT / 'notebooks' / 'jury.ipynb'}}}
  - {{id: profile-0120, notebook: {ROOT / 'notebooks' / 'profile.ipynb'}, parameters: {{code: '0120'}}}}
""", encoding="utf-8")
    out = root / "out"
    res = subprocess.run([sys.executable, "-m", "award_eval.cli", "run", str(plan), "--out", str(out), "--jobs", "2",
                          "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=900,
                         env={**os.environ, "SOURCE_DATE_EPOCH": DEMO_EPOCH})
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-3000:]
    return out, data


def test_an_anonymised_run_holds_no_juror_name_in_any_form(anonymised_run):
    out, data = anonymised_run
    texts = _texts(out)
    assert {"jury/report.html", "jury/notebook.ipynb", "profile-0120/report.html", "profile-0120/notebook.ipynb",
            "index.html", "manifest.json"} <= set(texts)
    leaks = [(name, m.group(0)) for name, text in texts.items() for form in name_forms() for m in form.finditer(text)]
    # Berg is also a municipality: the national position lists all 290 by name (a place, not the juror)
    places = set(pd.read_csv(data / "municipalities.csv", comment="#", dtype=str)["name"])
    leaks = [(name, hit) for name, hit in leaks if not (name.endswith("national_position.csv") and hit in places)]
    assert not leaks, leaks[:20]
    emails = [(name, m.group(0)) for name, text in texts.items() for m in _EMAIL.finditer(text)]
    assert not emails, emails[:20]
    aliases = set(juror_aliases(JURORS, seed=42).values())
    assert aliases <= set(re.findall(r"\bJ\d+\b", texts["profile-0120/report.html"]))  # the comments are there
    for name, text in texts.items():
        if name.endswith(".html"):
            assert not re.search("[\u202a-\u202e\u2066-\u2069]", text), name


def test_an_anonymised_run_counts_nothing_per_juror(anonymised_run):
    out, _ = anonymised_run
    completeness = pd.read_csv(out / "jury" / "completeness.csv", comment="#")
    severity = pd.read_csv(out / "jury" / "severity.csv", comment="#")
    assert not {"expected", "scored", "recused"} & set(completeness.columns)
    assert not {"n_scores", "n_compared"} & set(severity.columns)
    dealt = juror_aliases(JURORS, seed=42)
    assert sorted(completeness["juror"]) == sorted(dealt.values())
