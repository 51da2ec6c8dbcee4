"""htmx conventions, decided once.

- An htmx request gets the partial, chosen by `wants_partial()` (htmx-flask's `request.htmx`);
  a boosted link or form (hx-boost swaps a whole page) and a history restore (htmx refetching a
  page it lost from its cache) get the whole page.
- Form errors come back as 200 with the re-rendered partial (htmx does not swap 4xx answers by
  default); success adds a toast through the HX-Trigger header, which static/js/app.js shows.
- A refusal without a form to show it on (a domain error) is an error toast: app/errors.py.
"""
from flask import request
from htmx_flask import make_response


def wants_partial() -> bool:
    htmx = request.htmx
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def toast(body, message: str, level: str = "success", status: int = 200, **extra_headers):
    response = make_response(body, status, trigger={"toast": {"message": message, "level": level}})
    for key, value in extra_headers.items():
        response.headers[key] = value
    return response
