"""The two ways an end-user search runs (app/end_users/queries.search_criterion), side by side on a
database loaded by bench/scale.py: each of the benchmark's eight terms as `GET /api/EndUsers?search=`
(page 1 with its capped total, through the app's test client: the whole request), once as the app
chooses (a common search walks the sort order) and once forced through the index lookups, which
is how every search ran before. Prints p50 / p95 next to the 50 ms goal.

    .venv/bin/python bench/scale.py --sizes 1000000 --load-only --workdir /tmp/scale   # load once
    .venv/bin/python bench/search_paths.py --workdir /tmp/scale --size 1000000
    .venv/bin/python bench/search_paths.py --database-url postgresql+psycopg://... --size 1000000
"""
import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("SWITCHBOARD_INSTANCE_DIR", tempfile.mkdtemp(prefix="switchboard-search-paths-"))
os.environ.update(API_RATE_LIMIT="100000000 per minute", LOGIN_RATE_LIMIT="1000 per minute")

from scale import FIRST, LAST, PASSWORD, customer_ref, migrated, national, stats  # bench/scale.py

GOAL_MS = 50


def terms(end_users: int) -> list[str]:
    """The terms bench/scale.py measures, for the same person."""
    rng = random.Random(1)
    m = rng.randrange(end_users)
    while not customer_ref(m):
        m += 1
    last = f"{LAST[(m // 10) % 10]}{m}"
    return [last, "louise claes", f"{FIRST[m % 10]}.{last}", customer_ref(m), f"+3247{m:07d}", national(m),
            "antwerp", "company 99"]


def timed(client, path: str, runs: int) -> tuple[dict, dict]:
    times, body = [], None
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        body = response.get_json()
    return stats(times), body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", help="bench/scale.py's --workdir (SQLite)")
    parser.add_argument("--database-url", help="a PostgreSQL database loaded by bench/scale.py")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{args.workdir}/scale-{args.size}.db"
    app = migrated(url)
    from app.end_users import queries

    client = app.test_client()
    token = client.post("/api/Auth/login", json={"email": "bench@example.com", "password": PASSWORD}).get_json()["token"]
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    chosen = queries.walk_is_cheaper
    print(f"{args.size:,} end users on {url.split(':')[0].split('+')[0]}; {args.runs} runs each; goal p95 ≤ {GOAL_MS} ms\n")
    print("| term | matches | as the app chooses (p50 / p95) | index lookups forced (p50 / p95) | faster |")
    print("|---|---|---|---|---|")
    figures = []
    for term in terms(args.size):
        path = "/api/EndUsers?" + urlencode({"search": term})
        queries.walk_is_cheaper = chosen
        ours, body = timed(client, path, args.runs)
        queries.walk_is_cheaper = lambda customer_id, words: False
        before, before_body = timed(client, path, max(3, args.runs // 3))
        assert [i["endUserID"] for i in body["items"]] == [i["endUserID"] for i in before_body["items"]], term
        assert body["totalCount"] == before_body["totalCount"], term
        total = f"{body['totalCount']:,}" + ("+" if body["totalCountCapped"] else "")
        mark = "✓" if ours["p95"] <= GOAL_MS else "✗"
        print(f"| `{term}` | {total} | {ours['p50']:.1f} / {ours['p95']:.1f} ms {mark} | "
              f"{before['p50']:.1f} / {before['p95']:.1f} ms | {before['p50'] / ours['p50']:.1f}x |", flush=True)
        figures.append({"term": term, "ours": ours, "before": before})
    queries.walk_is_cheaper = chosen
    print("\n" + json.dumps(figures))


if __name__ == "__main__":
    main()
