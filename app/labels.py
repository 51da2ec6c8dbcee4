"""Human labels for the enum values the API speaks: the values stay as the reference pages name
them (forms post and the API accepts `ImapSmtp`), people read "IMAP / SMTP". One place for both the
select options and the template filter `human`.
"""
import re

from wtforms.fields import SelectChoice

SPECIAL = {
    "ImapSmtp": "IMAP / SMTP", "Graph": "Microsoft Graph (Microsoft 365)", "ApiKey": "API key",
    "ApiCall": "API call", "ReplySend": "Reply and send", "RealTimeTranslation": "Real-time translation",
    "Basic": "Basic (user name and password)", "Bearer": "Bearer token",
}
_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z]|\d|\b)|[A-Z]?[a-z]+|\d+")


def human(value) -> str:
    """`ConditionalRules` -> "Conditional rules"; special cases from SPECIAL."""
    if value is None or value == "":
        return ""
    text = str(value)
    if text in SPECIAL:
        return SPECIAL[text]
    words = _WORDS.findall(text)
    if not words:
        return text
    return " ".join([words[0], *(w if w.isupper() and len(w) > 1 else w.lower() for w in words[1:])])


def labelled(values, blank: str | None = None) -> list[SelectChoice]:
    """Select options that post the value and show its human label (a blank option when asked)."""
    choices = [SelectChoice(value, human(value)) for value in values]
    return [SelectChoice("", blank), *choices] if blank is not None else choices
