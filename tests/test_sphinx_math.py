"""Formulas as MathML, checked against the structure LaTeX implies."""

from __future__ import annotations

import re

from cmac.polish.sphinx_math import to_mathml


def test_inline_formula_becomes_inline_mathml_with_its_parts() -> None:
    mathml = to_mathml(r"100(e^{\beta_2} - 1)")
    assert mathml.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    assert "<msup><mi>e</mi>" in mathml  # e raised to β₂
    assert re.search(r"<msub><mi>&#x003B2;</mi><mn>2</mn></msub>", mathml)
    assert "&#x02212;" in mathml  # a true minus sign


def test_display_formula_is_a_block() -> None:
    mathml = to_mathml(r"y_t = \beta_0 + \varepsilon_t", block=True)
    assert 'display="block"' in mathml and mathml.endswith("</math>")
