"""A ``{numref}`` link reads the page it points to once per build, not once per link.

Sphinx 7.4's standard domain resolves each numref by unpickling the whole target page
(``env.get_doctree``), only to look up the target's type and number: upstream issue
sphinx-doc/sphinx#12883 ("Cache pre-pickled documents"; its pull request #12882 was closed
unmerged). Here the domain keeps each page's tree as it was read (the object Sphinx saves), or
reads it from disk once when an earlier build read it; the trees kept are only looked at.
The pages are the same bytes with or without it. It stays only while it saves more than 2 s
of a cold build; delete it when Sphinx keeps unpickled trees itself.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.domains.std import StandardDomain


class StandardDomainReadingTargetsOnce(StandardDomain):
    def __init__(self, env: Any) -> None:
        super().__init__(env)
        self.target_trees: dict[str, nodes.document] = {}

    def process_doc(self, env: Any, docname: str, document: nodes.document) -> None:
        self.target_trees[docname] = document
        super().process_doc(env, docname, document)

    def resolve_xref(
        self,
        env: Any,
        fromdocname: str,
        builder: Any,
        typ: str,
        target: str,
        node: Any,
        contnode: Any,
    ) -> Any:
        if typ != "numref":
            return super().resolve_xref(env, fromdocname, builder, typ, target, node, contnode)
        read = env.get_doctree

        def read_once(docname: str) -> nodes.document:
            if docname not in self.target_trees:
                self.target_trees[docname] = read(docname)
            return self.target_trees[docname]

        env.get_doctree = read_once  # for this link only
        try:
            return super().resolve_xref(env, fromdocname, builder, typ, target, node, contnode)
        finally:
            del env.get_doctree  # the environment's own method again


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_domain(StandardDomainReadingTargetsOnce, override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
