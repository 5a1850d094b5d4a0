"""The downloadable data package: what it holds and that it describes its files truly."""

from __future__ import annotations

import codecs
import csv
import io
import json
import socket
import zipfile
from pathlib import Path

import frictionless
import pandas as pd
import pytest

from cmac.book.citation import BookInfo, BookVersion
from cmac.book.datapackage import (
    FORMULA_STARTS,
    PACKAGE_FOLDER,
    PURE_NUMBER,
    descriptor,
    site_csvs,
    spreadsheet_safe,
    spreadsheet_safe_cell,
    write_package,
)
from cmac.data import DATASETS
from cmac.paths import PROJECT_ROOT

INFO = BookInfo("T", ("A Team",), ("CC-BY-4.0", "MIT"), "https://example.org/b/", "")
VERSION = BookVersion("1.0", "abc", "2026-11-30")


def member(name: str) -> str:
    return f"{PACKAGE_FOLDER}/{name}"


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No connection leaves the test: frictionless validates with the profiles it ships."""

    def refuse(*_: object) -> None:
        raise OSError("the data package test tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def validate_package(package: Path, into: Path) -> frictionless.Report:
    """frictionless's report on the zip, unpacked: the descriptor against the Data Package
    profile, and each file against its resource (columns, types, encoding)."""
    with zipfile.ZipFile(package) as archive:
        archive.extractall(into)
    return frictionless.validate(str(into / PACKAGE_FOLDER / "datapackage.json"))


def small_package(folder: Path, tables: list[Path]) -> Path:
    """The project's data, a one-row results record and ``tables``, packaged in ``folder``."""
    record = folder / "results.csv"
    record.write_text("chapter,key,value,unit,description,text\nx,k,1,u,d,1\n")
    return write_package(
        folder / "p.zip", PROJECT_ROOT / "data", record, tables, PROJECT_ROOT / "LICENSE.md",
        INFO, VERSION,
    )


def problems(report: frictionless.Report) -> list[str]:
    return [f"{task.name}: {e.type}: {e.message}" for task in report.tasks for e in task.errors]


@pytest.mark.usefixtures("offline")
def test_package_holds_every_file_its_descriptor_lists(tmp_path: Path) -> None:
    table = tmp_path / "tbl-demo.csv"
    table.write_text("year,area_km2\n2000,8.4\n")
    target = small_package(tmp_path, [table])
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        assert all(n.startswith(PACKAGE_FOLDER + "/") for n in names)  # unpacks into one folder
        names = {n.removeprefix(PACKAGE_FOLDER + "/") for n in names}
        package = json.loads(archive.read(member("datapackage.json")))
        assert {"datapackage.json", "LICENSE.md", "results.csv", "tables/tbl-demo.csv"} <= names
    paths = {r["path"] for r in package["resources"]}
    assert {f"data/{d.filename}" for d in DATASETS.values()} <= paths
    assert {lic["name"] for lic in package["licenses"]} == {"CC-BY-4.0", "MIT"}
    # every resource is in the zip, with the columns, in order, and the types it declares
    report = validate_package(target, tmp_path / "unpacked")
    assert report.valid, problems(report)
    assert len(report.tasks) == len(package["resources"])


@pytest.mark.usefixtures("offline")
def test_frictionless_finds_a_descriptor_that_lies(tmp_path: Path) -> None:
    """The check above can fail: a renamed field, a missing file, text in an integer."""
    target = small_package(tmp_path, [])
    folder = tmp_path / "unpacked" / PACKAGE_FOLDER
    validate_package(target, tmp_path / "unpacked")
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    data = next(r for r in package["resources"] if r["name"] == "clearance-2000-2012")
    data["schema"]["fields"][0]["name"] = "yaer"
    package["resources"].append({**data, "name": "gone", "path": "data/gone.csv"})
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    monitor = folder / "data" / "casualties_monitor.csv"
    monitor.write_bytes(monitor.read_bytes().replace(b"\n1998,", b"\nnineteen98,", 1))
    found = problems(frictionless.validate(str(folder / "datapackage.json")))
    assert any("incorrect-label" in p and "yaer" in p for p in found), found
    assert any(p.startswith("gone: scheme-error") for p in found), found
    assert any(p.startswith("casualties-monitor: type-error") for p in found), found


def test_descriptor_carries_types_units_and_provenance() -> None:
    package = descriptor(INFO, VERSION, ["clearance_2000_2012"], [])
    resource = package["resources"][0]
    fields = {f["name"]: f for f in resource["schema"]["fields"]}
    assert fields["year"]["type"] == "integer"
    assert fields["area_m2"]["unit"] == "m²"
    assert "JICA" in resource["description"]
    assert package["version"] == "1.0" and package["homepage"] == "https://example.org/b/"


def test_descriptor_says_when_parameters_were_not_the_defaults() -> None:
    other = BookVersion("1.0", "abc", "2026-11-30", ("05-trends-and-breaks.scale=level",))
    assert "non-default parameters" in descriptor(INFO, other, [], [])["description"]
    assert "non-default" not in descriptor(INFO, VERSION, [], [])["description"]


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=1+1", "'=1+1"),
        (
            "+1,097.8 suspected (NMAS 2010) on top of 648.8",
            "'+1,097.8 suspected (NMAS 2010) on top of 648.8",
        ),
        ("-14.1 % a year (-15.2 to -13.1)", "'-14.1 % a year (-15.2 to -13.1)"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("-inf", "'-inf"),
        ("-", "'-"),
        ("-1.5", "-1.5"),
        ("+2", "+2"),
        ("-3e-05", "-3e-05"),
        ("12.5", "12.5"),
        ("a=b", "a=b"),
        ("", ""),
        ("'=already", "'=already"),
        ("km² – 2005", "km² – 2005"),
    ],
)
def test_would_be_formulas_are_quoted_and_numbers_kept(cell: str, shown: str) -> None:
    assert spreadsheet_safe_cell(cell) == shown


HOSTILE_CSV = (
    'label,value,note\n=HYPERLINK("http://x"),-1.5,"line\nbreak"\n'
    '+cmd,-2,"\r=lone CR"\n@x,3,km² – ok\n'
).encode()


def test_a_safe_csv_has_a_bom_reads_back_the_same_and_is_stable() -> None:
    safe = spreadsheet_safe(HOSTILE_CSV)
    assert safe.startswith(codecs.BOM_UTF8)  # what Excel needs to show km² and –
    assert spreadsheet_safe(safe) == safe  # idempotent
    raw = pd.read_csv(io.BytesIO(HOSTILE_CSV), dtype=str, keep_default_na=False)
    read = pd.read_csv(io.BytesIO(safe), dtype=str, keep_default_na=False)  # BOM understood
    assert list(read.columns) == ["label", "value", "note"]
    assert read.map(lambda c: c.removeprefix("'")).equals(raw)
    assert list(read["label"]) == ['\'=HYPERLINK("http://x")', "'+cmd", "'@x"]
    assert list(pd.read_csv(io.BytesIO(safe))["value"]) == [-1.5, -2.0, 3.0]  # still numbers


def unquoted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.map(lambda c: c[1:] if c[:2] in {"'" + s for s in FORMULA_STARTS} else c)


def read_raw(content: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(content), dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_every_published_csv_reads_back_to_its_table(tmp_path: Path) -> None:
    """The site's CSVs and the zip's, after the build made them safe: each reads back to the
    file it came from, would-be formulas aside (quoted), and none can run as a formula."""
    site = tmp_path / "site"
    (site / "_static" / "data").mkdir(parents=True)
    (site / "_static" / "tables").mkdir(parents=True)
    sources = {}
    for dataset in DATASETS.values():
        raw = (PROJECT_ROOT / "data" / dataset.filename).read_bytes()
        (site / "_static" / "data" / dataset.filename).write_bytes(raw)
        sources[f"_static/data/{dataset.filename}"] = raw
    table = b"label,effect\n-14.1 % a year (-15.2 to -13.1),-14.1\n=1+1,2\n"
    (site / "_static" / "tables" / "tbl-demo.csv").write_bytes(table)
    sources["_static/tables/tbl-demo.csv"] = table
    record = b"chapter,key,value,unit,description,text\nx,k,-1.5,km\xc2\xb2,d,\xe2\x88\x921.5\n"
    (site / "results.csv").write_bytes(record)
    sources["results.csv"] = record
    target = write_package(
        site / "p.zip",
        PROJECT_ROOT / "data",
        site / "results.csv",
        sorted((site / "_static" / "tables").glob("*.csv")),
        PROJECT_ROOT / "LICENSE.md",
        INFO,
        VERSION,
    )
    with zipfile.ZipFile(target) as archive:
        zipped = {
            n.removeprefix(PACKAGE_FOLDER + "/"): archive.read(n)
            for n in archive.namelist()
            if n.endswith(".csv")
        }
    published = {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*.csv")}
    assert set(published) == set(sources)
    in_zip = {
        "results.csv": "results.csv",
        "_static/tables/tbl-demo.csv": "tables/tbl-demo.csv",
        **{f"_static/data/{d.filename}": f"data/{d.filename}" for d in DATASETS.values()},
    }
    for path, raw in sources.items():
        assert zipped[in_zip[path]] == published[path], path  # the zip holds the site's bytes
        content = published[path]
        assert content.startswith(codecs.BOM_UTF8), path
        read = read_raw(content)
        assert unquoted(read).equals(read_raw(raw)), path
        cells = read.to_numpy().ravel().tolist() + list(read.columns)
        for cell in cells:
            assert not cell.startswith(FORMULA_STARTS) or PURE_NUMBER.fullmatch(cell), (path, cell)
    assert read_raw(published["_static/tables/tbl-demo.csv"])["label"].tolist() == [
        "'-14.1 % a year (-15.2 to -13.1)",
        "'=1+1",
    ]


@pytest.mark.usefixtures("offline")
def test_the_published_package_is_valid(tmp_path: Path) -> None:
    """The book's own zip (``make test`` builds it first), as frictionless reads it."""
    package = PROJECT_ROOT / "_build" / "html" / "cmac-study-data.zip"
    assert package.exists(), f"no data package at {package}: `make test` builds it first"
    report = validate_package(package, tmp_path)
    assert report.valid, problems(report)
    assert report.stats["tasks"] > len(DATASETS)


def test_the_built_books_csvs_are_spreadsheet_safe() -> None:
    """The published book (``make test`` builds it first): every CSV it serves and every CSV
    in its zip starts with a byte-order mark and holds no would-be formula; the zip unpacks
    into one folder. Today's data have such cells (Tables of casualty decline, remaining
    contamination), so this would fail if the build stopped making them safe."""
    site = PROJECT_ROOT / "_build" / "html"
    package = site / "cmac-study-data.zip"
    assert package.exists(), f"no data package at {package}: `make test` builds it first"
    with zipfile.ZipFile(package) as archive:
        assert {n.split("/")[0] for n in archive.namelist()} == {PACKAGE_FOLDER}
        contents = {n: archive.read(n) for n in archive.namelist() if n.endswith(".csv")}
    contents |= {str(p): p.read_bytes() for p in site_csvs(site)}
    assert len(contents) > 2 * len(DATASETS)
    quoted = 0
    for name, content in contents.items():
        assert content.startswith(codecs.BOM_UTF8), name
        for row in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), strict=True):
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS) or PURE_NUMBER.fullmatch(cell), cell
                quoted += cell.startswith("'") and cell[1:].startswith(FORMULA_STARTS)
    assert quoted > 0  # the guard was needed, and applied
