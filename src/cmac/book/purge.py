"""Style rules that nothing in the site can match, dropped from its style sheet.

The themes ship about 550 KB of CSS (Bootstrap, Font Awesome's icon classes, the themes'
own), and a phone parses and matches all of it on every page. A rule is kept unless one of
the classes or ids its selector requires appears in no page and no script of the site, the
way PurgeCSS decides: the words of the pages and scripts are the vocabulary, so classes that
scripts add later (Bootstrap's ``show``, the copy button's) stay. Selectors that cannot be read
this way (escaped names, classes inside ``:not()`` or ``:is()``) are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import tinycss2
from tinycss2.ast import AtRule, HashToken, IdentToken, LiteralToken, QualifiedRule

WORD = re.compile(r"[A-Za-z0-9_-]+")
# at-rules whose block holds further rules, purged recursively
GROUPING = {"media", "supports", "layer", "container"}


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Every word (letters, digits, '-' and '_') in the pages and scripts."""
    words: set[str] = set()
    for text in texts:
        words.update(WORD.findall(text))
    return frozenset(words)


def required_names(selector: list) -> set[str] | None:
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
    return names


def split_selectors(prelude: list) -> list[list]:
    selectors: list[list] = [[]]
    for token in prelude:
        if isinstance(token, LiteralToken) and token.value == ",":
            selectors.append([])
        else:
            selectors[-1].append(token)
    return selectors


def purge_rules(rules: list, words: frozenset[str]) -> str:
    kept: list[str] = []
    for rule in rules:
        if isinstance(rule, QualifiedRule):
            selectors = [
                s
                for s in split_selectors(rule.prelude)
                if (names := required_names(s)) is None or names <= words
            ]
            if selectors:
                prelude = ",".join(tinycss2.serialize(s).strip() for s in selectors)
                kept.append(f"{prelude}{{{tinycss2.serialize(rule.content).strip()}}}")
        elif isinstance(rule, AtRule):
            if rule.lower_at_keyword in GROUPING and rule.content is not None:
                inner = tinycss2.parse_rule_list(
                    rule.content, skip_comments=True, skip_whitespace=True
                )
                body = purge_rules(inner, words)
                if body:
                    prelude = tinycss2.serialize(rule.prelude).strip()
                    kept.append(f"@{rule.at_keyword} {prelude}{{{body}}}")
            else:
                kept.append(rule.serialize().strip())
    return "\n".join(kept)


def purge_css(css: str, words: frozenset[str]) -> str:
    """The style sheet without the rules whose selectors need a class or id not in words."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return purge_rules(rules, words) + "\n"
