"""GET /healthz: the process is up and answers requests, for a load balancer or a liveness probe.

It reads nothing (no session user, no database, no rate-limit storage), so probing it often costs
nothing and says nothing about the database; tests/test_request_hooks.py holds it to that.
"""
from flask import Flask, jsonify


def _healthz():
    return jsonify(status="ok")


def register_health_check(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", _healthz)
