"""The downloadable data package: what it holds and that it describes its files truly."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from cmac.book.citation import BookInfo, BookVersion
from cmac.book.datapackage import descriptor, write_package
from cmac.data import DATASETS
from cmac.paths import PROJECT_ROOT

INFO = BookInfo("T", ("A Team",), ("CC-BY-4.0", "MIT"), "https://example.org/b/", "")
VERSION = BookVersion("1.0", "abc", "2026-11-30")


def header(content: bytes) -> list[str]:
    return next(csv.reader(io.StringIO(content.decode("utf-8"))))


def test_package_holds_every_file_its_descriptor_lists(tmp_path: Path) -> None:
    table = tmp_path / "tbl-demo.csv"
    table.write_text("year,area_km2\n2000,8.4\n")
    record = tmp_path / "results.csv"
    record.write_text("chapter,key,value,unit,description,text\nx,k,1,u,d,1\n")
    target = write_package(
        tmp_path / "p.zip",
        PROJECT_ROOT / "data",
        record,
        [table],
        PROJECT_ROOT / "LICENSE.md",
        INFO,
        VERSION,
    )
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        package = json.loads(archive.read("datapackage.json"))
        assert {"datapackage.json", "LICENSE.md", "results.csv", "tables/tbl-demo.csv"} <= names
        paths = {r["path"] for r in package["resources"]}
        assert paths <= names  # every resource is in the zip
        assert {f"data/{d.filename}" for d in DATASETS.values()} <= paths
        for resource in package["resources"]:  # fields are the file's own columns, in order
            fields = [f["name"] for f in resource["schema"]["fields"]]
            assert fields == header(archive.read(resource["path"])), resource["path"]
    assert {lic["name"] for lic in package["licenses"]} == {"CC-BY-4.0", "MIT"}


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
