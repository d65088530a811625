"""The ``award-eval`` command: a thin shell over the Python API.

Exit codes: 0 success, 1 an evaluation failed (the others completed), 2 bad input (one line on
stderr naming the place, no traceback, nothing written).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from award_eval.errors import AwardEvalError, EvaluationFailed, InputError, PlanError


def _cmd_run(args: argparse.Namespace) -> int:
    from award_eval.run.batch import run_plan
    from award_eval.run.plan import load_plan

    result = run_plan(load_plan(args.plan), args.out, jobs=args.jobs, progress=not args.quiet, force=args.force,
                      dask=args.dask, timeout=args.timeout, kernel_start=args.kernel_start)
    print(result.summary())
    print(f"Reports: {result.index}")
    return 1 if result.failed else 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from award_eval.criteria import load_framework
    from award_eval.data import load_award_data
    from award_eval import jury

    framework = load_framework(args.criteria)
    data = load_award_data(args.data, framework)
    scores = data.jury_scores
    jurors_path = Path(args.jurors) if args.jurors else Path(args.data) / "jurors.csv"
    jurors = jury.load_jurors(jurors_path) if jurors_path.exists() else None
    if args.write and not args.scores:
        raise InputError("validate --write", "--scores naming the returned sheets to merge", has_value=False)
    if args.scores:
        scores = jury.read_jury_scores(args.scores, framework, data.nominees, data.conflicts, jurors=jurors,
                                       require_complete=args.require_complete)
    round_line = _validate_round(framework, data, Path(args.data))  # a bad decision: one line, nothing else
    print(f"OK: {args.criteria} (version {framework.version}, {len(framework.leaves())} criteria); "
          f"{args.data}: {len(data.register)} municipalities, {len(data.nominees)} nominees, "
          f"{len(scores)} jury scores, {len(data.indicators)} indicator values"
          + (" — synthetic demonstration data" if data.synthetic else ""))
    if round_line:
        print(round_line)
    if framework.jury_criteria and len(data.nominees):
        summary = jury.completeness_summary(scores, framework, data.nominees, jurors, data.conflicts)
        owed = summary[summary["missing"] > 0]
        if owed.empty:
            print(f"Jury scores complete: {len(summary)} jurors")
        else:
            print("Scores still owed (juror: missing of expected):")
            for row in owed.itertuples():
                print(f"  {row.juror}: {row.missing} of {row.expected}")
    if args.write:
        _write_scores(scores, args.scores, Path(args.write), data.synthetic)
    return 0


def _validate_round(framework, data, data_dir: Path) -> str | None:
    """The round (round.yaml, decisions/): every decision checked against its stage's candidates and
    ranking; returns the funnel's line (``None`` without a round)."""
    from award_eval.round import check_round, load_round

    round_ = load_round(data_dir, framework, data)
    if round_ is None:
        return None
    check_round(round_, framework, data)
    open_ = next((s.id for s in round_.stages[:-1] if s.decisions is None), None)
    return ("Round: " + " → ".join(f"{s.id} {len(s.candidates)}" for s in round_.stages)
            + (f" ({open_}: not decided yet, no decisions/{open_}.csv)" if open_ else ""))


def _write_scores(scores, sources: list[str], target: Path, synthetic: bool) -> None:
    """The checked scores of the returned sheets as one CSV (an award's ``jury_scores.csv``)."""
    from award_eval.io.files import atomic_write_text
    from award_eval.jury.scores import scores_to_csv

    if any(Path(p).resolve() == target.resolve() for p in sources):
        raise InputError(target, "a file other than the score files being read (inputs are never overwritten)",
                         has_value=False)
    names = sorted(Path(p).name for p in sources)
    notes = [f"Jury scores merged by award-eval validate from {len(names)} file(s): {', '.join(names)}"]
    if synthetic:
        notes.insert(0, "SYNTHETIC DEMONSTRATION DATA: the award's data folder is synthetic")
    atomic_write_text(target, scores_to_csv(scores, notes))
    print(f"Wrote {len(scores)} scores to {target}")


def _cmd_sheets(args: argparse.Namespace) -> int:
    from award_eval.criteria import load_framework
    from award_eval.data import load_conflicts, load_nominees, load_register
    from award_eval.io.workbooks import write_sheets
    from award_eval import jury

    framework = load_framework(args.criteria)
    nominees_path = Path(args.nominees)
    register_path = Path(args.register) if args.register else nominees_path.parent / "municipalities.csv"
    nominees = load_nominees(nominees_path, load_register(register_path))
    conflicts_path = Path(args.conflicts) if args.conflicts else nominees_path.parent / "conflicts.csv"
    conflicts = load_conflicts(conflicts_path, nominees) if conflicts_path.exists() else None
    if args.stage:
        nominees, conflicts = _stage_nominees(framework, nominees_path.parent, args.stage, conflicts)
    jurors = jury.load_jurors(args.jurors)
    paths = write_sheets(framework, nominees, jurors, conflicts, args.out, lang=args.lang)
    for path in paths:
        print(path)
    print(f"{len(paths)} scoring sheets in {Path(args.out).resolve()}")
    return 0


def _stage_nominees(framework, data_dir: Path, stage_id: str, conflicts):
    """``sheets --stage S``: the stage's candidates (round.yaml, decisions/) and their conflicts only."""
    from award_eval.data import load_award_data
    from award_eval.round import FILE, candidate_data, load_round

    data = load_award_data(data_dir, framework)
    round_ = load_round(data_dir, framework, data)
    if round_ is None:
        raise InputError(data_dir / FILE, "an existing file (sheets --stage needs the round's stages)", has_value=False)
    stage = round_.stage(stage_id)
    if not stage.candidates:
        raise InputError(data_dir / FILE, f"candidates for stage {stage_id!r}: the previous stage is not decided yet "
                         "(no decisions file)", has_value=False)
    nominees = candidate_data(round_.data, stage.candidates).nominees
    if conflicts is not None:
        conflicts = conflicts[conflicts["nominee"].isin(stage.candidates)].reset_index(drop=True)
    return nominees, conflicts


def _cmd_compare(args: argparse.Namespace) -> int:
    from award_eval.run.compare import compare_runs, read_mapping, write_comparison

    mapping = read_mapping(args.mapping) if args.mapping else None
    comparison = compare_runs(args.run_a, args.run_b, evaluation=args.evaluation, mapping=mapping)
    paths = write_comparison(comparison, args.out, args.lang)
    print(f"Compared {len(comparison.changes)} municipalities: {', '.join(str(p) for p in paths)}")
    return 0


def _cmd_kolada_fetch(args: argparse.Namespace) -> int:
    from award_eval.io import kolada

    framework = None
    kpis = list(args.kpi or [])
    if args.criteria:
        from award_eval.criteria import load_framework

        framework = load_framework(args.criteria)
        kpis += [k for k in kolada.kpi_sources(framework) if k not in kpis]
    if not kpis:
        raise InputError("kolada fetch", "at least one --kpi, or --criteria naming Kolada sources", has_value=False)
    client = kolada.KoladaClient(base_url=args.base_url, cache_dir=args.cache)
    frame = client.fetch_values(kpis, args.municipality, args.year)
    if framework is not None:
        frame = kolada.to_indicators(frame, framework)
    path = kolada.write_values_csv(frame, args.out)
    print(f"{len(frame)} values for {frame['indicator'].nunique()} indicators → {path}")
    return 0


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="award-eval", description="Evaluate nominees for a municipal award.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="execute every evaluation of a plan and render the reports",
                         description="Execute every evaluation of a plan in parallel, each in a fresh kernel; "
                                     "skip those unchanged since the last run into the same folder.")
    run.add_argument("plan", help="plan file (YAML)")
    run.add_argument("--out", required=True, help="output folder, e.g. runs/demo")
    run.add_argument("--jobs", type=_positive_int, default=os.cpu_count() or 1,
                     help="evaluations run in parallel (default: the number of cores)")
    run.add_argument("--force", action="store_true", help="run every evaluation, also those unchanged since the last run")
    run.add_argument("--dask", metavar="SCHEDULER_ADDRESS",
                     help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (pip install 'award-eval[dask]')")
    run.add_argument("--timeout", type=_positive_int, default=900, metavar="SECONDS",
                     help="longest a single cell may run (default 900)")
    run.add_argument("--kernel-start", choices=("auto", "fork", "spawn"), default="auto",
                     help="how kernels are started ahead of need (default auto: fork from a warmed-up process "
                          "where possible; see docs/batch.md)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.set_defaults(func=_cmd_run)

    val = sub.add_parser("validate", help="check criteria and data files without running anything")
    val.add_argument("--criteria", required=True, help="criteria file (YAML)")
    val.add_argument("--data", required=True, help="award data folder")
    val.add_argument("--scores", nargs="+", help="returned scoring sheets (.xlsx) or score CSVs, instead of "
                     "the folder's jury_scores.csv")
    val.add_argument("--jurors", help="jurors.csv (juror, email; default: the data folder's, if present): "
                     "unknown jurors become errors and completeness is counted for every juror")
    val.add_argument("--require-complete", action="store_true", help="a missing score is an error")
    val.add_argument("--write", metavar="CSV", help="with --scores: write the checked scores as one long CSV "
                     "(e.g. the award's jury_scores.csv, which award-eval run reads); written only if every "
                     "check passes")
    val.set_defaults(func=_cmd_validate)

    sh = sub.add_parser("sheets", help="write one scoring workbook (.xlsx) per juror")
    sh.add_argument("--criteria", required=True, help="criteria file (YAML)")
    sh.add_argument("--nominees", required=True, help="nominees.csv")
    sh.add_argument("--jurors", required=True, help="jurors.csv (juror, email)")
    sh.add_argument("--conflicts", help="conflicts.csv (default: beside nominees.csv, if present)")
    sh.add_argument("--register", help="municipalities.csv (default: beside nominees.csv)")
    sh.add_argument("--lang", default="sv", choices=["sv", "en"], help="language of the sheets")
    sh.add_argument("--out", required=True, help="folder for the workbooks")
    sh.add_argument("--stage", help="only the candidates of this stage of the round (round.yaml and decisions/ "
                    "beside nominees.csv)")
    sh.set_defaults(func=_cmd_sheets)

    cmp_ = sub.add_parser("compare", help="each municipality's change in rank and score between two runs")
    cmp_.add_argument("run_a", help="the earlier run's folder (as written by award-eval run)")
    cmp_.add_argument("run_b", help="the later run's folder")
    cmp_.add_argument("--out", required=True, help="folder for changes.csv, criterion_changes.csv, compare.html")
    cmp_.add_argument("--evaluation", help="the evaluation to compare (default: each run's first ranking)")
    cmp_.add_argument("--mapping", help="CSV from,to: criterion ids of the second run and the first run's ids "
                      "they stand for (needed when the criteria differ)")
    cmp_.add_argument("--lang", choices=("sv", "en"), default="sv", help="language of compare.html")
    cmp_.set_defaults(func=_cmd_compare)

    ko = sub.add_parser("kolada", help="open data from Kolada (the Swedish municipal KPI database)")
    ko_sub = ko.add_subparsers(dest="kolada_command", required=True)
    kf = ko_sub.add_parser("fetch", help="fetch KPI values into the long indicator format (code, indicator, year, value)")
    kf.add_argument("--kpi", action="append", help="a Kolada KPI id, e.g. N07900 (repeatable)")
    kf.add_argument("--criteria", help="criteria file: fetch every KPI its indicators name, and write "
                    "them under the criteria's indicator ids (ready to use as indicators.csv)")
    kf.add_argument("--year", action="append", type=int, help="a year (repeatable)")
    kf.add_argument("--municipality", action="append", help="a 4-digit municipality code (repeatable; default: all)")
    kf.add_argument("--cache", default=".cache/kolada", help="folder for cached responses (default: .cache/kolada)")
    kf.add_argument("--base-url", default="https://api.kolada.se/v3", help="API root (a mirror, or a test server)")
    kf.add_argument("--out", required=True, help="CSV to write")
    kf.set_defaults(func=_cmd_kolada_fetch)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (InputError, PlanError) as exc:
        print(f"award-eval: error: {exc}", file=sys.stderr)
        return 2
    except EvaluationFailed as exc:
        print(f"award-eval: {exc}", file=sys.stderr)
        return 1
    except AwardEvalError as exc:
        print(f"award-eval: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        print(f"award-eval: {exc or 'interrupted'}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
