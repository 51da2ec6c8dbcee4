"""A login checks the password (Argon2, slow on purpose) in a read transaction and takes the write
lock only to record the sign-in: a writer on another connection never waits for the hash. On SQLite
the write lock is the whole database's, so before this a job batch could time out behind logins.

Real Argon2 at a slow setting, a real second connection writing while the login hashes."""
import threading
import time

import pytest

from app.auth.models import Representative
from app.auth.passwords import hash_password, verify_password
from app.extensions import db
from app.unit_of_work import unit_of_work
from tests.conftest import PASSWORD, DashboardClient

SLOW_ARGON2 = {"PASSWORD_HASH_TIME_COST": 4, "PASSWORD_HASH_MEMORY_COST": 65536, "PASSWORD_HASH_PARALLELISM": 1}


@pytest.fixture
def slow_admin(app, tenant_a, monkeypatch):
    """tenant_a's Admin with a password hash that takes long to verify; (rep id, seconds per verify)."""
    for name, value in SLOW_ARGON2.items():
        monkeypatch.setitem(app.config, name, value)
    with app.app_context():
        stored = hash_password(PASSWORD)  # Argon2 verifies with the cost stored in the hash
        db.session.get(Representative, tenant_a.admin.id).password_hash = stored
        db.session.commit()
        started = time.perf_counter()
        assert verify_password(stored, PASSWORD)
        seconds = time.perf_counter() - started
        db.session.remove()
    return tenant_a.admin.id, seconds


def _api_login(app, email):
    return lambda: app.test_client().post("/api/Auth/login", json={"email": email, "password": PASSWORD})


def _dashboard_login(app, email):
    web = DashboardClient(app.test_client())
    web.get("/login")  # the CSRF token, before the clock starts
    return lambda: web.post("/login", data={"email": email, "password": PASSWORD})


@pytest.mark.parametrize("login_through", [_api_login, _dashboard_login], ids=["api", "dashboard"])
def test_a_writer_does_not_wait_for_a_logins_password_check(app, tenant_a, slow_admin, in_app, login_through):
    rep_id, hash_seconds = slow_admin
    login = login_through(app, tenant_a.admin.email)
    answer = {}
    thread = threading.Thread(target=lambda: answer.update(status=login().status_code))
    thread.start()
    time.sleep(0.2 * hash_seconds)  # the login is hashing now
    with app.app_context():
        started = time.perf_counter()
        with unit_of_work():  # BEGIN IMMEDIATE on SQLite: it waits while anyone holds the write lock
            db.session.get(Representative, rep_id).name = "Renamed during the login"
            db.session.flush()
        waited = time.perf_counter() - started
        db.session.remove()
    login_still_hashing = thread.is_alive()
    thread.join()
    print(f"Argon2 verify {hash_seconds:.3f} s; the other writer waited {waited:.3f} s")

    # Waiting for the hash would take the rest of it (0.8 of it); the margin below that is for a
    # busy machine (another test worker, the database server), where a write alone took 0.11 s.
    assert waited < 0.5 * hash_seconds, f"the writer waited {waited:.2f} s of a {hash_seconds:.2f} s hash"
    assert login_still_hashing, "the write should have run while the login checked the password"
    assert answer["status"] in (200, 302)  # the sign-in is recorded although another write committed meanwhile
    with in_app() as session:
        rep = session.get(Representative, rep_id)
        assert rep.name == "Renamed during the login" and rep.last_login_at is not None
