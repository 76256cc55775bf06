"""Read a CSV file into a frame of raw text cells, refusing files that are not CSV.

Everything is read as text so that later steps can name the exact line and value
that is wrong. The delimiter is sniffed (comma, semicolon, tab or pipe), a missing
header is noticed, and binary files (Excel, images) are refused. Parquet files (by their
suffix) are read with their column types by ``read_parquet_table``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from forecastgen.errors import InputError

DELIMITERS = [",", ";", "\t", "|"]
DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes"}
BINARY_SIGNATURES = {
    b"PK\x03\x04": "a zip archive or an Excel workbook",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "an old Excel workbook",
    b"SQLite format": "an SQLite database",
    b"\x93NUMPY": "a numpy array",
}
LINE_COLUMN = "__line__"
STRIPPED = "forecastgen_cells_stripped"  # in a frame's attrs: every text cell is stripped
MAX_LINE = 100_000  # characters in one line; Python's csv module refuses fields past 131,072
HEAD_LINES = 50  # lines the delimiter and the header are judged on


def read_csv_text(path: str | Path, notes: list[str]) -> pd.DataFrame:
    """Read ``path`` as a table of text cells with a ``__line__`` column of file line numbers."""
    path = Path(path)
    text = _decode(_read_bytes(path), notes)
    lines = _first_lines(text, HEAD_LINES)  # not a list of every line: long files have millions
    if not lines:
        raise InputError("the file has no rows; give a CSV with a header and at least a few rows")
    too_long = _line_longer_than(text, MAX_LINE)
    if too_long:
        start, length = too_long
        raise InputError(f"line {text.count(chr(10), 0, start) + 1} has {length:,} characters, more "
                         f"than any table row needs ({MAX_LINE:,}); is this a CSV file?")
    delimiter = _sniff_delimiter(lines)
    if delimiter not in (",", None):
        notes.append(f"columns are separated by {DELIMITER_NAMES[delimiter]}")
    header = _has_header(lines[0], delimiter or ",")
    try:
        frame = pd.read_csv(
            io.StringIO(text), sep=delimiter or ",", dtype=str, keep_default_na=False,
            skip_blank_lines=False, header=0 if header else None, skipinitialspace=True,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        raise InputError(f"malformed CSV: {_parser_problem(exc)}") from None
    except pd.errors.EmptyDataError:
        raise InputError("the file has no columns; give a CSV with a header row") from None
    if not isinstance(frame.index, pd.RangeIndex):  # pandas made the extra first fields an index
        raise InputError(f"the rows have more fields than the header's {len(frame.columns)} "
                         f"({', '.join(map(str, frame.columns))}); give every column a name")
    if not header:
        frame.columns = _default_names(frame.shape[1])
        notes.append("the file has no header row: read its columns as "
                     + ", ".join(map(str, frame.columns)))
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = np.ones(len(frame), dtype=bool)
    padded = _has_trailing_space(text, delimiter or ",")  # leading spaces: skipinitialspace
    for column in frame.columns:  # each cell stripped once, here; layout reads them as they are
        frame[column] = frame[column].fillna("")
        if padded:
            frame[column] = frame[column].str.strip()
        blank &= (frame[column] == "").to_numpy()
    frame[LINE_COLUMN] = frame.index + (2 if header else 1)
    frame = frame[~blank].reset_index(drop=True)
    frame.attrs[STRIPPED] = True
    if frame.empty:
        raise InputError("the file has a header but no data rows")
    return frame


def _first_lines(text: str, count: int) -> list[str]:
    """The first ``count`` lines that are not blank."""
    end = -1
    for _ in range(4 * count):  # a prefix long enough for them, unless most lines are blank
        end = text.find("\n", end + 1)
        if end < 0:
            break
    head = text if end < 0 else text[:end + 1]
    lines = [line for line in head.splitlines() if line.strip()]
    if len(lines) < count and end >= 0:
        lines = [line for line in text.splitlines() if line.strip()]
    return lines[:count]


def _line_longer_than(text: str, limit: int) -> tuple[int, int] | None:
    """(offset, length) of the first line longer than ``limit`` characters, or None. Such a line
    holds a whole block of ``limit // 2`` aligned characters without a line break, so only the
    blocks are searched (each search runs at memchr speed), never the lines one by one."""
    half = max(1, limit // 2)
    for block in range(0, len(text), half):
        if _next_break(text, block, block + half) < block + half:
            continue
        start = max(text.rfind("\n", 0, block), text.rfind("\r", 0, block)) + 1
        length = _next_break(text, block, len(text)) - start
        if length > limit:
            return start, length
    return None


def _next_break(text: str, start: int, stop: int) -> int:
    """The offset of the first line break in text[start:stop], or ``stop``."""
    found = [at for at in (text.find("\n", start, stop), text.find("\r", start, stop)) if at >= 0]
    return min(found, default=stop)


def _has_trailing_space(text: str, delimiter: str) -> bool:
    """Whether any cell may end in a space or tab (a substring search, far cheaper than
    stripping millions of cells that have none)."""
    ends = [delimiter, "\n", "\r"]
    spaces = [" ", "\t"] if delimiter != "\t" else [" "]
    return text.endswith((" ", "\t")) or any(space + end in text for space in spaces for end in ends)


PARQUET_SUFFIXES = (".parquet", ".pq")


def read_parquet_table(path: str | Path) -> pd.DataFrame:
    """Read a parquet file (columns keep their types; text columns stay text for the checks)."""
    path = Path(path)
    if not path.exists():
        raise InputError("no such file; check the path")
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise InputError("reading parquet needs pyarrow: pip install 'forecastgen[parquet]'") from None
    try:
        frame = parquet.read_table(path).to_pandas()
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(f"not a readable parquet file ({str(exc).splitlines()[0]})") from None
    if frame.empty:
        raise InputError("the parquet file has no rows")
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise InputError("no such file; check the path")
    if path.is_dir():
        raise InputError("is a folder, not a CSV file")
    raw = path.read_bytes()
    if path.suffix == ".gz":
        import gzip

        try:
            raw = gzip.decompress(raw)
        except OSError as exc:
            raise InputError(f"cannot decompress the gzip file: {exc}") from None
    if not raw.strip():
        raise InputError("the file is empty; give a CSV with a header and at least a few rows")
    if raw.startswith(b"PAR1"):
        raise InputError("this is a parquet file; name it .parquet to read it as one")
    for signature, what in BINARY_SIGNATURES.items():
        if raw.startswith(signature):
            raise InputError(f"this is {what}, not a CSV text file; export the data as CSV")
    if b"\x00" in raw[:8192]:
        raise InputError("this is a binary file, not a CSV text file; export the data as CSV")
    return raw


def _decode(raw: bytes, notes: list[str]) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append("the file is not UTF-8: read it as Latin-1")
        return raw.decode("latin-1")


def _sniff_delimiter(lines: list[str]) -> str | None:
    """The delimiter that splits every sampled line into the same number (>1) of fields."""
    best, best_fields = None, 1
    for delimiter in DELIMITERS:
        counts = {len(row) for row in csv.reader(lines, delimiter=delimiter)}
        if len(counts) == 1 and (fields := counts.pop()) > best_fields:
            best, best_fields = delimiter, fields
    if best is None:
        # ragged rows: take the delimiter most lines agree on, and let the parser say where
        scores = {d: sum(d in line for line in lines) for d in DELIMITERS}
        top = max(scores, key=scores.get)
        best = top if scores[top] else None
    return best


def _has_header(first_line: str, delimiter: str) -> bool:
    cells = next(csv.reader([first_line], delimiter=delimiter))
    return not any(_looks_numeric(cell) for cell in cells) or not cells


def _looks_numeric(cell: str) -> bool:
    cell = cell.strip()
    try:
        float(cell)
        return True
    except ValueError:
        return False


def _default_names(count: int) -> list[str]:
    if count == 1:
        return ["value"]
    if count == 2:
        return ["timestamp", "value"]
    return ["timestamp"] + [f"value_{i}" for i in range(1, count)]


def _parser_problem(exc: Exception) -> str:
    message = str(exc).strip().splitlines()[-1]
    message = message.replace("Error tokenizing data. C error: ", "")
    if "Expected" in message and "fields" in message:
        return message + "; check for a stray delimiter or an unquoted comma in a value"
    if "EOF inside string" in message:
        return message + "; a quote is not closed"
    return message
