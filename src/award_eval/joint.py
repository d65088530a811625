"""Joint nominees: several municipalities nominated together (Mora, Orsa and Älvdalen: ``2062+2034+2039``).

A nominee code may be member codes of the register joined by ``+``. The joint nominee gets a
display name that always names the members (``nominees.csv``'s ``name`` column followed by the
members' names in brackets, else the members' names joined by " + "), the
members' county and SKR group (the most populous member's group when they differ), and indicator
values combined from its members' by a rule per indicator — the criteria file's ``combine``:

- ``sum``: the members' total (counts; missing when a member's value is missing),
- ``mean``: the mean of the members' values that are present,
- ``population_weighted`` (the default): the mean weighted by population — a share of residents of
  the joint area; without population figures it is the plain mean,
- ``min`` / ``max``: the weakest / strongest member.

Population comes from the register's ``population`` column where present, else from
``covariates.csv``'s. The joint nominee is *added beside* the population: its members stay in
every national and group comparison, and the open indicators are normalised on the register alone,
then applied to the joint values (a value beyond the population's range is held at the range's end).
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from award_eval.io.tables import CsvTable

JOINT_RE = re.compile(r"^\d{4}(\+\d{4})+$")
RULES = ("sum", "mean", "population_weighted", "min", "max")
DEFAULT_RULE = "population_weighted"
COLUMNS = ["code", "name", "county", "skr_group", "members"]


def is_joint(code: object) -> bool:
    return isinstance(code, str) and bool(JOINT_RE.match(code))


def members(code: str) -> list[str]:
    """The member codes of a joint code (a single code is its own only member)."""
    return code.split("+")


def joint_units(table: CsvTable, register: pd.DataFrame, population: pd.Series | None = None) -> pd.DataFrame:
    """The joint nominees of ``nominees.csv`` (``table``): ``COLUMNS``, ``members`` as a tuple.

    Checks: every member is in the register, no member twice. One :class:`InputError` line each.
    """
    reg = register.set_index("code")
    rows = []
    for i, code in enumerate(table.frame["code"]):
        if not is_joint(code):
            continue
        why = valid_joint(code, set(reg.index))
        if why:
            raise table.error(i, "code", code, why)
        given = table.frame["name"].iloc[i] if "name" in table.frame.columns else ""
        rows.append(make_unit(code, reg, population, given))
    return pd.DataFrame(rows, columns=COLUMNS)


def make_unit(code: str, reg: pd.DataFrame, population: pd.Series | None = None, given: str = "") -> dict:
    """One joint unit's row (``COLUMNS``); ``reg``: the register indexed by code (members checked)."""
    codes = members(code)
    joined = " + ".join(reg.at[c, "name"] for c in codes)
    name = f"{given} ({joined})" if given else joined  # the members are always named
    counties = list(dict.fromkeys(reg.at[c, "county"] for c in codes))
    groups = [reg.at[c, "skr_group"] for c in codes]
    if len(set(groups)) > 1 and population is not None and population.reindex(codes).notna().all():
        group = groups[int(np.argmax(population.reindex(codes).to_numpy()))]
    else:
        group = groups[0]
    return {"code": code, "name": name, "county": " / ".join(counties), "skr_group": group, "members": tuple(codes)}


def valid_joint(code: str, register_codes: set[str]) -> str | None:
    """Why ``code`` is not a valid joint code of ``register_codes`` members, or ``None`` when it is."""
    codes = members(code)
    bad = next((c for c in codes if c not in register_codes), None)
    if bad is not None:
        return f"member codes from the register joined by '+' ({bad} is not in municipalities.csv)"
    if len(set(codes)) != len(codes):
        return "each member once"
    return None


def combine_values(values: np.ndarray, rule: str, weights: np.ndarray | None = None) -> float:
    """One joint value from its members' (NaN = missing) by ``rule``."""
    if rule not in RULES:
        raise ValueError(f"combine rule {rule!r} is not one of {', '.join(RULES)}")
    present = ~np.isnan(values)
    if rule == "sum":
        return float(values.sum()) if present.all() else np.nan
    if not present.any():
        return np.nan
    v = values[present]
    if rule == "min":
        return float(v.min())
    if rule == "max":
        return float(v.max())
    if rule == "population_weighted" and weights is not None and not np.isnan(weights[present]).any():
        return float(np.average(v, weights=weights[present]))
    return float(v.mean())


def combine_indicators(indicators: pd.DataFrame, units: pd.DataFrame, rules: dict[str, str],
                       population: pd.Series | None = None) -> pd.DataFrame:
    """Long ``code, indicator, year, value`` rows for every joint unit, from its members' rows.

    ``rules``: indicator → rule (missing: :data:`DEFAULT_RULE`). One row per indicator × year that
    any member has.
    """
    out = []
    by_code = indicators.set_index("code")
    for unit in units.itertuples(index=False):
        codes = list(unit.members)
        weights = population.reindex(codes).to_numpy(dtype=float) if population is not None else None
        own = by_code[by_code.index.isin(codes)].reset_index()
        for (indicator, year), group in own.groupby(["indicator", "year"], sort=True):
            vals = group.set_index("code")["value"].reindex(codes).to_numpy(dtype=float)
            out.append({"code": unit.code, "indicator": indicator, "year": int(year),
                        "value": combine_values(vals, rules.get(indicator, DEFAULT_RULE), weights)})
    frame = pd.DataFrame(out, columns=["code", "indicator", "year", "value"])
    return frame.astype({"year": int, "value": float})


def population_of(register_table: pd.DataFrame | None, covariates: pd.DataFrame | None) -> pd.Series | None:
    """code → population: the register's ``population`` column where present, else covariates.csv's."""
    for frame in (register_table, covariates):
        if frame is not None and "population" in frame.columns:
            values = pd.to_numeric(frame["population"].astype(str).str.replace(",", ".", regex=False)
                                   .str.replace(" ", "", regex=False), errors="coerce")
            return pd.Series(values.to_numpy(), index=frame["code"].astype(str).to_numpy(), name="population")
    return None


def check_name_column(table: CsvTable) -> None:
    """A ``name`` in nominees.csv is for joint nominees only (a single municipality has the register's)."""
    if "name" not in table.frame.columns:
        return
    for i, (code, name) in enumerate(zip(table.frame["code"], table.frame["name"])):
        if name and not is_joint(code):
            raise table.error(i, "name", name, "an empty cell: only a joint nominee (codes joined by '+') "
                              "takes a name here; a municipality's name comes from the register")



#: How a joint nominee's structural covariates (covariates.csv) combine from its members'. Any other
#: numeric covariate (tax capacity, age shares, …) is the population-weighted mean of the members'.
COVARIATE_RULES = {
    "population": "sum",                # residents of the joint area
    "density": "population_over_area",  # total population / total area (area = population / density)
}


def combine_covariates(covariates: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Each joint unit's covariates from its members' (``covariates`` indexed by code, as
    :func:`award_eval.preconditions.load_covariates` returns; ``units``: ``COLUMNS``).

    ``population``: the sum; ``density``: total population / total land area (each member's area is
    its population / density: the density of the joint area); every other numeric covariate: the
    mean weighted by population (the plain mean without population); ``skr_group``: the unit's own
    (the most populous member's, :func:`make_unit`). A covariate missing for any member is missing.
    Returns a frame indexed by the units' codes with ``covariates``' columns.
    """
    rows = {}
    for unit in units.itertuples(index=False):
        own = covariates.reindex(list(unit.members))
        pop = own["population"].to_numpy(dtype=float) if "population" in own.columns else None
        row: dict[str, object] = {}
        for col in covariates.columns:
            if col == "skr_group":
                row[col] = unit.skr_group
                continue
            v = own[col].to_numpy(dtype=float)
            rule = COVARIATE_RULES.get(col, "population_weighted")
            if np.isnan(v).any():
                row[col] = np.nan
            elif rule == "sum":
                row[col] = float(v.sum())
            elif rule == "population_over_area" and pop is not None and not np.isnan(pop).any():
                row[col] = float(pop.sum() / (pop / v).sum())
            elif pop is not None and not np.isnan(pop).any():
                row[col] = float(np.average(v, weights=pop))
            else:
                row[col] = float(v.mean())
        rows[unit.code] = row
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(covariates.columns)).rename_axis("code")
