"""The bare-Flask anchor of bench/scale.py: the same rows read with two plain SQL statements and no
auth, sessions, limits or DTO layer. `GET /u/<id>` answers what `GET /api/EndUsers/<id>` answers.

    DATABASE_URL=... gunicorn -w 2 bench.baseline_app:app
"""
import os

from flask import Flask, abort, jsonify
from sqlalchemy import create_engine, text

app = Flask(__name__)
engine = create_engine(os.environ["DATABASE_URL"])
CUSTOMER_ID = int(os.environ.get("BENCH_CUSTOMER_ID", "1"))


@app.get("/u/<int:end_user_id>")
def one(end_user_id):
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM end_user WHERE customer_id = :c AND id = :i"),
                           {"c": CUSTOMER_ID, "i": end_user_id}).mappings().first()
        if row is None:
            abort(404)
        uids = conn.execute(text("SELECT id, uid_type, uid, is_primary FROM end_user_uid WHERE end_user_id = :i "
                                 "ORDER BY is_primary DESC, id"), {"i": end_user_id}).mappings().all()
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
    body["uids"] = [dict(u) for u in uids]
    return jsonify(body)
