"""The loaders on the real files, and checks of the transcription against the report."""

from __future__ import annotations

import pytest

from cmac.data import DATASETS, files_table, load, load_all, schema_table, text_figure
from cmac.paths import PROJECT_ROOT

EXPECTED_ROWS = {
    "sources": 2,
    "conflict_chronology": 21,
    "clearance_1992_1999_published_total": 1,
    "clearance_1992_1999": 7,
    "clearance_2000_2012": 13,
    "japan_cambodia_events_1996_2000": 17,
    "south_south_calendar": 25,
    "uxo_lao_workshops": 6,
    "text_figures": 34,
    "casualties_monitor": 18,
    "casualties_press": 21,
    "casualties_cumulative_since_1979": 13,
    "national_clearance": 28,
    "national_clearance_cumulative": 11,
    "cmac_other_figures": 13,
    "remaining_contamination": 18,
    "article5_deadlines": 5,
}


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_each_file_loads_with_expected_rows(name: str) -> None:
    assert len(load(name)) == EXPECTED_ROWS[name]


def test_every_csv_in_data_is_registered_and_documented() -> None:
    on_disk = {p.name for p in (PROJECT_ROOT / "data").glob("*.csv")}
    assert on_disk == {d.filename for d in DATASETS.values()}
    for name in DATASETS:
        schema = schema_table(name)
        assert (schema["Unit"] != "").all(), name
        assert (schema["Meaning"] != "").all(), name


def test_files_table_lists_every_file_with_provenance() -> None:
    table = files_table()
    assert len(table) == len(DATASETS)
    assert table["Provenance"].str.len().min() > 20


# Values typed from the report's tables, checked cell by cell against the loaded files.
@pytest.mark.parametrize(
    ("period", "column", "value"),
    [
        ("1992–Oct. 1993", "area_m2", 5_479_850),
        ("Nov. 1993–Dec. 1994", "uxo", 208_854),
        ("1997", "area_m2", 15_565_421),
        ("1999", "at_mines", 649),
        ("1995", "ap_mines", 22_115),
    ],
)
def test_selected_values_1992_1999(period: str, column: str, value: int) -> None:
    assert load("clearance_1992_1999").set_index("period").at[period, column] == value


@pytest.mark.parametrize(
    ("year", "column", "value"),
    [
        (2000, "area_m2", 8_369_635),
        (2005, "ap_mines", 74_165),
        (2006, "at_mines", 1_000),
        (2010, "area_m2", 73_862_681),
        (2012, "uxo", 96_439),
    ],
)
def test_selected_values_2000_2012(year: int, column: str, value: int) -> None:
    assert load("clearance_2000_2012").set_index("year").at[year, column] == value


def test_published_total_as_printed_and_reconciled() -> None:
    total = load("clearance_1992_1999_published_total").iloc[0]
    assert (total["area_m2"], total["ap_mines"], total["at_mines"], total["uxo"]) == (
        72_734_427,
        105_693,
        1_696,
        531_727,
    )
    periods = load("clearance_1992_1999")
    for column in ["area_m2", "ap_mines", "at_mines", "uxo"]:
        assert periods[column].sum() == total[column]


def test_first_period_start_is_flagged_as_assumed() -> None:
    periods = load("clearance_1992_1999")
    assert periods.at[0, "start_month"] == "1992-06"
    assert periods.at[0, "start_basis"] == "assumed"
    assert set(periods["start_basis"].iloc[1:]) == {"printed"}


def test_text_figures_stated_in_the_brief() -> None:
    assert text_figure("casualties_1996") == 4320
    assert text_figure("staff_after_2001") == 2000
    assert text_figure("staff_since_2011") == 1800
    assert text_figure("vegetation_time_share") == pytest.approx(0.70)
    assert text_figure("paicma_officials_trained") == 45
    assert text_figure("uxo_lao_participants_ws1_5") == 109
    assert text_figure("inad_staff_trained") == 30
    assert text_figure("heavy_machines_from_japan") == 50
    assert text_figure("ottawa_deadline_extension_1") == 2019
    assert text_figure("ottawa_deadline_extension_2") == 2030


def test_heavy_machines_keeps_its_qualifier() -> None:
    figures = load("text_figures").set_index("key")
    assert figures.at["heavy_machines_from_japan", "qualifier"] == "more than"


def test_calendar_counts_by_partner() -> None:
    counts = load("south_south_calendar")["partner"].value_counts().to_dict()
    assert counts == {"Laos": 9, "Colombia": 6, "Angola": 5, "Other": 5}


def test_load_all_and_unknown_name() -> None:
    assert set(load_all()) == set(DATASETS)
    with pytest.raises(KeyError, match="unknown dataset"):
        load("no_such_table")


def test_schema_checks_print_years_as_years_and_counts_with_separators() -> None:
    checks = schema_table("sources").set_index("Column")["Checks"]
    assert checks["year"] == "required; 1990 to 2030", "a range of years printed as a count"
    counts = schema_table("clearance_2000_2012")["Checks"]
    assert counts.str.contains("100,000,000").any(), "counts lost their thousands separators"


def test_schema_findings_count_every_documented_column() -> None:
    from cmac.data import schema_findings

    schemas = {name: schema_table(name) for name in DATASETS}
    (finding,) = schema_findings(schemas)
    expected = sum(len(dataset.schema.columns) for dataset in DATASETS.values())
    assert (finding.key, finding.value) == ("n_columns", expected), finding
