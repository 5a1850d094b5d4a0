"""Mathematics as MathML, written when the book is built: browsers render it natively, so no
page loads a math script (MathJax was over 1 MB and seconds of work on a phone), and the PDF
prints it the same way. Listed in _config.yml (``extra_extensions``) and chosen with
``html_math_renderer: mathml``."""

from __future__ import annotations

from typing import Any

from docutils import nodes
from latex2mathml.converter import convert
from sphinx.application import Sphinx
from sphinx.util.math import get_node_equation_number


def to_mathml(latex: str, block: bool = False) -> str:
    """MathML for one formula; LaTeX spacing commands are not needed in MathML output."""
    return convert(latex.strip(), display="block" if block else "inline")


def visit_math(translator: Any, node: nodes.math) -> None:
    translator.body.append(f'<span class="math notranslate">{to_mathml(node.astext())}</span>')
    raise nodes.SkipNode


def visit_displaymath(translator: Any, node: nodes.math_block) -> None:
    translator.body.append(translator.starttag(node, "div", CLASS="math notranslate"))
    if node["number"]:
        number = get_node_equation_number(translator, node)
        translator.body.append(f'<span class="eqno">({number})')
        translator.add_permalink_ref(node, "Link to this equation")
        translator.body.append("</span>")
    for part in (p for p in node.astext().split("\n\n") if p.strip()):
        translator.body.append(to_mathml(part, block=True))
    translator.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
