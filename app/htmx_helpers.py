"""htmx conventions, decided once.

- An htmx request gets the partial, chosen by `wants_partial()` (htmx-flask's `request.htmx`);
  a boosted link or form (hx-boost swaps a whole page) and a history restore (htmx refetching a
  page it lost from its cache) get the whole page.
- Form errors come back as 200 with the re-rendered partial (htmx does not swap 4xx answers by
  default); success adds a toast through the HX-Trigger header, which static/js/app.js shows.
- A refusal without a form to show it on (a domain error) is an error toast: app/errors.py.
- A boosted form (a delete, a rotation) posts, is redirected, and htmx follows the redirect
  invisibly: the page that answers names itself in `HX-Push-Url`, so the address bar shows the
  page one landed on (not `/actions/20/edit` of a deleted action), as without JavaScript.
- An expired session during an htmx request: `HX-Redirect` to the sign-in page (app/errors.py).
"""
from urllib.parse import urlsplit

from flask import Flask, request
from htmx_flask import make_response


def register_htmx_conventions(app: Flask) -> None:
    app.after_request(_boosted_landing_names_itself)


def _boosted_landing_names_itself(response):
    htmx = request.htmx
    if (not htmx or not htmx.boosted or request.method != "GET" or response.status_code != 200
            or "HX-Push-Url" in response.headers or "HX-Replace-Url" in response.headers):
        return response
    here = request.full_path.rstrip("?")
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    if here != current.path + (f"?{current.query}" if current.query else ""):
        response.headers["HX-Push-Url"] = here
    return response


def wants_partial() -> bool:
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def toast(body, message: str, level: str = "success", status: int = 200, **extra_headers):
    response = make_response(body, status, trigger={"toast": {"message": message, "level": level}})
    for key, value in extra_headers.items():
        response.headers[key] = value
    return response
