"""A dry run of the demo tenant's whole pipeline, timed through the app in-process, beside a plain
link list read in the same run as the baseline.

    .venv/bin/python bench/pipeline_dry_run.py [--runs 200]
    bash scripts/with-postgres.sh sh -c 'DATABASE_URL=$TEST_DATABASE_URL .venv/bin/python bench/pipeline_dry_run.py'

The dry run: the Email channel, every topic, an end user, every hook (about 40 steps, two ApiCall
requests rendered in the sandbox). Goal: its median at most twice the baseline's (one paged link list
read; both pay the same token check and request overhead, so the ratio holds on a busy machine
where milliseconds do not). Prints median and p95 in milliseconds.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SWITCHBOARD_INSTANCE_DIR", tempfile.mkdtemp(prefix="switchboard-bench-"))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app  # noqa: E402
from app.actions.models import HOOK_NAMES  # noqa: E402
from app.channels.models import Channel  # noqa: E402
from app.demo import DEMO_ADMIN, DEMO_PASSWORD, load_demo  # noqa: E402
from app.end_users.models import EndUser  # noqa: E402
from app.extensions import db  # noqa: E402
from app.topics.models import Topic  # noqa: E402
from app.unit_of_work import unit_of_work  # noqa: E402
from config import DevelopmentConfig  # noqa: E402

GOAL_RATIO = 2.0


def _timed(call, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    class Config(DevelopmentConfig):
        API_RATE_LIMIT = "1000000 per minute"

    app = create_app(Config)
    with app.app_context():
        upgrade()
        with unit_of_work():
            customer_id = load_demo().id
        email = db.session.scalars(select(Channel.id).where(Channel.customer_id == customer_id,
                                                            Channel.channel_type == "Email")).first()
        topics = db.session.scalars(select(Topic.id).where(Topic.customer_id == customer_id)).all()
        person = db.session.scalars(select(EndUser.id).where(EndUser.customer_id == customer_id)).first()
        db.session.remove()
    client = app.test_client()
    token = client.post("/api/Auth/login", json={"email": DEMO_ADMIN, "password": DEMO_PASSWORD}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    body = {"channelID": email, "topicIDs": topics, "endUserID": person, "hooks": list(HOOK_NAMES),
            "message": {"subject": "Where is my order?", "body": "Order 1234 has not arrived."}}
    steps = len(client.post("/api/Pipeline/dry-run", json=body, headers=headers).get_json())

    baseline = _timed(lambda: client.get("/api/HookActions?hookName=PostTopicDetection", headers=headers), args.runs)
    dry_run = _timed(lambda: client.post("/api/Pipeline/dry-run", json=body, headers=headers), args.runs)
    engine = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
    print(f"{engine}, {args.runs} runs each")
    print(f"baseline GET /api/HookActions?hookName=PostTopicDetection: median {baseline[0]:.1f} ms, p95 {baseline[1]:.1f} ms")
    print(f"POST /api/Pipeline/dry-run ({steps} steps):        median {dry_run[0]:.1f} ms, p95 {dry_run[1]:.1f} ms "
          f"= {dry_run[0] / baseline[0]:.2f}x the baseline (goal: <= {GOAL_RATIO}x) "
          f"{'OK' if dry_run[0] <= GOAL_RATIO * baseline[0] else 'OVER'}")


if __name__ == "__main__":
    main()
