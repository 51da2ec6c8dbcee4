"""htmx conventions, decided once.

Form errors come back as 200 with the re-rendered partial (htmx does not swap 4xx answers by
default); success adds a toast through the HX-Trigger header, which static/js/app.js shows.
"""
from flask import render_template
from htmx_flask import make_response


def toast(body, message: str, level: str = "success", status: int = 200, **extra_headers):
    response = make_response(body, status, trigger={"toast": {"message": message, "level": level}})
    for key, value in extra_headers.items():
        response.headers[key] = value
    return response


def partial(template: str, **context) -> str:
    return render_template(template, **context)
