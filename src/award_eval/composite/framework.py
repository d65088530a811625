"""The structure of a composite index: a COINr-style iMeta table, validated.

There is one framework type, :class:`award_eval.criteria.Framework`: the award's criteria and
a composite index's iMeta table are the same tree. ``Framework`` here is that class;
``Framework.from_imeta``, ``from_criteria`` and ``from_yaml`` build it.

An iMeta table has one row per code with the columns ``Level, iCode, iName, Direction, Weight,
Parent, Type`` (and optionally ``Denominator, Target, Unit``). ``Type`` is one of

- ``Indicator`` (Level 1, a column of the data),
- ``Aggregate`` (Level > 1, the weighted aggregate of the rows naming it as ``Parent``),
- ``Group`` (a grouping column of the data, e.g. an SKR municipality group),
- ``Denominator`` (a column of the data that indicators may be divided by).

Weights are relative within each parent: only their ratios among siblings matter. The single
Indicator/Aggregate row without a parent is the top of the index.

Every problem raises :class:`~award_eval.errors.InputError` naming the file, the row as a
spreadsheet numbers it (the header is row 1), the column and the value.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from award_eval.criteria import (  # noqa: F401  (the iMeta vocabulary, re-exported)
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TREE_TYPES,
    TYPES,
    Framework,
)


def as_framework(framework: Any) -> Framework:
    """Accept a composite Framework, a criteria Framework, an iMeta DataFrame or an iMeta path."""
    if isinstance(framework, Framework):
        return framework
    if isinstance(framework, (pd.DataFrame, str, Path)):
        if isinstance(framework, (str, Path)) and Path(framework).suffix.lower() in (".yaml", ".yml"):
            return Framework.from_yaml(framework)
        return Framework.from_imeta(framework)
    raise TypeError(f"cannot make a Framework from {type(framework).__name__}")
