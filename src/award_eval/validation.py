"""Check an award's inputs without running anything: :func:`validate` returns a report the CLI prints.

``award-eval validate`` is this function and a print. The report lists every problem of the score
files (one line per bad cell, naming file, sheet, row, column and value), what passed, and who still
owes which scores; with ``write``, the checked scores are merged into one CSV, written only when
there is no problem at all.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from award_eval.criteria import load_framework
from award_eval.data import load_award_data
from award_eval.errors import InputError
from award_eval.io.files import atomic_write_text
from award_eval.jury.scores import check_jury_scores, completeness_summary, load_jurors, scores_to_csv

MAX_PROBLEMS = 50  # lines shown; the rest are counted


@dataclass
class ValidationReport:
    """What :func:`validate` found: ``problems`` (one line each), ``lines`` (what passed), ``ok``."""

    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    n_problems: int = 0
    scores: pd.DataFrame | None = None
    written: Path | None = None
    max_problems: int = MAX_PROBLEMS

    @property
    def ok(self) -> bool:
        return self.n_problems == 0

    def add(self, error: InputError | str) -> None:
        self.n_problems += 1
        if len(self.problems) < self.max_problems:
            self.problems.append(str(error))

    @property
    def more(self) -> int:
        """Problems found but not listed (over the cap)."""
        return self.n_problems - len(self.problems)


def round_summary(framework, data, data_dir: Path) -> str | None:
    """The round (``round.yaml``, ``decisions/``): every decision checked against its stage's
    candidates and ranking (:func:`award_eval.round.check_round`); the funnel as one line, or
    ``None`` when the award has no round."""
    from award_eval.round import check_round, load_round

    round_ = load_round(data_dir, framework, data)
    if round_ is None:
        return None
    check_round(round_, framework, data)
    open_ = next((s.id for s in round_.stages[:-1] if s.decisions is None), None)
    return ("Round: " + " → ".join(f"{s.id} {len(s.candidates)}" for s in round_.stages)
            + (f" ({open_}: not decided yet, no decisions/{open_}.csv)" if open_ else ""))


def validate(criteria: str | Path, data: str | Path, *, scores: Sequence[str | Path] | None = None,
             jurors: str | Path | None = None, require_complete: bool = False, write: str | Path | None = None,
             max_problems: int = MAX_PROBLEMS) -> ValidationReport:
    """Check the criteria file, the data folder and the jury's scores; never raises for bad input.

    ``scores``: returned workbooks or score CSVs, read *instead of* the folder's ``jury_scores.csv``
    (which need not exist). Without them the folder's ``jury_scores.csv`` is checked (a header-only
    one is "no scores yet"), and ``require_complete`` applies to it. ``jurors``: the jurors file
    (default: the folder's ``jurors.csv`` if present); anyone else's score is a problem. ``write``
    (needs ``scores``): the checked scores as one long CSV, written only if nothing is wrong.
    """
    report = ValidationReport(max_problems=max_problems)
    data_dir = Path(data)
    if isinstance(scores, (str, Path)):
        scores = [scores]
    try:
        if write is not None and not scores:
            raise InputError("validate --write", "--scores naming the returned sheets to merge", has_value=False)
        if write is not None and any(Path(p).resolve() == Path(write).resolve() for p in scores or ()):
            raise InputError(write, "a file other than the score files being read (inputs are never "
                             "overwritten)", has_value=False)
        framework = load_framework(criteria)
        award = load_award_data(data_dir, framework, jury=False)
        jury_list = load_jurors(jurors) if jurors is not None else award.jurors
    except InputError as exc:
        report.add(exc)
        return report
    if scores:
        sources = [Path(p) for p in scores]
    elif (data_dir / "jury_scores.csv").exists():  # absent: no scores yet (a round before the jury scores)
        sources = [data_dir / "jury_scores.csv"]
    else:
        sources = []
    merged, problems = check_jury_scores(sources, framework, award.nominees, award.conflicts, jury_list,
                                         require_complete=require_complete, allow_empty=True)
    for problem in problems:
        report.add(problem)
    if not report.ok:
        return report
    try:
        # the decisions are checked against the stages' recorded scores (the folder's), not the sheets coming in
        recorded = merged
        if scores:
            folder = data_dir / "jury_scores.csv"
            recorded = (check_jury_scores([folder], framework, award.nominees, award.conflicts, jury_list,
                                          allow_empty=True)[0] if folder.exists() else merged.iloc[0:0])
        round_line = round_summary(framework, replace(award, jury_scores=recorded), data_dir)  # one line if bad
    except InputError as exc:
        report.add(exc)
        return report
    report.scores = merged
    report.lines.append(
        f"OK: {criteria} (version {framework.version}, {len(framework.leaves())} criteria); "
        f"{data}: {len(award.register)} municipalities, {len(award.nominees)} nominees, "
        f"{len(merged)} jury scores, {len(award.indicators)} indicator values"
        + (" — synthetic demonstration data" if award.synthetic else ""))
    if round_line:
        report.lines.append(round_line)
    if framework.jury_criteria and len(award.nominees):
        summary = completeness_summary(merged, framework, award.nominees, jury_list, award.conflicts)
        owed = summary[summary["missing"] > 0]
        if owed.empty:
            report.lines.append(f"Jury scores complete: {len(summary)} jurors")
        else:
            report.lines.append("Scores still owed (juror: missing of expected):")
            report.lines += [f"  {row.juror}: {row.missing} of {row.expected}" for row in owed.itertuples()]
    if write is not None:
        target = Path(write)
        names = sorted(p.name for p in sources)
        notes = [f"Jury scores merged by award-eval validate from {len(names)} file(s): {', '.join(names)}"]
        if award.synthetic:
            notes.insert(0, "SYNTHETIC DEMONSTRATION DATA: the award's data folder is synthetic")
        try:
            atomic_write_text(target, scores_to_csv(merged, notes))
        except OSError as exc:
            report.add(InputError(target, f"a file we can write ({exc.strerror or type(exc).__name__})",
                                  has_value=False))
            return report
        report.written = target
        report.lines.append(f"Wrote {len(merged)} scores to {target}")
    return report
