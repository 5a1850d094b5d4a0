"""Style rules that nothing in the site can match, dropped from its style sheet.

The themes ship about 550 KB of CSS (Bootstrap, Font Awesome's icon classes, the themes'
own), and a phone parses and matches all of it on every page. A rule is kept unless one of
the classes or ids its selector requires appears in no page and no script of the site, the
way PurgeCSS decides: the words of the pages and scripts are the vocabulary, so classes that
scripts add later (Bootstrap's ``show``, the copy button's) stay. Selectors that cannot be read
this way (escaped names, classes inside ``:not()`` or ``:is()``) are kept.

Parsing the sheet is the slow part, and it does not depend on the vocabulary: :func:`read_rules`
turns the sheet into plain lists (JSON, so a build can keep them) that :func:`purge` filters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import tinycss2
from tinycss2.ast import AtRule, HashToken, IdentToken, LiteralToken, QualifiedRule

WORD = re.compile(r"[A-Za-z0-9_-]+")
# at-rules whose block holds further rules, purged recursively
GROUPING = {"media", "supports", "layer", "container"}

# A read sheet is a list of: ["rule", [[names or None, selector], ...], declarations],
# ["group", "@media …", [read rules]] or ["keep", text].
Rules = list[list[Any]]


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Every word (letters, digits, '-' and '_') in the pages and scripts."""
    words: set[str] = set()
    for text in texts:
        words.update(WORD.findall(text))
    return frozenset(words)


def required_names(selector: list) -> list[str] | None:
    """The classes and ids a compound selector needs; None if it cannot be read safely."""
    names: set[str] = set()
    after_dot = False
    for token in selector:
        if after_dot:
            if not isinstance(token, IdentToken):
                return None
            names.add(token.value)
        elif isinstance(token, HashToken) and token.is_identifier:
            names.add(token.value)
        after_dot = isinstance(token, LiteralToken) and token.value == "."
    if any(not WORD.fullmatch(name) for name in names):
        return None
    return sorted(names)


def split_selectors(prelude: list) -> list[list]:
    selectors: list[list] = [[]]
    for token in prelude:
        if isinstance(token, LiteralToken) and token.value == ",":
            selectors.append([])
        else:
            selectors[-1].append(token)
    return selectors


def read_rules(rules: list) -> Rules:
    read: Rules = []
    for rule in rules:
        if isinstance(rule, QualifiedRule):
            selectors = [
                [required_names(s), tinycss2.serialize(s).strip()]
                for s in split_selectors(rule.prelude)
            ]
            read.append(["rule", selectors, tinycss2.serialize(rule.content).strip()])
        elif isinstance(rule, AtRule):
            if rule.lower_at_keyword in GROUPING and rule.content is not None:
                inner = tinycss2.parse_rule_list(
                    rule.content, skip_comments=True, skip_whitespace=True
                )
                prelude = tinycss2.serialize(rule.prelude).strip()
                read.append(["group", f"@{rule.at_keyword} {prelude}", read_rules(inner)])
            else:
                read.append(["keep", rule.serialize().strip()])
    return read


def read_css(css: str) -> Rules:
    """The style sheet's rules, each selector with the names it needs."""
    return read_rules(tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True))


def purge(rules: Rules, words: frozenset[str]) -> str:
    """The read rules without the selectors that need a class or id not in words."""
    kept: list[str] = []
    for kind, *rest in rules:
        if kind == "rule":
            selectors, declarations = rest
            chosen = [text for names, text in selectors if names is None or words.issuperset(names)]
            if chosen:
                kept.append(f"{','.join(chosen)}{{{declarations}}}")
        elif kind == "group":
            prelude, inner = rest
            if body := purge(inner, words):
                kept.append(f"{prelude}{{{body}}}")
        else:
            kept.append(rest[0])
    return "\n".join(kept)


def purge_css(css: str, words: frozenset[str]) -> str:
    """The style sheet without the rules whose selectors need a class or id not in words."""
    return purge(read_css(css), words) + "\n"
