"""CSV written for people: cells a spreadsheet will not run as a formula, streamed in chunks."""
import csv
import io
from typing import Iterable

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_chunks(header: list[str], rows: Iterable[list]) -> Iterable[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 16_384:
            yield taken()
    yield taken()
