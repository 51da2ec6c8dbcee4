"""Switchboard: the admin console and JSON API of an AI customer-service platform."""
from flask import Flask

from app import sqlite  # noqa: F401  (SQLite connection and transaction setup)
from app.api_requests import DashboardSessions
from app.extensions import csrf, db, htmx, limiter, login_manager, migrate
from app.unit_of_work import TransactionalFlask
from config import check_config, config_from_env

API_BLUEPRINTS = (
    "app.openapi",
    "app.auth.api",
    "app.customers.api",
    "app.end_users.api",
    "app.end_users.merge_api",
    "app.end_users.export",
    "app.actions.api",
    "app.actions.links_api",
    "app.topics.api",
    "app.channels.api",
    "app.audit.api",
    "app.api_keys.api",
    "app.team.api",
    "app.jobs.api",
    "app.pipeline.api",
)
DASHBOARD_BLUEPRINTS = (
    "app.auth.views",
    "app.home.views",
    "app.customers.views",
    "app.end_users.views",
    "app.end_users.merge_views",
    "app.end_users.export_views",
    "app.end_users.ticket_views",
    "app.actions.views",
    "app.topics.views",
    "app.channels.views",
    "app.audit.views",
    "app.api_keys.views",
    "app.sso.views",
    "app.team.views",
    "app.pipeline.views",
)


def create_app(config_class=None) -> Flask:
    app = TransactionalFlask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=False,
    )
    app.config.from_object((config_class or config_from_env())())
    check_config(app.config)
    app.session_interface = DashboardSessions()

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)

    from app.assets import register_assets

    register_assets(app)  # before the other after_request hooks: it compresses their result

    from app import models  # noqa: F401  (registers every table with the metadata)

    _register_blueprints(app)

    from app.jobs.queue import init_jobs

    init_jobs(app)

    from app.cli import register_cli
    from app.errors import register_error_handlers
    from app.health import register_health_check
    from app.htmx_helpers import register_htmx_conventions
    from app.jsonforms import refuse_control_characters
    from app.security import register_security_headers
    from app.templating import register_template_helpers

    register_error_handlers(app)
    register_health_check(app)
    register_htmx_conventions(app)
    app.before_request(refuse_control_characters)  # after CSRF: a missing token is still the first error
    register_security_headers(app)
    register_template_helpers(app)
    register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from app.api_limits import limit_api_blueprint

    for path in API_BLUEPRINTS:
        bp = import_module(path).bp
        csrf.exempt(bp)
        limit_api_blueprint(bp)
        app.register_blueprint(bp)
    for path in DASHBOARD_BLUEPRINTS:
        app.register_blueprint(import_module(path).bp)
