"""CSV written for people, one rule for every download (activity, end-user export, an import's
refused rows): a cell a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
carriage return) gets a leading apostrophe (OWASP's CSV injection advice), and the file is
streamed: the header at once, then the rows in chunks, so memory stays flat for any size.
"""
import csv
import io
from typing import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(header, rows: Iterable[list], bom: bool = False, chunk_bytes: int = 16_384) -> Iterable[str]:
    """The header (after a BOM, for spreadsheet programs that guess the encoding), then the rows,
    a chunk whenever `chunk_bytes` are written (0: each row as it comes)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def taken() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(header)
    yield ("\ufeff" if bom else "") + taken()
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > chunk_bytes:
            yield taken()
    yield taken()
