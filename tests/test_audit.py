"""The pure parts of ``make audit``: pages, Lighthouse report parsing, thresholds, the table."""

from __future__ import annotations

import gzip
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from cmac.polish.audit import (
    TARGETS,
    PageResult,
    check,
    cpu_slowdown,
    diagnosis,
    failing_audits,
    format_table,
    largest_resources,
    lighthouse_command,
    median_run,
    offsite_requests,
    parse_report,
    report_path,
    serve,
    settled,
    should_gzip,
    site_pages,
)

BASE = "http://127.0.0.1:8000/"


def lighthouse_report(**scores: float | None) -> dict[str, Any]:
    """A tiny hand-written report shaped like Lighthouse 13's JSON."""
    categories: dict[str, float | None] = {
        "performance": 0.97,
        "accessibility": 1.0,
        "best-practices": 1.0,
        "seo": 1.0,
        **{name.replace("_", "-"): value for name, value in scores.items()},
    }
    return {
        "lighthouseVersion": "13.5.0",
        "requestedUrl": BASE + "intro.html",
        "categories": {
            "performance": {
                "score": categories["performance"],
                "auditRefs": [
                    {"id": "largest-contentful-paint", "weight": 25, "group": "metrics"},
                    {"id": "total-blocking-time", "weight": 30, "group": "metrics"},
                    {"id": "render-blocking-insight", "weight": 0},
                    {"id": "network-requests", "weight": 0},
                ],
            },
            "accessibility": {
                "score": categories["accessibility"],
                "auditRefs": [
                    {"id": "color-contrast", "weight": 7},
                    {"id": "html-has-lang", "weight": 7},
                    {"id": "aria-allowed-attr", "weight": 10},
                    {"id": "label-content-name-mismatch", "weight": 0},
                ],
            },
            "best-practices": {"score": categories["best-practices"], "auditRefs": []},
            "seo": {
                "score": categories["seo"],
                "auditRefs": [{"id": "meta-description", "weight": 1}],
            },
        },
        "audits": {
            "largest-contentful-paint": {
                "title": "Largest Contentful Paint",
                "score": 0.6,
                "displayValue": "3.9 s",
            },
            "total-blocking-time": {"title": "Total Blocking Time", "score": 1},
            "render-blocking-insight": {"title": "Render blocking requests", "score": 0},
            "color-contrast": {"title": "Contrast is too low", "score": 0},
            "html-has-lang": {"title": "<html> has a [lang] attribute", "score": 1},
            "aria-allowed-attr": {"title": "ARIA attributes", "score": None},
            "label-content-name-mismatch": {"title": "Label mismatch", "score": 0},
            "meta-description": {"title": "Document has a meta description", "score": 0},
            "total-byte-weight": {"numericValue": 1_200_000, "displayValue": "1,172 KiB"},
            "network-requests": {
                "score": None,
                "details": {
                    "items": [
                        {"url": BASE + "intro.html", "transferSize": 20_000},
                        {"url": BASE + "_static/scripts/fontawesome.js", "transferSize": 700_000},
                        {"url": BASE + "_static/mathjax/tex-chtml.js", "transferSize": 480_000},
                        {"url": "data:image/png;base64,AAAA", "transferSize": 0},
                    ]
                },
            },
        },
    }


def test_site_pages_lists_book_pages_only(tmp_path: Path) -> None:
    for name in [
        "index.html",
        "intro.html",
        "references.html",
        "search.html",
        "genindex.html",
        "chapters/01-context.html",
        "chapters/search.html",
        "_static/page.html",
        "_sources/intro.html",
        "chapters/_static/x.html",
        "results.csv",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("<html></html>")
    assert site_pages(tmp_path) == [
        "chapters/01-context.html",
        "chapters/search.html",
        "index.html",
        "intro.html",
        "references.html",
    ]


def test_report_path_stays_under_the_audit_folder(tmp_path: Path) -> None:
    assert (
        report_path(tmp_path, "chapters/01-context.html") == tmp_path / "chapters/01-context.json"
    )


def test_parse_report_reads_scores_and_transfer() -> None:
    result = parse_report("intro.html", lighthouse_report(seo=0.92))
    assert result.scores == {
        "performance": 0.97,
        "accessibility": 1.0,
        "best-practices": 1.0,
        "seo": 0.92,
    }
    assert result.transfer_bytes == 1_200_000
    assert result.error is None


def test_parse_report_keeps_runtime_error_and_missing_scores() -> None:
    report = lighthouse_report(performance=None)
    report["runtimeError"] = {"code": "NO_FCP", "message": "The page did not paint"}
    result = parse_report("intro.html", report)
    assert result.scores["performance"] is None
    assert result.error == "NO_FCP: The page did not paint"
    assert "performance not scored" in check(result)
    assert any("NO_FCP" in problem for problem in check(result))


def test_a_page_at_the_targets_passes() -> None:
    result = PageResult(
        "intro.html",
        {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0, "seo": 0.95},
        transfer_bytes=TARGETS.max_transfer_bytes,
    )
    assert check(result) == []


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("performance", 0.94, "performance 0.94 < 0.95"),
        ("accessibility", 0.99, "accessibility 0.99 < 1.00"),
        ("best_practices", 0.96, "best-practices 0.96 < 1.00"),
        ("seo", 0.9, "seo 0.90 < 0.95"),
    ],
)
def test_each_category_below_target_fails(field: str, value: float, expected: str) -> None:
    result = parse_report("intro.html", lighthouse_report(**{field: value}))
    assert check(result) == [expected]


def test_too_many_bytes_fails() -> None:
    report = lighthouse_report()
    report["audits"]["total-byte-weight"]["numericValue"] = 2_000_000
    assert check(parse_report("intro.html", report)) == ["transfer 1953 KB > 1536 KB"]
    report["audits"]["total-byte-weight"]["numericValue"] = TARGETS.max_transfer_bytes + 1
    assert check(parse_report("intro.html", report)) != []


def test_failing_audits_costliest_first_skipping_passed_and_unscored() -> None:
    report = lighthouse_report()
    perf = failing_audits(report, "performance")
    assert [a.id for a in perf] == ["largest-contentful-paint", "render-blocking-insight"]
    assert perf[0].display == "3.9 s"
    assert [a.id for a in failing_audits(report, "accessibility")] == ["color-contrast"]
    assert failing_audits(report, "best-practices") == []


def test_largest_resources_and_offsite_requests() -> None:
    report = lighthouse_report()
    assert largest_resources(report, limit=2) == [
        (BASE + "_static/scripts/fontawesome.js", 700_000),
        (BASE + "_static/mathjax/tex-chtml.js", 480_000),
    ]
    assert offsite_requests(report, BASE) == []
    items = report["audits"]["network-requests"]["details"]["items"]
    items.append({"url": "https://cdn.example.org/x.js", "transferSize": 10})
    assert offsite_requests(report, BASE) == ["https://cdn.example.org/x.js"]


def test_table_marks_values_below_target() -> None:
    good = parse_report("intro.html", lighthouse_report())
    bad = parse_report("chapters/01-context.html", lighthouse_report(accessibility=0.9))
    lines = format_table([good, bad]).splitlines()
    assert lines[0].split() == [
        "page",
        "performance",
        "accessibility",
        "best-practices",
        "seo",
        "transfer",
        "KB",
        "runs",
    ]
    assert lines[2].split() == ["intro.html", "0.97", "1.00", "1.00", "1.00", "1172", "1", "ok"]
    assert lines[3].split() == [
        "chapters/01-context.html",
        "0.97",
        "0.90!",
        "1.00",
        "1.00",
        "1172",
        "1",
        "FAIL",
    ]


def test_diagnosis_names_failing_audits_of_low_categories_only() -> None:
    report = lighthouse_report(accessibility=0.9, performance=0.5)
    lines = diagnosis(parse_report("intro.html", report), report)
    assert lines[0] == "intro.html: performance 0.50 < 0.95; accessibility 0.90 < 1.00"
    assert any("accessibility: color-contrast" in line for line in lines)
    assert any("performance: largest-contentful-paint" in line for line in lines)
    assert not any("seo:" in line for line in lines)
    assert any("fontawesome.js" in line for line in lines)


@pytest.mark.parametrize(
    ("kind", "accept", "expected"),
    [
        ("text/html", "gzip, deflate, br", True),
        ("text/css; charset=utf-8", "gzip", True),
        ("text/javascript", "br;q=1, gzip;q=0.8", True),
        ("image/svg+xml", "gzip", True),
        ("font/woff2", "gzip", False),
        ("image/png", "gzip", False),
        ("text/html", "", False),
        ("text/html", "identity", False),
    ],
)
def test_should_gzip_text_only(kind: str, accept: str, expected: bool) -> None:
    assert should_gzip(kind, accept) is expected


def test_lighthouse_command_is_mobile_offline_and_headless(tmp_path: Path) -> None:
    command = lighthouse_command(BASE + "intro.html", tmp_path / "intro.json")
    assert "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-quic" in " ".join(
        command
    )
    assert "--only-categories=performance,accessibility,best-practices,seo" in command
    assert not any("preset" in part or "form-factor" in part for part in command)  # mobile


def test_server_gzips_text_and_not_fonts(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text("<p>hello</p>" * 200)
    (tmp_path / "font.woff2").write_bytes(b"\x00" * 100)
    with serve(tmp_path) as base_url:
        request = urllib.request.Request(
            base_url + "page.html", headers={"Accept-Encoding": "gzip"}
        )
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            assert gzip.decompress(response.read()) == b"<p>hello</p>" * 200
        request = urllib.request.Request(
            base_url + "font.woff2", headers={"Accept-Encoding": "gzip"}
        )
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] is None
            assert response.read() == b"\x00" * 100


def result_with(performance: float | None, error: str | None = None) -> PageResult:
    scores = {"performance": performance, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
    return PageResult("intro.html", scores, 200_000, error)


@pytest.mark.parametrize(
    ("performances", "expected"),
    [
        ([0.97], True),  # met the targets at once
        ([0.80], False),  # missed: two more runs
        ([0.80, 0.97], False),
        ([0.80, 0.97, 0.98], True),  # three runs: the median decides
        ([0.80, 0.82, 0.70], True),
    ],
)
def test_a_page_that_misses_is_run_three_times(performances: list[float], expected: bool) -> None:
    assert settled([result_with(p) for p in performances], runs=3) is expected


def test_settled_with_one_run_is_a_single_verdict() -> None:
    assert settled([result_with(0.5)], runs=1)


def test_median_run_sides_with_the_majority() -> None:
    # pass, fail, pass: the median (0.96) passes; fail, pass, fail: the median (0.90) fails
    passing = [result_with(0.99), result_with(0.80), result_with(0.96)]
    assert median_run(passing) == 2 and not check(passing[median_run(passing)])
    failing = [result_with(0.80), result_with(0.99), result_with(0.90)]
    assert median_run(failing) == 2 and check(failing[median_run(failing)])


def test_median_run_counts_an_unscored_run_as_lowest() -> None:
    runs = [result_with(None, error="NO_FCP"), result_with(0.97), result_with(0.96)]
    assert median_run(runs) == 2
    assert median_run(runs[:2]) == 0  # even count: the lower middle, so a doubt fails


def test_lighthouse_runs_under_the_pinned_node() -> None:
    command = lighthouse_command(BASE, Path("out.json"))
    assert command[0].endswith("node") and command[1].endswith("cli/index.js")


@pytest.mark.parametrize(
    ("index", "slowdown"),
    [(1533, 4.0), (1300, 3.0), (1766, 5.0), (800, 2.0), (950, 2.3), (150, 1.0)],
)
def test_cpu_slowdown_follows_lighthouses_calibration(index: float, slowdown: float) -> None:
    assert cpu_slowdown(index) == pytest.approx(slowdown, abs=0.01)


def test_a_host_too_slow_to_emulate_the_phone_is_refused() -> None:
    with pytest.raises(ValueError, match="too slow"):
        cpu_slowdown(100)


def test_the_slowdown_reaches_lighthouse() -> None:
    command = lighthouse_command(BASE, Path("out.json"), slowdown=2.3)
    assert "--throttling.cpuSlowdownMultiplier=2.30" in command


def test_a_run_off_calibration_is_run_again_for_the_host_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run whose own benchmark index strayed more than a tenth from the one the slowdown was
    set for emulated another phone: it is not counted, and the next run's slowdown is set for
    that index (CI saw a calibration at 2,550, then runs at 1,600-1,870 that scored a page
    0.89 as a slower phone). At most three runs are set aside."""
    from cmac.polish import audit

    slowdowns: list[float] = []

    def runs_at(*indexes: int) -> None:
        left = iter(indexes)
        slowdowns.clear()

        def run(base_url: str, page: str, output: Path, slowdown: float) -> tuple:
            slowdowns.append(slowdown)
            report = {"environment": {"benchmarkIndex": next(left)}}
            return result_with(0.99), report

        monkeypatch.setattr(audit, "audit_once", run)

    runs_at(1800, 1900)  # slower: run again, set for 1,800; the next is within a tenth
    result, report = audit.audit_page(BASE, "a.html", tmp_path, 3, 9.0, calibrated_index=2800)
    assert (result.runs, report["environment"]["benchmarkIndex"], check(result)) == (1, 1900, [])
    assert slowdowns == [9.0, pytest.approx(cpu_slowdown(1800))]
    runs_at(3600, 3500)  # faster (a more lenient phone than meant): also run again
    result, report = audit.audit_page(BASE, "b.html", tmp_path, 3, 4.0, calibrated_index=1533)
    assert report["environment"]["benchmarkIndex"] == 3500
    assert slowdowns[1] == pytest.approx(cpu_slowdown(3600))
    runs_at(2450, 2500)  # an eighth slower: off too (chapter 3 scored 0.91-0.95 so in CI)
    result, report = audit.audit_page(BASE, "d.html", tmp_path, 3, 9.0, calibrated_index=2800)
    assert report["environment"]["benchmarkIndex"] == 2500
    assert slowdowns == [9.0, pytest.approx(cpu_slowdown(2450))]
    runs_at(2600, 2500)  # within a tenth: counted as it is
    result, report = audit.audit_page(BASE, "e.html", tmp_path, 3, 9.0, calibrated_index=2800)
    assert (result.runs, report["environment"]["benchmarkIndex"], slowdowns) == (1, 2600, [9.0])
    runs_at(2000, 1500, 1100, 800, 700)  # always off: three set aside, then counted
    result, report = audit.audit_page(BASE, "c.html", tmp_path, 3, 9.0, calibrated_index=2800)
    assert (result.runs, report["environment"]["benchmarkIndex"]) == (1, 800)
