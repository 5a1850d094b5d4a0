"""The glossary page and the {term} links the pages make to it.

The checks read the stored sources (glossary.md, intro.md, the chapters' markdown cells); the
build itself (``-W``) then fails on a {term} that names no glossary entry. Each failure names
the rule, the page (and cell) and how to fix it, in one line (CONTRIBUTING.md lists the rules).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cmac import analysis, models
from cmac.book.toc import resolve_entry, toc_entries

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "glossary.md"
# The landing page as the book builds it (intro.ipynb before intro.md), then the chapters.
PAGES = [
    resolve_entry(ROOT, toc_entries(ROOT / "_toc.yml")[0]),
    *sorted((ROOT / "chapters").glob("*.ipynb")),
]

REQUIRED = [
    "AP",
    "Anti-personnel mine",
    "AT",
    "Anti-tank mine",
    "UXO",
    "ERW",
    "CMAC",
    "CMAA",
    "CMVIS",
    "PAICMA",
    "INAD",
    "RCAF",
    "Land release",
    "Technical survey",
    "Non-technical survey",
    "Article 5",
    "Brush cutter",
    "AICc",
    "HAC",
    "Chow test",
    "sup-F",
    "Cook's distance",
    "Negative binomial",
    "Akaike weight",
    "Confidence interval",
    "Prediction interval",
    "p-value",
    "Parametric bootstrap",
    "Parametric Monte Carlo test",
    "Holm adjustment",
]

# Words whose first use in a page's prose must be a {term} link to the entry named.
FIRST_USE = {
    "UXO": r"\bUXO\b(?! Lao)|unexploded ordnance",
    "CMAC": r"\bCMAC\b|Cambodian Mine Action Centre",
    "CMAA": r"\bCMAA\b",
    "CMVIS": r"\bCMVIS\b",
    "PAICMA": r"\bPAICMA\b",
    "INAD": r"\bINAD\b",
    "JICA": r"\bJICA\b",
    "UNTAC": r"\bUNTAC\b",
    "UXO Lao": r"\bUXO\s+Lao\b",
    "Article 5": r"\bArticle\s+5\b",
    "Land release": r"(?i:\bland[- \n]+release)",
    "Brush cutter": r"(?i:\bbrush[- \n]+cutter)",
    "AICc": r"\bAICc\b",
    "Akaike weight": r"\bAkaike[- \n]+weight",
    "BIC": r"\bBIC\b",
    "sup-F": r"\bsup-F\b",
    "Chow test": r"\bChow\b",
    "Cook's distance": r"\bCook's\s+distance",
    "Negative binomial": r"(?i:\bnegative\s+binomial)",
    "p-value": r"\bp-values?\b",
    "Holm adjustment": r"\bHolm\b",
}

ROLE = re.compile(r"\{(?P<name>[\w:+-]+)\}`(?P<body>[^`]*)`")


# --- parsing ------------------------------------------------------------------------------


def glossary_entries(text: str) -> list[list[str]]:
    """Each entry's terms: the unindented lines before its indented definition."""
    entries: list[list[str]] = []
    for block in re.findall(r"^```\{glossary\}[^\n]*\n(.*?)^```", text, re.S | re.M):
        after_term = False
        for line in block.splitlines():
            if line.strip() and not line[0].isspace():
                if after_term:
                    entries[-1].append(line.strip())
                else:
                    entries.append([line.strip()])
                after_term = True
            elif line.strip():
                after_term = False
    return entries


def term_index(text: str) -> dict[str, int]:
    """Every term, lower-cased as Sphinx matches it, to the number of its entry."""
    return {t.lower(): i for i, entry in enumerate(glossary_entries(text)) for t in entry}


def term_target(body: str) -> str:
    """The glossary term a {term} role names: `text <target>` or `target`."""
    explicit = re.fullmatch(r"(?s)(.*?)\s*<(.+)>", body)
    return (explicit.group(2) if explicit else body).strip().lower()


def markdown_blocks(page: Path) -> list[str]:
    return [text for _, text in located_blocks(page)]


def located_blocks(page: Path) -> list[tuple[str, str]]:
    """Each markdown block of a page with where a contributor finds it: the page, and for a
    notebook the cell's number (from 1, as tests/test_notebooks.py counts)."""
    if page.suffix == ".md":
        return [(page.name, page.read_text())]
    cells = json.loads(page.read_text())["cells"]
    return [
        (f"{page.name}, cell {i + 1}", "".join(c["source"]))
        for i, c in enumerate(cells)
        if c["cell_type"] == "markdown"
    ]


def entry_terms(index: dict[str, int], entry: int | None) -> str:
    """An entry named by its terms, for a message."""
    return " / ".join(t for t, i in index.items() if i == entry) or "?"


def not_prose(text: str) -> list[tuple[int, int]]:
    """Spans that are not running prose: headings, fenced blocks, directive lines and
    options, labels, display maths, code spans, links and roles other than {term}."""
    spans, pos, fence, maths = [], 0, "", False
    for line in text.splitlines(keepends=True):
        s, end = line.strip(), pos + len(line)
        if fence or maths:
            spans.append((pos, end))
            if fence and s.startswith(fence):
                fence = ""
            elif maths and s.startswith("$$"):
                maths = False
        elif s.startswith(("```", "~~~")):
            fence = s[:3]
            spans.append((pos, end))
        elif s.startswith("$$"):
            spans.append((pos, end))
            maths = not (len(s) > 2 and s.endswith("$$"))  # a one-line $$ … $$ closes itself
        elif s.startswith(("#", ":::")) or re.match(r"^:[\w-]+:|^\(.*\)=$", s):
            spans.append((pos, end))
        pos = end
    for pattern in [r"`[^`\n]*`", r"\[[^\]]*\]\([^)]*\)", r"<a [^>]*>.*?</a>"]:
        spans += [m.span() for m in re.finditer(pattern, text, re.S)]
    spans += [m.span() for m in ROLE.finditer(text) if m["name"] != "term"]
    return spans


def inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= pos < end for start, end in spans)


def term_roles(text: str) -> list[tuple[int, int, str]]:
    return [
        (m.start(), m.end(), term_target(m["body"]))
        for m in ROLE.finditer(text)
        if m["name"] == "term"
    ]


def first_use_problem(blocks: list[str], pattern: str, entry: int, index: dict[str, int]) -> str:
    """'' if the first prose use of the pattern is inside a {term} link to the entry; else
    the text around the use."""
    for text in blocks:
        skip = not_prose(text)
        for match in re.finditer(pattern, text):
            if inside(match.start(), skip) and not any(
                s <= match.start() < e for s, e, _ in term_roles(text)
            ):
                continue
            for start, end, target in term_roles(text):
                if start <= match.start() < end:
                    return "" if index.get(target) == entry else text[start:end]
            return text[max(0, match.start() - 40) : match.end() + 20]
    return ""


@pytest.fixture(scope="module")
def glossary_text() -> str:
    return GLOSSARY.read_text()


@pytest.fixture(scope="module")
def index(glossary_text: str) -> dict[str, int]:
    return term_index(glossary_text)


# --- the glossary page --------------------------------------------------------------------


def test_glossary_has_a_title_and_is_in_the_toc_after_the_appendices(glossary_text: str) -> None:
    assert glossary_text.startswith("# Glossary\n"), (
        "glossary title: glossary.md does not start with '# Glossary': make that its first line"
    )
    entries = toc_entries(ROOT / "_toc.yml")
    assert "glossary" in entries, "glossary in the book: _toc.yml lacks it: add '- file: glossary'"
    at = entries.index("glossary")
    appendices = [e for e in entries if e.startswith("chapters/9")]
    assert entries[at - 1] == appendices[-1] and at < entries.index("results"), (
        f"glossary after the appendices: in _toc.yml it follows {entries[at - 1]!r}: list new "
        "chapters before chapters/90-data-appendix, and glossary right after the last appendix "
        f"({appendices[-1]}), before results"
    )


def test_required_terms_are_defined(index: dict[str, int]) -> None:
    missing = [t for t in REQUIRED if t.lower() not in index]
    assert not missing, (
        f"required glossary terms: glossary.md lacks {missing}: add each as an entry (the term "
        "on its own line, its definition indented below) in the {glossary} block"
    )


def test_every_label_of_the_model_tables_is_defined(
    glossary_text: str, index: dict[str, int]
) -> None:
    labels = [
        *models.MODEL_LABELS.values(),
        *models.TERM_LABELS.values(),
        *analysis.DENSITY_FORMS,
        *(s for s in models.MODEL_SHORT.values() if s != "trend"),
    ]
    missing = [label for label in labels if label.lower() not in index]
    assert not missing, (
        f"model-table labels are glossary terms: glossary.md lacks {missing} (from cmac.models "
        "and cmac.analysis): add an entry for each, or a second term line to an entry"
    )
    # the short label "trend" is explained under "Trend only" rather than as a term
    assert '"trend"' in glossary_text and "trend only" in index, (
        "the short label \"trend\": glossary.md must explain it under the entry 'Trend only'"
    )


def test_terms_are_unique_and_every_entry_is_defined(glossary_text: str) -> None:
    terms = [t.lower() for entry in glossary_entries(glossary_text) for t in entry]
    twice = sorted({t for t in terms if terms.count(t) > 1})
    assert not twice, (
        f"each term once: glossary.md defines {twice} more than once (case ignored): merge the "
        "entries, or give one a term of its own"
    )
    blocks = re.findall(r"^```\{glossary\}[^\n]*\n(.*?)^```", glossary_text, re.S | re.M)
    definitions = sum(len(re.findall(r"(?m)^[^\s].*\n(?=[ ]{2,}\S)", b)) for b in blocks)
    entries = len(glossary_entries(glossary_text))
    assert definitions == entries, (
        f"every entry is defined: glossary.md has {entries} entries but {definitions} "
        "definitions: indent each definition (two spaces or more) right under its terms"
    )


def test_glossary_cites_only_known_references(glossary_text: str) -> None:
    known = set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M))
    cited = {
        key.strip()
        for m in ROLE.finditer(glossary_text)
        if m["name"].startswith("cite")
        for key in m["body"].split(",")
    }
    assert cited and cited <= known, (
        f"citations name known references: glossary.md cites {sorted(cited - known)} "
        "(or nothing), not in references.bib: fix the key, or add the entry to references.bib"
    )


# --- links from the pages -----------------------------------------------------------------


@pytest.mark.parametrize("page", [*PAGES, GLOSSARY], ids=lambda p: p.name)
def test_every_term_link_names_a_glossary_term(page: Path, index: dict[str, int]) -> None:
    blocks = [(page.name, page.read_text())] if page == GLOSSARY else located_blocks(page)
    unknown = [(spot, t) for spot, text in blocks for _, _, t in term_roles(text) if t not in index]
    assert not unknown, (
        f"{{term}} links name a glossary term: {unknown} names none: use a term of glossary.md "
        "({term}`shown text <glossary term>`), or add the term there"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_each_entry_is_linked_at_most_once_per_page(page: Path, index: dict[str, int]) -> None:
    linked = [
        (index.get(t), spot) for spot, text in located_blocks(page) for _, _, t in term_roles(text)
    ]
    entries = [entry for entry, _ in linked]
    repeated = {
        entry_terms(index, entry): [spot for e, spot in linked if e == entry]
        for entry in entries
        if entries.count(entry) > 1
    }
    assert not repeated, (
        f"one {{term}} link per entry and page: {page.name} links {repeated} more than once: "
        "keep the link at the first use and write the later ones as plain words"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_term_links_are_in_prose_only(page: Path) -> None:
    for spot, text in located_blocks(page):
        skip = not_prose(text)
        for start, _, target in term_roles(text):
            assert not inside(start, skip), (
                f"{{term}} links only in running prose: {spot} links `{target}` in a heading, "
                "code, a directive or another role: write plain words there and link the "
                "first use in a sentence"
            )
    if page.suffix == ".ipynb":
        for number, cell in enumerate(json.loads(page.read_text())["cells"], start=1):
            spot = f"{page.name}, cell {number}"
            assert "{term}" not in json.dumps(cell.get("metadata", {})), (
                f"{{term}} links only in running prose: {spot} has one in its metadata (a "
                "caption or alt text): write plain words there"
            )
            if cell["cell_type"] == "code":
                assert "{term}" not in "".join(cell["source"]), (
                    f"{{term}} links only in running prose: {spot} has one in its code (a "
                    "caption or a recorded text): write plain words there"
                )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_first_use_of_a_glossary_word_is_linked(page: Path, index: dict[str, int]) -> None:
    blocks = markdown_blocks(page)
    problems = {
        term: problem
        for term, pattern in FIRST_USE.items()
        if (problem := first_use_problem(blocks, pattern, index.get(term.lower(), -1), index))
    }
    assert not problems, (
        f"first use of a glossary word is a {{term}} link: in {page.name}, {problems} (term: "
        "text at its first use): make that first use the link, {term}`UXO` or "
        "{term}`shown text <glossary term>`"
    )


def test_uxo_is_linked_where_it_is_first_used(index: dict[str, int]) -> None:
    mentioning = [p for p in PAGES if any("UXO" in t for t in markdown_blocks(p))]
    assert len(mentioning) >= 5
    for page in mentioning:
        problem = first_use_problem(markdown_blocks(page), FIRST_USE["UXO"], index["uxo"], index)
        assert not problem, (
            f"first use of a glossary word is a {{term}} link: {page.name}'s first UXO is not "
            f"one ({problem!r}): write it {{term}}`UXO`"
        )


# --- the checks themselves catch what they should -----------------------------------------


def test_checks_catch_an_unlinked_first_use() -> None:
    index = {"uxo": 0, "unexploded ordnance": 0, "cmac": 1}
    pattern = FIRST_USE["UXO"]
    assert first_use_problem(["UXO were found. {term}`UXO` again."], pattern, 0, index)
    assert first_use_problem(["Mines and unexploded ordnance; {term}`UXO`."], pattern, 0, index)
    assert first_use_problem(["{term}`UXO <CMAC>` first."], pattern, 0, index)
    assert not first_use_problem(["# UXO\n\nMost were {term}`UXO`."], pattern, 0, index)
    assert not first_use_problem(["{glue}`uxo_share` % {term}`UXO`, UXO"], pattern, 0, index)
    assert not first_use_problem(["{term}`unexploded ordnance` (UXO)"], pattern, 0, index)
    assert not first_use_problem(["With UXO Lao only."], pattern, 0, index)


def test_checks_parse_terms_and_roles() -> None:
    text = "```{glossary}\nUXO\nUnexploded ordnance\n  Def.\n\nCMAC\n  Def.\n```\n"
    assert glossary_entries(text) == [["UXO", "Unexploded ordnance"], ["CMAC"]]
    assert term_target("unexploded ordnance <UXO>") == "uxo"
    assert term_target("Akaike weight") == "akaike weight"
    heading = "## About {term}`UXO`\n\ntext"
    assert inside(term_roles(heading)[0][0], not_prose(heading))


# Numbers a definition may use: conventions of statistics, not figures from a source.
DEFINITIONAL_NUMBERS = {"0.05", "0.6", "1", "2", "5", "60", "95", "100"}


def test_glossary_states_no_source_figures() -> None:
    """Figures from the sources are glued in the chapters; the glossary (a Markdown page, which
    cannot glue) names the chapter instead. Years, chapter numbers and the conventions of
    statistics are allowed."""
    text = re.sub(r"\{cite:p\}`[^`]*`", "", GLOSSARY.read_text())
    text = re.sub(r"(?i)\b(chapters?|article) \d+( (to|and) \d+)?", "", text)
    text = re.sub(r"AR\(1\)", "", text)
    numbers = set(re.findall(r"(?<![\w.])\d[\d,.]*\d|(?<![\w.])\d(?!\w)", text))
    figures = {n for n in numbers if not re.fullmatch(r"(19|20)\d\d", n)}
    assert figures <= DEFINITIONAL_NUMBERS, (
        f"the glossary states no source figures: glossary.md has "
        f"{sorted(figures - DEFINITIONAL_NUMBERS)}: glue the figure in its chapter and name "
        "the chapter in the definition instead"
    )
