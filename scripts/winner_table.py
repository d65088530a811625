"""The winner (name, index score) under every setting an evaluation accepts, on an award's data.

Writes a Markdown table (normalisation × aggregation down, jury method across) to stdout, or
with ``--update FILE`` between the ``<!-- winner-table -->`` markers of FILE. The settings are
read from :mod:`award_eval.evaluation` (NORMALISATIONS, AGGREGATIONS, JURY_METHODS).

    .venv/bin/python scripts/winner_table.py --update docs/scale.md
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import award_eval as ae
from award_eval import evaluation as ev
from award_eval.io.files import atomic_write_text

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- winner-table -->", "<!-- /winner-table -->"


def table(criteria: Path, data_dir: Path) -> str:
    framework = ae.load_framework(criteria)
    data = ae.load_award_data(data_dir, framework)
    lines = ["| normalisation | aggregation | " + " | ".join(f"jury {m}" for m in ev.JURY_METHODS) + " |",
             "|---|---|" + "---|" * len(ev.JURY_METHODS)]
    for norm in ev.NORMALISATIONS:
        for agg in ev.AGGREGATIONS:
            cells = []
            for jm in ev.JURY_METHODS:
                result = ev.evaluate(framework, data, ev.Settings(normalisation=norm, aggregation=agg, jury_method=jm))
                top = result.ranking.iloc[0]
                tied = (result.ranking["rank"] == 1).sum()
                cells.append(f"{top['name']} {top['score']:.1f}" + (f" (+{tied - 1} tied)" if tied > 1 else ""))
            lines.append(f"| {norm} | {agg} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--criteria", type=Path, default=ROOT / "criteria" / "digitaliseringskommun.yaml")
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "demo")
    parser.add_argument("--update", type=Path, help="a Markdown file with the winner-table markers")
    args = parser.parse_args()
    text = table(args.criteria, args.data)
    if args.update is None:
        print(text, end="")
        return
    doc = args.update.read_text(encoding="utf-8")
    block = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not block.search(doc):
        raise SystemExit(f"{args.update}: no {START} … {END} block to replace")
    atomic_write_text(args.update, block.sub(lambda _: f"{START}\n{text}{END}", doc))


if __name__ == "__main__":
    main()
