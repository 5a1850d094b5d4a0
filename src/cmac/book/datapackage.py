"""One download with everything behind the book's numbers: a Frictionless data package.

The zip holds the source data files, the results record, every table's CSV, a
``datapackage.json`` that describes each file (fields, types, units, meaning, provenance) and
the licence notice. The schemas come from the loaders' own (``cmac.data.DATASETS``), so the
description cannot drift from what the build checks. Everything sits in one folder,
``cmac-study-data/``, so the zip unpacks into one place.

Every CSV the book publishes (the site's ``results.csv``, ``_static/tables``, ``_static/data``,
and the same files in the zip) is written for spreadsheets, while ``data/`` keeps the raw
transcription:

- a text cell that a spreadsheet would run as a formula (it starts with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) gets the usual leading single quote (OWASP's "CSV
  injection" defence); a pure number such as ``-1.5`` stays a number;
- UTF-8 with a byte-order mark, which is what Excel needs to show "km²" and "–" (pandas,
  Python's ``csv`` with ``utf-8-sig`` and frictionless read it as UTF-8).
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

from cmac.book.citation import BookInfo, BookVersion

PACKAGE_NAME = "cmac-study-data.zip"
PACKAGE_FOLDER = "cmac-study-data"  # the one folder the zip unpacks into
CSV_ENCODING = "utf-8-sig"  # UTF-8, with a byte-order mark when written
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_GUARD = "'"
# A pure number, as a spreadsheet reads one: an optional sign, digits with an optional
# fraction, an optional exponent ("-1.5", "+2", "-3e-05"); not "-inf", not "-14.1 %".
PURE_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Where the site serves CSV files, relative to its root
SITE_CSV_PATTERNS = ("results.csv", "_static/tables/*.csv", "_static/data/*.csv")
FRICTIONLESS_TYPES = {
    "int64": "integer",
    "Int64": "integer",
    "float64": "number",
    "str": "string",
    "object": "string",
    "bool": "boolean",
}
RECORD_FIELDS = [
    ("chapter", "string", "Chapter the number comes from"),
    ("key", "string", "The number's key; its row on the results page is r-<chapter>-<key>"),
    ("value", "any", "The value as computed (number or text)"),
    ("unit", "string", "Unit of the value"),
    ("description", "string", "What the number measures"),
    ("text", "string", "The value as printed in the book"),
]
LICENCES = [
    {
        "name": "CC-BY-4.0",
        "title": "Creative Commons Attribution 4.0 (text and derived data)",
        "path": "https://creativecommons.org/licenses/by/4.0/",
    },
    {"name": "MIT", "title": "MIT License (code)", "path": "https://opensource.org/license/mit"},
]


def spreadsheet_safe_cell(text: str) -> str:
    """A cell a spreadsheet shows as text: a leading quote before a would-be formula; pure
    numbers, and every other cell, as they are."""
    if text.startswith(FORMULA_STARTS) and not PURE_NUMBER.fullmatch(text):
        return FORMULA_GUARD + text
    return text


def spreadsheet_safe(content: bytes) -> bytes:
    """A CSV file's bytes, for spreadsheets: every would-be formula quoted, UTF-8 with a
    byte-order mark. Idempotent: a file already made safe comes back unchanged."""
    text = content.decode(CSV_ENCODING)  # a byte-order mark, if any, is dropped here
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    out = io.StringIO(newline="")
    # CRLF line ends (RFC 4180): Python's writer quotes a field holding any character of the
    # line terminator, so a lone CR in a cell is quoted too (with "\n" alone it is not).
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([[spreadsheet_safe_cell(cell) for cell in row] for row in rows])
    return out.getvalue().encode(CSV_ENCODING)


def site_csvs(site: Path) -> list[Path]:
    """The CSV files a built site serves."""
    return sorted(path for pattern in SITE_CSV_PATTERNS for path in site.glob(pattern))


def make_site_csvs_safe(site: Path) -> list[Path]:
    """Rewrite every CSV the site serves with :func:`spreadsheet_safe`; returns them."""
    paths = site_csvs(site)
    for path in paths:
        path.write_bytes(spreadsheet_safe(path.read_bytes()))
    return paths


def data_resource(name: str) -> dict[str, Any]:
    """A source data file as a Frictionless resource, from its validating schema."""
    from cmac.data import DATASETS

    dataset = DATASETS[name]
    fields = [
        {
            "name": column_name,
            "type": FRICTIONLESS_TYPES.get(str(column.dtype), "string"),
            "description": column.description or "",
            **({"unit": unit} if (unit := (column.metadata or {}).get("unit")) else {}),
        }
        for column_name, column in dataset.schema.columns.items()
    ]
    return {
        "name": name.replace("_", "-"),
        "path": f"data/{dataset.filename}",
        "title": dataset.title,
        "description": dataset.provenance,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": fields},
    }


def table_resource(csv_path: Path) -> dict[str, Any]:
    """A table of the book, as its CSV: the columns are read from its header."""
    with open(csv_path, encoding=CSV_ENCODING, newline="") as handle:
        columns = next(csv.reader(handle))
    return {
        "name": csv_path.stem,
        "path": f"tables/{csv_path.name}",
        "title": f"Table {csv_path.stem} of the book",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {"fields": [{"name": c, "type": "any"} for c in columns]},
    }


def descriptor(
    info: BookInfo, version: BookVersion, data_names: list[str], tables: list[Path]
) -> dict[str, Any]:
    record = {
        "name": "results",
        "path": "results.csv",
        "title": "Results record: every number quoted in the book",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [{"name": n, "type": t, "description": d} for n, t, d in RECORD_FIELDS]
        },
    }
    return {
        "name": "cmac-study",
        "title": info.title,
        "version": version.release,
        "homepage": info.base_url,
        "contributors": [{"title": author, "role": "author"} for author in info.authors],
        "licenses": LICENCES,
        "description": (
            f"Data behind the book, version {version.label}, built {version.date}. Source "
            "files as transcribed, the results record and the tables' CSV files."
            + (
                ""
                if version.canonical
                else " Built with non-default parameters: " + "; ".join(version.parameters) + "."
            )
        ),
        "resources": [
            *[data_resource(n) for n in data_names],
            record,
            *[table_resource(t) for t in tables],
        ],
    }


def write_package(
    target: Path,
    data_dir: Path,
    record_csv: Path,
    tables: list[Path],
    licence_file: Path,
    info: BookInfo,
    version: BookVersion,
) -> Path:
    """Write the zip into the site folder (``target.parent``); files go in under fixed names
    in one folder, with stable order and timestamps. Every CSV the site serves is made
    spreadsheet-safe first (:func:`make_site_csvs_safe`), and so is every CSV in the zip: the
    download holds the same bytes as the site."""
    from cmac.data import DATASETS

    make_site_csvs_safe(target.parent)

    names = sorted(DATASETS)
    package = descriptor(info, version, names, tables)
    members: list[tuple[str, bytes]] = [
        ("datapackage.json", (json.dumps(package, indent=1, ensure_ascii=False) + "\n").encode()),
        ("LICENSE.md", licence_file.read_bytes()),
        ("results.csv", spreadsheet_safe(record_csv.read_bytes())),
        *[
            (
                f"data/{DATASETS[n].filename}",
                spreadsheet_safe((data_dir / DATASETS[n].filename).read_bytes()),
            )
            for n in names
        ],
        *[(f"tables/{t.name}", spreadsheet_safe(t.read_bytes())) for t in sorted(tables)],
    ]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            member = zipfile.ZipInfo(f"{PACKAGE_FOLDER}/{name}", date_time=(2000, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, content)
    return target
