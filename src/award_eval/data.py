"""Loaders for an award's data folder, each returning a validated tidy DataFrame.

Files (CSV with a header row, UTF-8; leading lines starting with ``#`` are notes, e.g. the
"synthetic demonstration data" banner):

- ``municipalities.csv`` — ``code, name, county, skr_group``: the register of units.
- ``nominees.csv`` — ``code`` plus descriptive columns.
- ``jury_scores.csv`` — ``juror, nominee, criterion, score, comment`` (long format).
- ``conflicts.csv`` — ``juror, nominee, reason`` (optional).
- ``jurors.csv`` — ``juror, email`` (optional): when present, a score or conflict of anyone else is refused.
- ``indicators.csv`` — ``code, indicator, year, value`` (long format).

Every problem raises :class:`~award_eval.errors.InputError` naming file, row, column and value.
Rows are numbered as a spreadsheet shows the file: the first line of the file is row 1.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from award_eval.criteria import Framework
from award_eval.errors import InputError
from award_eval.io.tables import CsvTable, read_table
from award_eval.jury.scores import load_jurors, read_jury_scores
from award_eval.joint import COLUMNS as JOINT_COLUMNS
from award_eval.joint import (
    check_name_column,
    combine_indicators,
    is_joint,
    joint_units,
    make_unit,
    population_of,
)

SKR_GROUPS = ("A1", "A2", "B3", "B4", "B5", "C6", "C7", "C8", "C9")
CODE_RE = re.compile(r"^\d{4}$")
MAX_NAME = 200  # characters in a name (municipality, county, juror)


def _check_unique(table: CsvTable, columns: list[str], what: str) -> None:
    dup = table.frame.duplicated(subset=columns, keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        value = "/".join(table.frame.iloc[i][c] for c in columns)
        raise table.error(i, columns[-1], value, f"one row per {what} (this one is repeated)")


def _check_member(table: CsvTable, column: str, allowed: set[str] | list[str], expected: str) -> None:
    allowed = set(allowed)
    bad = ~table.frame[column].isin(allowed)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise table.error(i, column, table.frame.iloc[i][column], expected)


def _to_number(table: CsvTable, column: str, lo: float | None = None, hi: float | None = None,
               allow_empty: bool = False, integer: bool = False) -> pd.Series:
    """Parse a column of numbers (decimal point or comma); empty cells become NaN when allowed."""
    text = table.frame[column].str.replace(",", ".", regex=False).str.replace("\u2212", "-", regex=False)
    values = pd.to_numeric(text.where(text != "", None), errors="coerce")
    span = f" from {lo:g} to {hi:g}" if lo is not None and hi is not None else ""
    kind = "a whole number" if integer else "a number"
    raw = table.frame[column].to_numpy()
    empty = raw == ""
    num = values.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        wrong = ~np.isfinite(num)
        if lo is not None:
            wrong |= num < lo
        if hi is not None:
            wrong |= num > hi
        if integer:
            wrong |= num != np.trunc(num)
    bad = np.flatnonzero((empty & (not allow_empty)) | (~empty & wrong))
    if len(bad):  # the first bad row, as a reader scanning the file would meet it
        i = int(bad[0])
        why = " (the cell is empty)" if empty[i] else ""
        raise table.error(i, column, raw[i], f"{kind}{span}{why}")
    return values.astype(float)


def load_register(path: str | Path) -> pd.DataFrame:
    """The register of municipalities: ``code`` (4-digit text), ``name``, ``county``, ``skr_group``."""
    table = read_table(path, ["code", "name", "county", "skr_group"])
    f = table.frame
    bad = ~f["code"].str.fullmatch(CODE_RE)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise table.error(i, "code", f.iloc[i]["code"], "a 4-digit municipality code kept as text, e.g. '0120'")
    _check_unique(table, ["code"], "municipality code")
    _check_member(table, "skr_group", SKR_GROUPS, "an SKR 2023 group, one of " + ", ".join(SKR_GROUPS))
    for col in ("name", "county"):
        _check_nonempty(table, col)
        _check_length(table, col, MAX_NAME)
    return f[["code", "name", "county", "skr_group"]].reset_index(drop=True)


def _check_length(table: CsvTable, column: str, limit: int) -> None:
    long = table.frame[column].str.len() > limit
    if long.any():
        i = int(np.flatnonzero(long.to_numpy())[0])
        raise table.error(i, column, table.frame.iloc[i][column], f"a text of at most {limit} characters")


def _check_nonempty(table: CsvTable, column: str) -> None:
    empty = table.frame[column] == ""
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise table.error(i, column, "", "a non-empty text")


def load_nominees(path: str | Path, register: pd.DataFrame, population: pd.Series | None = None) -> pd.DataFrame:
    """Nominees: ``code`` (in the register) plus descriptive columns; ``name`` etc. joined from it.

    A joint nominee's code is member codes joined by ``+`` (:mod:`award_eval.joint`); its name,
    county and group come from its members (or the file's ``name`` column)."""
    table = read_table(path, ["code"])
    joint = joint_units(table, register, population)
    _check_member(table, "code", set(register["code"]) | set(joint["code"]),
                  "a municipality code from the register (municipalities.csv)")
    _check_unique(table, ["code"], "nominee")
    check_name_column(table)
    extra = [c for c in table.frame.columns if c not in register.columns or c == "code"]
    out = table.frame[extra].merge(register, on="code", how="left")[
        list(register.columns) + [c for c in extra if c != "code"]]
    if len(joint):
        by_code = joint.set_index("code")
        mask = out["code"].map(is_joint).astype(bool)
        for col in ("name", "county", "skr_group"):
            out.loc[mask, col] = out.loc[mask, "code"].map(by_code[col])
    return out


def load_conflicts(path: str | Path, nominees: pd.DataFrame) -> pd.DataFrame:
    """Declared conflicts of interest: ``juror, nominee, reason``; the juror is recused."""
    table = read_table(path, ["juror", "nominee"], ["reason"])
    _check_nonempty(table, "juror")
    _check_length(table, "juror", MAX_NAME)
    _check_member(table, "nominee", nominees["code"], "the code of a nominee (nominees.csv)")
    _check_unique(table, ["juror", "nominee"], "juror × nominee")
    f = table.frame
    if "reason" not in f.columns:
        f = f.assign(reason="")
    return f[["juror", "nominee", "reason"]].reset_index(drop=True)


def load_jury_scores(path: str | Path, framework: Framework, nominees: pd.DataFrame,
                     conflicts: pd.DataFrame | None = None, jurors: pd.DataFrame | None = None) -> pd.DataFrame:
    """Jury scores, long: ``juror, nominee, criterion, score, comment``; checked against the rubric.

    One file (long CSV or a scoring workbook) read by :func:`award_eval.jury.read_jury_scores`,
    which holds the checks; an empty score cell is a missing score and is left out.
    """
    return read_jury_scores([path], framework, nominees, conflicts, jurors=jurors)


def load_indicators(path: str | Path, framework: Framework, register: pd.DataFrame) -> pd.DataFrame:
    """Indicator values, long: ``code, indicator, year, value`` (empty value = missing)."""
    table = read_table(path, ["code", "indicator", "year", "value"])
    _check_member(table, "code", register["code"], "a municipality code from the register (municipalities.csv)")
    _check_member(table, "indicator", framework.indicator_criteria,
                  "an indicator criterion id of the criteria file: " + ", ".join(framework.indicator_criteria))
    years = _to_number(table, "year", 1900, 2100, integer=True)
    values = _to_number(table, "value", allow_empty=True)
    _check_unique(table, ["code", "indicator", "year"], "code × indicator × year")
    out = table.frame.assign(year=years.astype(int), value=values)
    return out[["code", "indicator", "year", "value"]].reset_index(drop=True)


def latest_values(indicators: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Wide units × indicators from the long table: the given year, or each pair's latest year."""
    data = indicators if year is None else indicators[indicators["year"] == year]
    data = data.dropna(subset=["value"]).sort_values(["code", "indicator", "year"])
    latest = data.groupby(["code", "indicator"], sort=True).tail(1)
    return latest.pivot(index="code", columns="indicator", values="value")


@dataclass(frozen=True)
class AwardData:
    """Everything in an award's data folder, validated, plus where it came from."""

    register: pd.DataFrame
    nominees: pd.DataFrame
    jury_scores: pd.DataFrame
    conflicts: pd.DataFrame
    indicators: pd.DataFrame
    synthetic: bool
    files: dict[str, Path] = field(default_factory=dict)
    jurors: pd.DataFrame | None = None  # jurors.csv, when the folder has one
    #: Joint nominees (award_eval.joint): code, name, county, skr_group, members; empty when none.
    joint: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=JOINT_COLUMNS))

    def with_joint_in_register(self) -> "AwardData":
        """This data with every joint nominee added to the register *beside* the municipalities (its
        members stay): for national and group comparisons that show a joint nominee."""
        if not len(self.joint):
            return self
        extra = self.joint[["code", "name", "county", "skr_group"]]
        return replace(self, register=pd.concat([self.register, extra], ignore_index=True))

    def sha256(self) -> dict[str, str]:
        """SHA-256 of every input file, by file name."""
        return {name: hashlib.sha256(p.read_bytes()).hexdigest() for name, p in sorted(self.files.items())}


def _population(register_path: Path, covariates_path: Path) -> pd.Series | None:
    return population_of(read_table(register_path, ["code"]).frame,
                         read_table(covariates_path, ["code"]).frame if covariates_path.is_file() else None)


def _rules(framework: Framework) -> dict[str, str]:
    return {n.id: n.combine for n in framework.leaves("indicator") if n.combine}


def with_joint(data: AwardData, codes, framework: Framework) -> AwardData:
    """``data`` with further joint units among ``codes`` (e.g. nominated together in nominations.csv),
    made and combined as joint nominees of nominees.csv are (:mod:`award_eval.joint`)."""
    known = set(data.joint["code"])
    new = [c for c in dict.fromkeys(codes) if is_joint(c) and c not in known]
    if not new:
        return data
    register_path = data.files.get("municipalities.csv")
    population = _population(Path(register_path), Path(register_path).parent / "covariates.csv") if register_path else None
    reg = data.register.set_index("code")
    units = pd.DataFrame([make_unit(c, reg, population) for c in new], columns=JOINT_COLUMNS)
    own = data.indicators[~data.indicators["code"].isin(known)]
    extra = combine_indicators(own, units, _rules(framework), population)
    return replace(data, joint=pd.concat([data.joint, units], ignore_index=True),
                   indicators=pd.concat([data.indicators, extra], ignore_index=True))


def load_award_data(data_dir: str | Path, framework: Framework, *, jury: bool = True) -> AwardData:
    """Load and cross-check every file of an award's data folder.

    ``jury=False`` leaves ``jury_scores.csv`` unread (empty scores): for ``award-eval validate
    --scores``, where the returned sheets stand in for it.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(data_dir, "an existing data folder", has_value=False)
    files = {"municipalities.csv": data_dir / "municipalities.csv", "nominees.csv": data_dir / "nominees.csv"}
    register = load_register(files["municipalities.csv"])
    nominees_table = read_table(files["nominees.csv"], ["code"])
    joint = pd.DataFrame(columns=JOINT_COLUMNS)
    population = None
    if nominees_table.frame["code"].map(is_joint).any():  # joint nominees: population for their rules
        population = _population(files["municipalities.csv"], data_dir / "covariates.csv")
        joint = joint_units(nominees_table, register, population)
    nominees = load_nominees(files["nominees.csv"], register, population)
    synthetic_flags = [read_table(files["nominees.csv"], ["code"]).synthetic]

    conflicts = pd.DataFrame(columns=["juror", "nominee", "reason"])
    if (data_dir / "conflicts.csv").exists():
        files["conflicts.csv"] = data_dir / "conflicts.csv"
        conflicts = load_conflicts(files["conflicts.csv"], nominees)

    jurors = None
    if (data_dir / "jurors.csv").exists():
        # checked against, not an input of the results: left out of ``files`` (and so of provenance)
        jurors = load_jurors(data_dir / "jurors.csv")
        _check_conflict_jurors(files["conflicts.csv"] if "conflicts.csv" in files else None, conflicts, jurors)

    scores = pd.DataFrame({"juror": pd.Series(dtype=str), "nominee": pd.Series(dtype=str),
                           "criterion": pd.Series(dtype=str), "score": pd.Series(dtype=float),
                           "comment": pd.Series(dtype=str)})
    if jury and (data_dir / "jury_scores.csv").exists():  # absent: no scores yet (a round before the jury scores)
        files["jury_scores.csv"] = data_dir / "jury_scores.csv"
        scores = load_jury_scores(files["jury_scores.csv"], framework, nominees, conflicts, jurors)
        synthetic_flags.append(read_table(files["jury_scores.csv"], []).synthetic)

    indicators = pd.DataFrame({"code": pd.Series(dtype=str), "indicator": pd.Series(dtype=str),
                               "year": pd.Series(dtype=int), "value": pd.Series(dtype=float)})
    if framework.indicator_criteria or (data_dir / "indicators.csv").exists():
        files["indicators.csv"] = data_dir / "indicators.csv"
        indicators = load_indicators(files["indicators.csv"], framework, register)
        synthetic_flags.append(read_table(files["indicators.csv"], []).synthetic)
        if len(joint):
            indicators = pd.concat([indicators, combine_indicators(indicators, joint, _rules(framework), population)],
                                   ignore_index=True)

    # the round's files (read by award_eval.round and .preconditions): listed so that their hashes count
    for name in ("nominations.csv", "covariates.csv", "round.yaml"):
        if (data_dir / name).is_file():
            files[name] = data_dir / name
    for folder in ("decisions", "scores"):
        for path in sorted((data_dir / folder).glob("*.csv")):
            files[f"{folder}/{path.name}"] = path

    return AwardData(register=register, nominees=nominees, jury_scores=scores, conflicts=conflicts,
                     indicators=indicators, synthetic=any(synthetic_flags), files=files, jurors=jurors,
                     joint=joint)


def _check_conflict_jurors(path: Path | None, conflicts: pd.DataFrame, jurors: pd.DataFrame) -> None:
    """A conflict declared by someone not on the jurors list is a typo in a name: refused."""
    known = set(jurors["juror"])
    for i, name in enumerate(conflicts["juror"]):
        if name not in known:
            table = read_table(path, ["juror", "nominee"], ["reason"])
            raise table.error(i, "juror", name, "a juror of jurors.csv")
