"""One download with everything behind the book's numbers: a Frictionless data package.

The zip holds the source data files, the results record, every table's CSV, a
``datapackage.json`` that describes each file (fields, types, units, meaning, provenance) and
the licence notice. The schemas come from the loaders' own (``cmac.data.DATASETS``), so the
description cannot drift from what the build checks.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from cmac.book.citation import BookInfo, BookVersion

PACKAGE_NAME = "cmac-study-data.zip"
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
    header = csv_path.read_text(encoding="utf-8").splitlines()[0]
    import csv

    columns = next(csv.reader([header]))
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
    """Write the zip; files go in under fixed names, with stable order and timestamps."""
    from cmac.data import DATASETS

    names = sorted(DATASETS)
    package = descriptor(info, version, names, tables)
    members: list[tuple[str, bytes]] = [
        ("datapackage.json", (json.dumps(package, indent=1, ensure_ascii=False) + "\n").encode()),
        ("LICENSE.md", licence_file.read_bytes()),
        ("results.csv", record_csv.read_bytes()),
        *[
            (f"data/{DATASETS[n].filename}", (data_dir / DATASETS[n].filename).read_bytes())
            for n in names
        ],
        *[(f"tables/{t.name}", t.read_bytes()) for t in sorted(tables)],
    ]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            member = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(member, content)
    return target
