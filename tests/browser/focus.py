"""What a page asks the server for as a field loses focus."""


def requests_on_leaving(page, field, picked, settle_ms: int = 500) -> list[str]:
    """The URLs of the requests `picked` selects that leave as `field` loses focus or within
    `settle_ms` after."""
    asked = []

    def seen(request):
        if picked(request):
            asked.append(request.url)

    page.on("request", seen)
    field.blur()
    page.wait_for_timeout(settle_ms)
    page.remove_listener("request", seen)
    return asked
