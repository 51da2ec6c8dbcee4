"""What the browser downloads, made light: compressed answers, fingerprinted static files cached
for a year, and a favicon.

- Flask-Compress answers with br, zstd or gzip when the client accepts it: dashboard pages,
  partials, static files and the API docs page. API JSON is left as it is: Flask-Compress would
  rename a strong ETag to `"tag:gzip"`, so an If-Match copied from a compressed answer would no
  longer match the version (app/versions.py), and in-process callers such as schemathesis's WSGI
  transport read the body without decoding it. Records are small; a proxy may still compress.
  Static files are read whole into the answer so that gzip (which Flask-Compress does not
  stream) applies to them too.
- `url_for('static', filename=...)` adds `v=<content hash>` to every static URL (a url_defaults
  hook, so templates stay as they are); a request carrying the current hash is answered with
  `Cache-Control: public, max-age=31536000, immutable`. An old or missing hash gets the normal
  revalidating answer, so a stale page never pins an old file for a year.
"""
import hashlib
import os
from functools import lru_cache

from flask import Flask, current_app, request, send_from_directory
from flask_compress import Compress

from app.api_requests import is_api_request

ONE_YEAR = 365 * 24 * 3600
API_JSON = {"application/json", "application/problem+json"}
compress = Compress()


def register_assets(app: Flask) -> None:
    app.config.setdefault("COMPRESS_REGISTER", False)  # our own after_request decides (see above)
    # br before zstd: at these levels br is some 10 % smaller on our pages, zstd only faster.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "zstd", "gzip", "deflate"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 6)
    compress.init_app(app)
    # after_request functions run last-registered-first; this one is registered before the others
    # (security headers, ...) so it compresses what they produced.
    app.after_request(_compress_unless_api_json)
    app.after_request(_cache_fingerprinted_static)
    app.url_defaults(_fingerprint_static_urls)
    app.add_url_rule("/favicon.ico", "favicon", _favicon)


def _compress_unless_api_json(response):
    if is_api_request() and response.mimetype in API_JSON:
        return response
    return compress.after_request(response)


def _fingerprint_static_urls(endpoint: str, values: dict) -> None:
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    digest = static_digest(values["filename"])
    if digest:
        values["v"] = digest


def static_digest(filename: str) -> str | None:
    path = os.path.join(current_app.static_folder, filename)
    try:
        modified = os.stat(path).st_mtime_ns
    except OSError:
        return None
    return _digest_of(path, modified)


@lru_cache(maxsize=256)
def _digest_of(path: str, modified: int) -> str:  # the mtime is part of the key: an edited file is hashed again
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


def _cache_fingerprinted_static(response):
    if request.endpoint != "static" or response.status_code != 200:
        return response
    # Read the file into the response: Flask-Compress gzips only whole bodies (no gzip when streaming).
    response.direct_passthrough = False
    response.make_sequence()
    wanted = request.args.get("v")
    if wanted and wanted == static_digest(request.view_args.get("filename", "")):
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response


def _favicon():
    response = send_from_directory(current_app.static_folder, "favicon.ico", max_age=7 * 24 * 3600)
    return response
