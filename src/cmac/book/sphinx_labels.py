"""A figure or table name that another page already holds is renamed on this page.

A new chapter often starts as a copy of an old one, with the same figure and table names
(``fig-density-fits``). Sphinx would warn "duplicate label", which the build treats as an
error, so the copy could not be built until every name was changed. Instead, before Sphinx
records the page's labels, each name that another page already holds is prefixed with this
page's name (``page-95-new-chapter-fig-density-fits``), in its anchor and in this page's own
``{numref}`` and ``{ref}`` links to it. The page that held the name first keeps its anchors.
Sphinx reads pages in the order of their names, and keeps what it read between builds, so
the same book always gets the same names. The house rule in tests/test_notebooks.py still
asks the author to give the copy names of its own.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)


class RenameNamesHeldElsewhere(SphinxTransform):
    default_priority = 840  # before SphinxDomains (850) records the page's labels

    def apply(self, **kwargs: Any) -> None:
        labels = self.env.get_domain("std").labels  # name -> (docname, id, title)
        here = self.env.docname
        page = PurePosixPath(here).name
        # an id must start with a letter (docutils would drop a leading "95-")
        prefix = f"{page}-" if page[:1].isalpha() else f"page-{page}-"
        renamed: dict[str, str] = {}
        for name, explicit in list(self.document.nametypes.items()):
            held = labels.get(name)
            if not explicit or held is None or held[0] == here:
                continue
            renamed[name] = prefix + name
        for old, new in renamed.items():
            rename(self.document, old, new)
            logger.info("%s: %r is another page's name; here it is %r", here, old, new)
        for xref in self.document.findall(pending_xref):
            if xref.get("refdomain") == "std" and xref.get("reftarget") in renamed:
                xref["reftarget"] = renamed[xref["reftarget"]]


def rename(document: nodes.document, old: str, new: str) -> None:
    """Give the element named ``old`` the name and anchor ``new``."""
    old_id = document.nameids.pop(old)
    document.nametypes[new] = document.nametypes.pop(old)
    element = document.ids.pop(old_id) if old_id else None
    new_id = nodes.make_id(new)
    document.nameids[new] = new_id if element is not None else old_id
    if element is not None:
        element["names"] = [new if n == old else n for n in element["names"]]
        element["ids"] = [new_id if i == old_id else i for i in element["ids"]]
        document.ids[new_id] = element


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_transform(RenameNamesHeldElsewhere)
    return {"parallel_read_safe": False, "parallel_write_safe": True}
