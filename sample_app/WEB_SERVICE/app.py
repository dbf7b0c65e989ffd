"""Application factory, plus the module-level ``app`` that ``FLASK_APP=WEB_SERVICE.app`` finds."""
import os

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from .extensions import db, migrate


def create_app(test_config=None):
    """Build the app: database from ``DATABASE_URL``, else ``instance/jobs.db`` (SQLite)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", "sqlite:///jobs.db"))
    app.json.sort_keys = False  # JSON keys in column order
    if test_config is not None:
        app.config.from_mapping(test_config)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db)

    from . import models  # noqa: F401  (the models must be imported for autogenerate to see them)
    from .api import jobs

    app.register_blueprint(jobs)

    @app.errorhandler(HTTPException)
    def json_error(error):
        return jsonify(error=error.description), error.code

    return app


app = create_app()
