"""Mark the course's recurring blocks so the book's stylesheet can make them stand out.

The notebooks use plain Markdown conventions, not directives, so they read the same in JupyterLab:
an exercise is a heading ``Exercise N.M: ...`` followed by a code cell starting ``# Exercise N.M``,
a bank callout is a blockquote opening with ``**At a bank.**``, and the check cell's output says
"not started" or "passed". This extension finds those in the parsed document and adds CSS classes
(``ibml-exercise``, ``ibml-exercise-cell``, ``ibml-check-cell``, ``ibml-at-a-bank``); it also provides
the ``ibml-hint`` directive that ``book/build.py`` uses to show each exercise's graded hints folded away.
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

EXERCISE_TITLE = re.compile(r"^Exercise \d+\.\d+\b")
EXERCISE_CELL = re.compile(r"^\s*#\s*Exercise \d+\.\d+\b")
CHECK_CALL = re.compile(r"\bcheck\.[a-z_]+\(")
BANK_LEAD = "At a bank"
CODE_START = re.compile(r"^\s*(for|if|elif|else|while|with|def|return|try|except|class|import|from)\b")


class hint_details(nodes.General, nodes.Element):
    """A folded hint: ``<details class="ibml-hint"><summary>title</summary>body</details>``."""


def visit_hint_html(self: Any, node: hint_details) -> None:
    self.body.append('<details class="ibml-hint">')
    self.body.append(f"<summary>{self.encode(node['title'])}</summary>")


def depart_hint_html(self: Any, node: hint_details) -> None:
    self.body.append("</details>\n")


def visit_hint_text(self: Any, node: hint_details) -> None:
    self.add_text(node["title"] + ": ")


def depart_hint_text(self: Any, node: hint_details) -> None:
    pass


class HintDirective(SphinxDirective):
    """``{ibml-hint} Hint 1 of 3 for exercise 3.2`` with the hint text (MyST) as its body."""

    required_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        node = hint_details(title=self.arguments[0])
        node.extend(hint_body("\n".join(self.content)))
        return [node]


def hint_body(text: str) -> list[nodes.Node]:
    """A hint as ``check.hint`` prints it: a sentence with `code` spans, then the key lines as code.

    Not parsed as Markdown: hints are written for a terminal, and ``[^/]+`` would become a footnote. A
    multi-line hint whose first line ends with ":" and is not a statement is a sentence introducing code.
    """
    lines = text.strip().splitlines()
    prose, code = (lines[:1], lines[1:]) if len(lines) > 1 else (lines, [])
    if code and (not prose[0].rstrip().endswith(":") or CODE_START.match(prose[0])):
        prose, code = [], lines
    body: list[nodes.Node] = []
    if prose:
        paragraph = nodes.paragraph()
        for number, piece in enumerate(prose[0].split("`")):
            if piece:
                paragraph += nodes.literal(piece, piece) if number % 2 else nodes.Text(piece)
        body.append(paragraph)
    if code:
        source = "\n".join(code)
        block = nodes.literal_block(source, source)
        block["language"] = "default"  # python, falling back to plain text without a warning
        body.append(block)
    return body


def _cell_source(cell: nodes.Element) -> str:
    for block in cell.findall(nodes.literal_block):
        return block.astext()
    return ""


def mark_blocks(app: Sphinx, doctree: nodes.document) -> None:
    """Add the CSS classes; runs once per document after parsing."""
    for section in doctree.findall(nodes.section):
        title = section.next_node(nodes.title)
        if title is not None and EXERCISE_TITLE.match(title.astext()):
            section["classes"].append("ibml-exercise")
    for quote in doctree.findall(nodes.block_quote):
        first = quote.next_node(nodes.paragraph)
        if first is not None and first.astext().startswith(BANK_LEAD):
            quote["classes"].append("ibml-at-a-bank")
    for cell in doctree.findall(nodes.container):
        if cell.get("nb_element") != "cell_code":
            continue
        source = _cell_source(cell)
        if EXERCISE_CELL.match(source):
            cell["classes"].append("ibml-exercise-cell")
        elif CHECK_CALL.search(source) and ("not started" in cell.astext() or " passed (" in cell.astext()):
            cell["classes"].append("ibml-check-cell")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_node(hint_details, html=(visit_hint_html, depart_hint_html), text=(visit_hint_text, depart_hint_text))
    app.add_directive("ibml-hint", HintDirective)
    app.connect("doctree-read", mark_blocks)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
