"""The README table of bench/scale.py: the --json files of a SQLite and a PostgreSQL run side by side
(the largest size of each, then the growth from the smallest).

    .venv/bin/python bench/scale_table.py sqlite.json postgresql.json
"""
import json
import sys
from pathlib import Path


def mark(ok) -> str:
    return "" if ok is None else ("✓" if ok else "✗")


def main() -> None:
    runs = [json.loads(Path(path).read_text()) for path in sys.argv[1:3]]
    sizes = [sorted(int(s) for s in run) for run in runs]
    big = [{r["key"]: r for r in run[str(s[-1])]} for run, s in zip(runs, sizes)]
    small = [{r["key"]: r for r in run[str(s[0])]} for run, s in zip(runs, sizes)]
    print("| figure | SQLite | PostgreSQL | goal | anchor in the same run (SQLite; PostgreSQL) |")
    print("|---|---|---|---|---|")
    for key, row in big[0].items():
        other = big[1].get(key, {})
        print(f"| {row['label']} | {row['figure']} {mark(row['ok'])} | {other.get('figure', '')} "
              f"{mark(other.get('ok'))} | {row['goal']} | {row['anchor']}; {other.get('anchor', '')} |")
    print(f"\n| growth {sizes[0][0]:,} -> {sizes[0][-1]:,} (p50, goal ≤ 2x) | SQLite | PostgreSQL |\n|---|---|---|")
    for key, row in big[0].items():
        if not row["growth"]:
            continue
        cells = []
        for b, s in zip(big, small):
            if key in b and key in s:
                before, after = s[key]["values"]["p50"], b[key]["values"]["p50"]
                cells.append(f"{before:.1f} -> {after:.1f} ms = {after / before:.1f}x {mark(after / before <= 2)}")
            else:
                cells.append("")
        print(f"| {row['label']} | {' | '.join(cells)} |")


if __name__ == "__main__":
    main()
