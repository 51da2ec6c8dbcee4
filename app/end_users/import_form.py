"""The import upload (multipart): one form for POST /api/EndUsers/import and the dashboard's Import page."""
from flask import current_app, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge

from app.end_users.importing import MODES
from app.jsonforms import ChoiceField, TrueFalseField

DEFAULT_MAX_BYTES = 20 * 1024 * 1024


class ImportForm(FlaskForm):
    file = FileField("CSV file", validators=[FileRequired("Choose a CSV file.")])
    mode = ChoiceField("mode", values=MODES, description="create: only new people; upsert (default): also update "
                                                         "the ones found by customerRef or identifier.")
    dryRun = TrueFalseField("dryRun", description="true: check every row and count, write nothing.")


def max_import_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def allow_large_upload(endpoint: str, _values) -> None:
    """A url_value_preprocessor (it runs before CSRF and the control-character check read the
    form): the import's routes take bodies up to the file limit, every other route keeps
    MAX_CONTENT_LENGTH."""
    if request.endpoint == endpoint and request.method == "POST":
        request.max_content_length = max_import_bytes() + 64 * 1024  # the file plus the other fields


def uploaded_bytes(form: ImportForm) -> bytes:
    limit = max_import_bytes()
    raw = form.file.data.read(limit + 1)
    if len(raw) > limit:
        raise RequestEntityTooLarge(f"The file is larger than {limit // (1024 * 1024)} MB.")
    return raw


UPLOAD_SCHEMA = {
    "type": "object", "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "The CSV file (UTF-8, comma or semicolon)."},
        "mode": {"type": "string", "enum": list(MODES), "default": "upsert"},
        "dryRun": {"type": "string", "enum": ["true", "false"], "default": "false"},
    },
}
