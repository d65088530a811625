"""The ``award-eval`` command: a thin shell over the Python API.

Exit codes: 0 success, 1 an evaluation failed (the others completed), 2 bad input (one line on
stderr naming the place, no traceback, nothing written).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .errors import AwardEvalError, EvaluationFailed, InputError, PlanError


def _cmd_run(args: argparse.Namespace) -> int:
    from .batch import run_plan
    from .plan import load_plan

    plan = load_plan(args.plan)
    outcomes = run_plan(plan, args.out, jobs=args.jobs, progress=not args.quiet)
    failed = [o for o in outcomes if o.status == "failed"]
    done = len(outcomes) - len(failed)
    print(f"{done} done, {len(failed)} failed")
    for o in failed:
        print(f"  FAILED {o.id}: cell {o.failed_cell}: {o.error}  (notebook kept in {Path(args.out) / (o.id + '.failed')})")
    print(f"Reports: {(Path(args.out) / 'index.html').resolve()}")
    return 1 if failed else 0


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="award-eval", description="Evaluate nominees for a municipal award.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="execute every evaluation of a plan and render the reports")
    run.add_argument("plan", help="plan file (YAML)")
    run.add_argument("--out", required=True, help="output folder, e.g. runs/demo")
    run.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="evaluations run in parallel (default: cores)")
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
    except KeyboardInterrupt:
        print("award-eval: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
