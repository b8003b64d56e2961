"""Lay generated statements out the way a person formats them.

Strings use double quotes; a call longer than the line limit (88 columns in the file, the
formatters' default) gets one argument per line, recursively, with a trailing comma, which is also
what ``ruff format`` produces for such calls; a long comment is split onto several lines.
"""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize

LIMIT = 84  # the body is indented by 4 in the file: 88 columns, ruff's and black's default


def layout(body: str, indent: int = 0) -> str:
    lines = []
    for statement in _statements(body):
        if statement.lstrip().startswith("#"):
            lines.append(_wrap_comment(" " * indent + statement.strip()))
            continue
        block = _block(statement)
        if block is None:
            lines.append(_wrap(_double_quotes(_flatten(statement)), indent))
        else:  # a ``with``/``for``/``if`` block: its header, then its body laid out one deeper
            header, inner = block
            lines.append(" " * indent + header)
            lines.append(layout(inner, indent + 4))
    return "\n".join(lines)


def _block(statement: str) -> tuple[str, str] | None:
    """``(header line, dedented body)`` of a one-line-header block statement, else ``None``."""
    try:
        node = ast.parse(statement).body[0]
    except (SyntaxError, IndexError):
        return None
    blocks = (ast.With, ast.AsyncWith, ast.For, ast.AsyncFor, ast.While, ast.If)
    if not isinstance(node, blocks) or getattr(node, "orelse", None) or not node.body:
        return None
    source = statement.split("\n")
    first_body_line = node.body[0].lineno
    header_lines = [line for line in source[: first_body_line - 1] if line.strip()]
    if len(header_lines) != 1 or not header_lines[0].rstrip().endswith(":"):
        return None
    inner = textwrap.dedent("\n".join(source[first_body_line - 1 :]))
    return _double_quotes(header_lines[0].strip()), inner


def _wrap_comment(line: str) -> str:
    """A comment longer than the limit, split between words onto several ``#`` lines."""
    if len(line) <= LIMIT:
        return line
    pad = line[: len(line) - len(line.lstrip())]
    text = line.lstrip()[1:].strip()
    return "\n".join(
        textwrap.wrap(
            text,
            width=LIMIT,
            initial_indent=f"{pad}# ",
            subsequent_indent=f"{pad}# ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    )


def _statements(body: str) -> list[str]:
    """Split into top-level statements (a statement may span lines) and comment lines."""
    out: list[str] = []
    try:
        tree = ast.parse(body)
    except SyntaxError:
        return body.splitlines()
    source = body.splitlines()
    next_line = 1
    for node in tree.body:
        start, end = node.lineno, node.end_lineno or node.lineno
        out.extend(
            line for line in source[next_line - 1 : start - 1] if line.lstrip().startswith("#")
        )
        out.append("\n".join(source[start - 1 : end]))
        next_line = end + 1
    out.extend(line for line in source[next_line - 1 :] if line.lstrip().startswith("#"))
    return out


def _flatten(statement: str) -> str:
    node = ast.parse(statement).body[0]
    return ast.unparse(node) if "\n" in statement else statement


def _double_quotes(code: str) -> str:
    tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    result = []
    for token in tokens:
        text = token.string
        if token.type == tokenize.STRING and text.startswith("'") and '"' not in text:
            inner = text[1:-1].replace("\\'", "'")
            text = f'"{inner}"'
        result.append((token, text))
    out = []
    last = (1, 0)
    for token, text in result:
        if token.start[0] == last[0] and token.start[1] > last[1]:
            out.append(" " * (token.start[1] - last[1]))
        elif token.start[0] > last[0]:
            out.append("\n")
        out.append(text)
        last = token.end
    return "".join(out).strip()


def _wrap(code: str, indent: int) -> str:
    pad = " " * indent
    if len(pad + code) <= LIMIT or "\n" in code:
        return pad + code
    try:
        node = ast.parse(code).body[0]
    except SyntaxError:
        return pad + code
    call = node.value if isinstance(node, ast.Expr) else None
    if not isinstance(call, ast.Call):
        return pad + code
    func = ast.get_source_segment(code, call.func) or ""
    parts = [ast.get_source_segment(code, a) or "" for a in call.args]
    parts += [f"{k.arg}={ast.get_source_segment(code, k.value)}" for k in call.keywords if k.arg]
    inner = [_wrap_expression(p, indent + 4) for p in parts]
    return f"{pad}{func}(\n" + "".join(f"{line},\n" for line in inner) + f"{pad})"


def _wrap_expression(code: str, indent: int) -> str:
    """Wrap ``code`` (an expression, maybe ``name=value``) if it is a long call."""
    pad = " " * indent
    if len(pad + code) <= LIMIT:
        return pad + code
    prefix = ""
    expression = code
    head, sep, rest = code.partition("=")
    if sep and head.isidentifier() and not rest.startswith("="):
        prefix, expression = head + "=", rest
    wrapped = _wrap(expression, indent)
    return pad + prefix + wrapped.lstrip()
