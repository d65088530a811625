"""The ``award-eval`` command: a thin shell over the Python API.

Exit codes: 0 success, 1 an evaluation failed (the others completed), 2 bad input (one line on
stderr naming the place, no traceback, nothing written).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

from award_eval.errors import AwardEvalError, EvaluationFailed, InputError, PlanError


def _cmd_run(args: argparse.Namespace) -> int:
    from award_eval.run.batch import check_output_dir, check_plan, early_pool, run_plan
    from award_eval.run.plan import load_plan

    plan = load_plan(args.plan)
    out = check_output_dir(plan, args.out)
    # the kernel server imports while the plan is checked; no kernel starts before the check passes
    pool = early_pool(plan, out, args.jobs, force=args.force, dask=args.dask, kernel_start=args.kernel_start,
                      shared=not args.no_shared)
    try:
        # every evaluation's parameter values, before any kernel starts (run_plan does not check again)
        checked = check_plan(plan, out, shared=not args.no_shared)
    except BaseException:
        if pool is not None:
            pool.close()
        raise
    result = run_plan(plan, out, jobs=args.jobs, progress=not args.quiet, force=args.force,
                      dask=args.dask, timeout=args.timeout, kernel_start=args.kernel_start,
                      shared=not args.no_shared, checked=checked, pool=pool)
    print(result.summary())
    print(f"Reports: {result.index}")
    return 1 if result.failed else 0


def _cmd_pdf(args: argparse.Namespace) -> int:
    from award_eval.run.report.pdf import write_pdf

    print(write_pdf(args.run_dir, args.out, lang=args.lang, profiles=args.profiles))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from award_eval.validation import validate

    report = validate(args.criteria, args.data, scores=args.scores, jurors=args.jurors,
                      require_complete=args.require_complete, write=args.write)
    for line in report.lines:
        print(line)
    for line in report.problems:
        print(f"award-eval: error: {line}", file=sys.stderr)
    if report.n_problems > 1:
        more = f", {report.more} more not listed" if report.more else ""
        print(f"award-eval: {report.n_problems} problems{more}; nothing written", file=sys.stderr)
    return 0 if report.ok else 2


def _cmd_sheets(args: argparse.Namespace) -> int:
    from award_eval.criteria import load_framework
    from award_eval.data import load_conflicts, load_nominees, load_register
    from award_eval.jury.sheets import write_sheets
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
    run.add_argument("--jobs", type=_positive_int, default=None,
                     help="evaluations run in parallel (default: one more than the number of cores)")
    run.add_argument("--force", action="store_true", help="run every evaluation, also those unchanged since the last run")
    run.add_argument("--dask", metavar="SCHEDULER_ADDRESS",
                     help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (pip install 'award-eval[dask]')")
    run.add_argument("--timeout", type=_positive_int, default=900, metavar="SECONDS",
                     help="longest a single cell may run (default 900)")
    run.add_argument("--kernel-start", choices=("auto", "fork", "spawn"), default="auto",
                     help="how kernels are started ahead of need (default auto: fork from a warmed-up process "
                          "where possible; see docs/batch.md)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--no-shared", action="store_true",
                     help="every notebook computes what the profiles share itself, instead of once per run in "
                          "OUT/.shared (the same result files; slower; see docs/batch.md)")
    run.set_defaults(func=_cmd_run)

    pdf = sub.add_parser("pdf", help="print a run's index and reports to one PDF (the board's pack; needs Chromium)")
    pdf.add_argument("run_dir", metavar="RUN_DIR", help="a folder written by award-eval run")
    pdf.add_argument("--out", required=True, help="the PDF to write")
    pdf.add_argument("--lang", default="sv", choices=["sv", "en"], help="which language's reports (default: sv)")
    pdf.add_argument("--profiles", action="store_true", help="include every nominee's profile")
    pdf.set_defaults(func=_cmd_pdf)

    val = sub.add_parser("validate", help="check criteria and data files without running anything",
                         description="Check the criteria, the data folder and the jury's scores. Every bad "
                                     "cell of a score file is listed, one line each (up to 50, then a count); "
                                     "exit 2 and nothing written when anything is wrong.")
    val.add_argument("--criteria", required=True, help="criteria file (YAML)")
    val.add_argument("--data", required=True, help="award data folder")
    val.add_argument("--scores", nargs="+", help="returned scoring sheets (.xlsx) or score CSVs, read instead of "
                     "the folder's jury_scores.csv (which need not exist)")
    val.add_argument("--jurors", help="jurors.csv (juror, email; default: the data folder's, if present): "
                     "unknown jurors become errors and completeness is counted for every juror")
    val.add_argument("--require-complete", action="store_true", help="a missing score is an error (in --scores, "
                     "or else in the folder's jury_scores.csv)")
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
        if threading.current_thread() is threading.main_thread():  # a further Ctrl-C cannot cut the line short
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        print(f"award-eval: {str(exc) or 'interrupted'}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
