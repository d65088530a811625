"""The ``award-eval`` command: a thin shell over the Python API.

Exit codes: 0 success, 1 an evaluation failed (the others completed), 2 bad input (one line on
stderr naming the place, no traceback, nothing written).
"""
from __future__ import annotations

import argparse
import os
import sys

from .errors import AwardEvalError, EvaluationFailed, InputError, PlanError


def _cmd_run(args: argparse.Namespace) -> int:
    from .batch import run_plan
    from .plan import load_plan

    result = run_plan(load_plan(args.plan), args.out, jobs=args.jobs, progress=not args.quiet, force=args.force,
                      dask=args.dask, timeout=args.timeout, kernel_start=args.kernel_start)
    print(result.summary())
    print(f"Reports: {result.index}")
    return 1 if result.failed else 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from .criteria import load_framework
    from .data import load_award_data

    framework = load_framework(args.criteria)
    data = load_award_data(args.data, framework)
    print(f"OK: {args.criteria} (version {framework.version}, {len(framework.leaves())} criteria); "
          f"{args.data}: {len(data.register)} municipalities, {len(data.nominees)} nominees, "
          f"{len(data.jury_scores)} jury scores, {len(data.indicators)} indicator values"
          + (" — synthetic demonstration data" if data.synthetic else ""))
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
    val.set_defaults(func=_cmd_validate)
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
