"""Hostile strings: text a data file could carry that must reach a page as itself.

Each would do harm if interpreted: run a shell command through a Jinja substitution, put live
JavaScript into a page (a tag, an attribute, a ``javascript:`` address), copy a local file into
the site (a ``{download}`` role), or pull in markup through MyST roles, directives,
cross-references or math. ``MARKER`` names the file a successful command would create.
"""

from __future__ import annotations

MARKER = "cmac-hostile-marker"

HOSTILE = [
    "<script>window.cmacHostile = 1</script>",
    '<img src="x" onerror="window.cmacHostile = 2">',
    '<a href="javascript:window.cmacHostile = 3">click</a>',
    "[link](javascript:window.cmacHostile = 4)",
    "{download}`../../../../etc/hostname`",
    "{{ cycler.__init__.__globals__.os.system('touch /tmp/" + MARKER + "') }}",
    "{eval-rst}`.. raw:: html`",
    "```{raw} html",
    "{ref}`fig-summary` and {doc}`../intro` and {numref}`tbl-sensitivity`",
    "$\\href{javascript:alert(1)}{x}$ & &amp; &#60;",
    "<https://example.org/track>",
    "*emphasis* **strong** _u_ ~~s~~ `code` | pipe | # hash > quote",
]
