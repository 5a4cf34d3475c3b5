"""A parser for the QBO query language.

    SELECT * | COUNT(*) FROM <Entity> [WHERE <cond> [AND <cond>]...] [ORDERBY <field> [ASC|DESC] [, ...]]
    [STARTPOSITION n] [MAXRESULTS m]
    cond := <field> (= | < | > | <= | >=) <literal> | <field> IN (<literal>, ...) | <field> LIKE '<pattern>'

Syntax errors are QueryParserError (code 4000), worded like Intuit's JavaCC parser; semantic errors
(unknown entity or field, out-of-range paging) are QueryValidationError (code 4001). There is no OR, no
parentheses around conditions and no projection list: Intuit documents none of them for v3 queries, so the
emulator rejects them (the stricter reading).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from .entities import BY_NAME, EntitySpec
from .faults import QBOFault, parser_error, query_invalid

MAX_RESULTS = 1000
DEFAULT_MAX_RESULTS = 100
KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "ORDERBY",
    "ASC",
    "DESC",
    "STARTPOSITION",
    "MAXRESULTS",
    "IN",
    "LIKE",
    "COUNT",
    "TRUE",
    "FALSE",
    "NOT",
}
_TOKEN = re.compile(
    r"""\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|<>|[=<>(),*])
                        |(?P<id>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*))""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # str | num | op | id | kw | eof
    text: str
    column: int


@dataclass(frozen=True)
class Cond:
    field: str
    op: str  # = < > <= >= IN LIKE
    values: tuple[str | float | bool, ...]


@dataclass
class Query:
    spec: EntitySpec
    count: bool = False
    where: list[Cond] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    start: int = 1
    max_results: int = DEFAULT_MAX_RESULTS


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            column = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            raise parser_error(
                f'Lexical error at line 1, column {column}.  Encountered: "{text[column - 1]}"'
            )
        kind = match.lastgroup or "op"
        value, column = match.group(kind), match.start(kind) + 1
        if kind == "id" and value.upper() in KEYWORDS:
            kind, value = "kw", value.upper()
        tokens.append(Token(kind, value, column))
        pos = match.end()
    tokens.append(Token("eof", "<EOF>", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def fail(self, expecting: str) -> QBOFault:
        tok = self.peek()
        return parser_error(
            f'Encountered " {tok.kind.upper()} "{tok.text} "" at line 1, column {tok.column}.\n'
            f"Was expecting:\n    {expecting} ..."
        )

    def expect_kw(self, word: str) -> None:
        if self.peek().kind != "kw" or self.peek().text != word:
            raise self.fail(f'"{word}"')
        self.take()

    def expect_op(self, op: str) -> None:
        if self.peek().kind != "op" or self.peek().text != op:
            raise self.fail(f'"{op}"')
        self.take()

    def skip_kw(self, word: str) -> bool:
        """Consume the keyword if it comes next."""
        if self.is_kw(word):
            self.take()
            return True
        return False

    def is_kw(self, word: str) -> bool:
        return self.peek().kind == "kw" and self.peek().text == word

    def integer(self) -> int:
        tok = self.peek()
        if tok.kind != "num" or not re.fullmatch(r"-?\d+", tok.text):
            raise self.fail("<INTEGER>")
        self.take()
        return int(tok.text)

    def literal(self) -> str | float | bool:
        tok = self.take()
        if tok.kind == "str":
            return re.sub(r"\\(.)", r"\1", tok.text[1:-1])
        if tok.kind == "num":
            return float(tok.text)
        if tok.kind == "kw" and tok.text in ("TRUE", "FALSE"):
            return tok.text == "TRUE"
        self.pos -= 1
        raise self.fail("<STRING> | <NUMBER> | true | false")


def parse(text: str) -> Query:
    """Parse and validate a query; raises QBOFault (4000 or 4001)."""
    p = _Parser(text)
    p.expect_kw("SELECT")
    count = _select_list(p)
    p.expect_kw("FROM")
    q = Query(_entity(p), count=count)
    if p.skip_kw("WHERE"):
        q.where = _listed(p, "AND", lambda: _cond(p, q.spec))
    if p.skip_kw("ORDERBY"):
        q.order = _listed(p, ",", lambda: _order(p, q.spec))
    if p.skip_kw("STARTPOSITION"):
        q.start = _bounded(p.integer(), 1, None)
    if p.skip_kw("MAXRESULTS"):
        q.max_results = _bounded(p.integer(), 1, MAX_RESULTS)
    if p.peek().kind != "eof":
        raise p.fail("<EOF>")
    return q


def _entity(p: _Parser) -> EntitySpec:
    if p.peek().kind != "id":
        raise p.fail("<ENTITY>")
    name = p.take().text
    spec = BY_NAME.get(name)  # Intuit: "The name of the queried entity ... Case sensitive."
    if spec is None:
        raise query_invalid(f"Entity '{name}' is not supported")
    return spec


T = TypeVar("T")


def _listed(p: _Parser, separator: str, item: Callable[[], T]) -> list[T]:
    """One or more items joined by a keyword (AND) or a comma."""
    items = [item()]
    while p.peek().text == separator:
        p.take()
        items.append(item())
    return items


def _select_list(p: _Parser) -> bool:
    if p.peek().text == "*":
        p.take()
        return False
    if p.is_kw("COUNT"):
        p.take()
        p.expect_op("(")
        p.expect_op("*")
        p.expect_op(")")
        return True
    raise p.fail('"*" | "COUNT(*)"')


def _field(p: _Parser, spec: EntitySpec) -> tuple[str, str]:
    tok = p.peek()
    if tok.kind != "id":
        raise p.fail("<PROPERTY>")
    p.take()
    for name, ftype in spec.fields.items():
        if name.lower() == tok.text.lower():
            return name, ftype
    raise query_invalid(f"property '{tok.text}' is not queryable for entity {spec.name}")


def _cond(p: _Parser, spec: EntitySpec) -> Cond:
    name, ftype = _field(p, spec)
    tok = p.take()
    if tok.kind == "kw" and tok.text == "IN":
        p.expect_op("(")
        values = [p.literal()]
        while p.peek().text == ",":
            p.take()
            values.append(p.literal())
        p.expect_op(")")
        return Cond(name, "IN", tuple(values))
    if tok.kind == "kw" and tok.text == "LIKE":
        if ftype != "str":
            raise query_invalid(f"LIKE is not supported on property '{name}'")
        pattern = p.literal()
        if not isinstance(pattern, str):
            raise query_invalid(f"LIKE needs a quoted pattern for property '{name}'")
        return Cond(name, "LIKE", (pattern,))
    if tok.kind == "op" and tok.text in ("=", "<", ">", "<=", ">="):
        return Cond(name, tok.text, (p.literal(),))
    p.pos -= 1
    raise p.fail('"=" | "<" | ">" | "<=" | ">=" | "IN" | "LIKE"')


def _order(p: _Parser, spec: EntitySpec) -> tuple[str, bool]:
    name, _ = _field(p, spec)
    if p.is_kw("DESC") or p.is_kw("ASC"):
        return name, p.take().text == "DESC"
    return name, False


def _bounded(value: int, low: int, high: int | None) -> int:
    if value < low:
        raise query_invalid(f"value {value} is too small. Min allowed value is {low}")
    if high is not None and value > high:
        raise query_invalid(f"value {value} is too large. Max allowed value is {high}")
    return value
