"""Open a CSV file as a stream of text: gzip, byte-order marks, encodings, delimiters.

Files are never read whole. A sample from the start decides the encoding and the
delimiter. The import then streams the file through `TextFile`, which counts and
hashes the bytes as they go by, for progress and for the import run's checksum.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import zlib
from pathlib import Path

from engine.errors import ImportFileError

SAMPLE_BYTES = 256 * 1024
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with byte-order mark",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252 (cp1252)",
}
SAVE_AS_UTF8 = (
    'Save it again as "CSV UTF-8" in your spreadsheet program, or choose the '
    "file's encoding when you import it"
)


# Python's csv module rejects cells over 128 KiB, but product descriptions exported as
# HTML with inline images exceed that. Cells up to 64 MiB are read.
csv.field_size_limit(64 * 1024 * 1024)


class CountingReader(io.RawIOBase):
    """Raw byte stream over a file that counts and hashes every byte read."""

    def __init__(self, path: Path) -> None:
        self._file = open(path, "rb")
        self.bytes_read = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        count = self._file.readinto(buffer)
        if count:
            self.bytes_read += count
            self.sha256.update(memoryview(buffer)[:count])
        return count

    def close(self) -> None:
        self._file.close()
        super().close()


class TextFile:
    """An open CSV file: the decoded text stream plus the byte counter under it."""

    def __init__(self, path: Path, encoding: str) -> None:
        self.path = Path(path)
        self.size = self.path.stat().st_size
        self.counter = CountingReader(self.path)
        binary = io.BufferedReader(self.counter, buffer_size=1 << 20)
        if binary.peek(2)[:2] == GZIP_MAGIC:
            binary = gzip.GzipFile(fileobj=binary, mode="rb")
        self.text = io.TextIOWrapper(binary, encoding=encoding, newline="")

    def fraction_read(self) -> float:
        """Return the share of the file's bytes read so far, 0 to 1."""
        return self.counter.bytes_read / self.size if self.size else 1.0

    def close(self) -> None:
        self.text.close()

    def __enter__(self) -> "TextFile":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def read_sample(path: Path) -> tuple[bytes, bool]:
    """Return the first bytes of the file's content (after gzip) and whether that is all.

    Raises:
        ImportFileError: the file is missing, empty, a workbook or a damaged gzip file.
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(path, "the file was not found", "Check the file name and folder")
    try:
        raw = open(path, "rb")
    except OSError as error:
        raise ImportFileError(
            path,
            f"it cannot be read ({error.strerror or error})",
            "Check that the file still exists and that your user account may read it",
        ) from None
    with raw:
        head = raw.read(4)
        raw.seek(0)
        if head.startswith(ZIP_MAGIC):
            raise ImportFileError(
                path,
                "it is an Excel workbook or another zip file, not a CSV text file",
                'Open it in your spreadsheet program and save it as "CSV UTF-8"',
            )
        if head[:2] == GZIP_MAGIC:
            try:
                with gzip.GzipFile(fileobj=raw, mode="rb") as unpacked:
                    sample = unpacked.read(SAMPLE_BYTES + 1)
            except (OSError, EOFError, zlib.error) as error:
                raise ImportFileError(
                    path,
                    f"it looks like a gzip file but cannot be unpacked ({error})",
                    "Download or export the file again",
                ) from None
        else:
            sample = raw.read(SAMPLE_BYTES + 1)
    if not sample.strip():
        raise ImportFileError(path, "the file is empty", "Export the data again and check that the export has rows")
    is_whole = len(sample) <= SAMPLE_BYTES
    return sample[:SAMPLE_BYTES], is_whole


def detect_encoding(path: Path, sample: bytes, is_whole: bool) -> tuple[str, bool]:
    """Decide the text encoding from the sample; return it and whether the sample is ASCII.

    UTF-8 (with or without byte-order mark) and UTF-16 with a byte-order mark are
    recognised. Anything else that decodes as Windows-1252 is read as cp1252, the
    code page of Excel's plain "CSV" on Western European Windows. Latin-1 is never
    chosen on its own, because it would turn € ’ “ ” into invisible control codes.

    Raises:
        ImportFileError: the sample is neither UTF-8 nor cp1252 text.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", False
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", False
    if b"\x00" in sample:
        raise ImportFileError(
            path,
            "it contains binary data, not text",
            'Check that you picked the right file; save spreadsheets as "CSV UTF-8"',
        )
    if sample.isascii():
        return "utf-8", True

    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=is_whole)
        return "utf-8", False
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
    except UnicodeDecodeError as error:
        line = sample.count(b"\n", 0, error.start) + 1
        byte = sample[error.start]
        raise ImportFileError(
            path,
            f"line {line} contains the byte 0x{byte:02X}, which is neither UTF-8 nor "
            "Windows-1252 (cp1252) text",
            SAVE_AS_UTF8,
        ) from None
    return "cp1252", False


def check_encoding_name(path: Path, encoding: str) -> str:
    """Return Python's name for `encoding`.

    Raises:
        ImportFileError: Python has no codec of that name.
    """
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ImportFileError(
            path,
            f"the encoding '{encoding}' is unknown",
            "Choose an encoding such as utf-8, cp1252, latin-1 or utf-16",
        ) from None


def decode_sample(path: Path, sample: bytes, encoding: str, is_whole: bool) -> str:
    """Decode the sample, dropping a partial last line when the file goes on.

    Raises:
        ImportFileError: the sample is not valid text in `encoding`.
    """
    if not is_whole:
        cut = sample.rfind(b"\n")
        if cut > 0:
            sample = sample[: cut + 1]
    try:
        decoder = codecs.getincrementaldecoder(encoding)()
        return decoder.decode(sample, final=is_whole)
    except UnicodeDecodeError as error:
        line = sample.count(b"\n", 0, error.start) + 1
        raise ImportFileError(
            path,
            f"line {line} is not valid {encoding} text (byte 0x{sample[error.start]:02X})",
            SAVE_AS_UTF8,
        ) from None


def locate_decode_error(path: Path, encoding: str) -> tuple[int, int] | None:
    """Return (line number, byte) of the first bytes that do not decode, or None.

    Reads the file line by line; used only after an import failed to decode it.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    with open(path, "rb") as raw:
        stream = raw
        if raw.read(2) == GZIP_MAGIC:
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw, mode="rb")
        else:
            raw.seek(0)
        for number, line in enumerate(stream, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError as error:
                return number, line[error.start]
    return None


def detect_delimiter(text: str, is_whole: bool) -> str:
    """Pick the delimiter that splits the header into the most columns consistently."""
    best = (",", (-1.0, 0))
    for delimiter in DELIMITERS:
        records = parse_records(text, delimiter, is_whole, limit=50)
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        body = records[1:]
        matching = sum(1 for record in body if _fits(record, width))
        consistency = matching / len(body) if body else 1.0
        score = (round(consistency, 1), width)
        if score > best[1]:
            best = (delimiter, score)
    return best[0]


def _fits(record: list[str], width: int) -> bool:
    if len(record) == width:
        return True
    return len(record) > width and not any(value.strip() for value in record[width:])


def parse_records(text: str, delimiter: str, is_whole: bool, limit: int) -> list[list[str]]:
    """Parse up to `limit` records from a decoded sample, skipping empty lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            if record and any(value.strip() for value in record):
                records.append(record)
            if len(records) > limit:
                break
    except csv.Error:
        pass
    if not is_whole and len(records) > 1 and len(records) <= limit:
        # The sample ends inside the file, so its last record may be cut short.
        records.pop()
    return records[:limit]


def clean_headers(raw_headers: list[str]) -> tuple[list[str], list[str]]:
    """Trim headers, strip byte-order marks and name blank or repeated ones.

    Returns the headers and warnings about the ones that were renamed.
    """
    headers: list[str] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(raw_headers, start=1):
        header = raw.replace("\ufeff", "").strip()
        if not header:
            header = f"Column {position}"
            warnings.append(f"Column {position} has no header; it is called '{header}' here.")
        key = header.casefold()
        if key in seen:
            seen[key] += 1
            renamed = f"{header} ({seen[key]})"
            warnings.append(
                f"The header '{header}' appears more than once; column {position} is "
                f"called '{renamed}' here."
            )
            header = renamed
        else:
            seen[key] = 1
        headers.append(header)

    # A delimiter at the end of every line gives one blank trailing column.
    while headers and headers[-1] == f"Column {len(headers)}" and raw_headers[len(headers) - 1].strip() == "":
        headers.pop()
        warnings.pop()
    return headers, warnings
