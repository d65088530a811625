"""Build data/demo/municipalities.csv from the public reference file (run once; output committed).

Usage: python data/demo/make_register.py [path/to/municipalities_290_with_skr_group_2023.csv]

Codes, names, counties and SKR 2023 groups are public facts (SCB codes, SKR/Kolada groups),
restated here in the project's own register format: code, name, county, skr_group.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT = HERE.parents[2] / "shared" / "reference" / "se" / "municipalities_290_with_skr_group_2023.csv"


def main(source: Path = DEFAULT) -> None:
    with source.open(encoding="utf-8") as fh:
        rows = sorted(csv.DictReader(fh), key=lambda r: r["municipality_code"])
    out = HERE / "municipalities.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        fh.write("# Register of Sweden's 290 municipalities: SCB codes, names, counties and SKR's\n")
        fh.write("# municipality groups 2023 (public facts). Not synthetic.\n")
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name", "county", "skr_group"])
        for r in rows:
            writer.writerow([r["municipality_code"], r["municipality_name_short"], r["county_name"],
                             r["skr_kommungrupp_kod"]])
    print(f"wrote {out} ({len(rows)} municipalities)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
