"""A parser for the QBO query language, as Intuit's "Query operations and syntax" page gives it.

    SELECT * | COUNT(*) | <path> [, <path>]... FROM <Entity> [WHERE <cond> [AND <cond>]...]
    [ORDERBY | ORDER BY <field> [ASC|DESC] [, ...]] [STARTPOSITION n] [MAXRESULTS m]
    cond := <field> (= | < | > | <= | >=) <literal> | <field> IN (<literal>, ...) | <field> LIKE '<pattern>'

Keywords, entity names and property paths are case-insensitive (Intuit's own examples write
`select * from exchangerate where sourcecurrencycode in (...)`). Syntax errors are QueryParserError
(code 4000), worded like Intuit's JavaCC parser (which lists `<OR>`, "order" and "orderby" among the words it
expects); semantic errors (OR, an unknown entity or field, out-of-range paging) are QueryValidationError
(code 4001). JOIN, GROUP BY, functions, parentheses and `!=` are not in the grammar: QueryParserError.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from .entities import BY_LOWER, EntitySpec
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
    "ORDER",
    "BY",
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
    kind: str  # str | num | op | id | kw | eof | lexerr (a lexical error met when parsing reaches it)
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
    select: tuple[str, ...] = ()  # a projection's property paths; empty for * and COUNT(*)


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            # JavaCC lexes as it parses: a bad character fails only if the parser gets that far.
            column = pos + len(text[pos:]) - len(text[pos:].lstrip()) + 1
            char = text[column - 1]
            detail = (
                f"Invalid content. Lexical error at line 1, column {column}.  "
                f'Encountered: "{char}" ({ord(char)}), after : ""'
            )
            tokens.append(Token("lexerr", detail, column))
            return tokens
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
        self.invalid: list[QBOFault] = []  # validation faults, raised once the whole text has parsed

    def defer(self, fault: QBOFault) -> None:
        self.invalid.append(fault)

    def peek(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind == "lexerr":
            raise parser_error(token.text)
        return token

    def take(self) -> Token:
        token = self.peek()
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def fail(self, *expecting: str) -> QBOFault:
        """Intuit's JavaCC wording: the token met, then every token that could have come instead."""
        tok = self.peek()
        shown = {"id": "<IDENTIFIER>", "str": "<STRING_LITERAL>", "num": "<NUMBER>", "eof": "<EOF>"}
        label = shown.get(tok.kind, f'"{tok.text.lower()}"')
        head = "Was expecting:" if len(expecting) == 1 else "Was expecting one of:"
        alternatives = "".join(f"\n    {e} ..." for e in expecting)
        return parser_error(
            f'Encountered " {label} "{tok.text} "" at line 1, column {tok.column}.\n{head}{alternatives}'
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
        tok = self.peek()
        if tok.kind in ("str", "num") or (tok.kind == "kw" and tok.text in ("TRUE", "FALSE")):
            self.take()
        if tok.kind == "str":
            return re.sub(r"\\(.)", r"\1", tok.text[1:-1])
        if tok.kind == "num":
            return float(tok.text)
        if tok.kind == "kw" and tok.text in ("TRUE", "FALSE"):
            return tok.text == "TRUE"
        raise self.fail("<STRING_LITERAL>", "<NUMBER>", '"true"', '"false"')


def parse(text: str) -> Query:
    """Parse and validate a query; raises QBOFault (4000 or 4001)."""
    p = _Parser(text)
    p.expect_kw("SELECT")
    count, select = _select_list(p)
    p.expect_kw("FROM")
    q = Query(_entity(p), count=count, select=select)
    follows = ["<AND>", "<OR>", *_CLAUSES[1:]] if p.skip_kw("WHERE") else list(_CLAUSES)
    if follows[0] == "<AND>":
        q.where = _conditions(p, q.spec)
    if _order_by(p):
        q.order = _listed(p, ",", lambda: _order(p, q.spec))
        follows = ['","', *_CLAUSES[2:]]
    if p.skip_kw("STARTPOSITION"):
        q.start = _bounded(p, p.integer(), 1, None)
        follows = ['"maxresults"']
    if p.skip_kw("MAXRESULTS"):
        q.max_results = _bounded(p, p.integer(), 1, MAX_RESULTS)
        follows = []
    if p.peek().kind != "eof":
        raise p.fail("<EOF>", *follows)
    if p.invalid:
        raise p.invalid[0]
    return q


# The clauses that may follow FROM <Entity>, in the order Intuit's grammar has them.
_CLAUSES = ('"where"', '"order"', '"orderby"', '"startposition"', '"maxresults"')


def _order_by(p: _Parser) -> bool:
    """ORDERBY, or ORDER BY as two words (both are in Intuit's grammar)."""
    if p.skip_kw("ORDERBY"):
        return True
    if p.skip_kw("ORDER"):
        p.expect_kw("BY")
        return True
    return False


def _conditions(p: _Parser, spec: EntitySpec) -> list[Cond]:
    """Conditions joined by AND. OR is a word of the grammar that Intuit refuses: "Multiple clauses
    (filters) are AND'd. The OR operation is not supported." """
    conds = [_cond(p, spec)]
    while p.is_kw("AND") or p.is_kw("OR"):
        if p.take().text == "OR":
            p.defer(query_invalid("OR operation is not supported in the WHERE clause"))
        conds.append(_cond(p, spec))
    return conds


def _entity(p: _Parser) -> EntitySpec:
    if p.peek().kind != "id":
        raise p.fail("<IDENTIFIER>")
    name = p.take().text
    spec = BY_LOWER.get(name.lower())  # Intuit's own examples write `from attachable`, `from exchangerate`
    if spec is None or not spec.queryable:
        p.defer(query_invalid(f"Entity '{name}' is not supported"))
        return _UNKNOWN
    return spec


_UNKNOWN = EntitySpec("<unknown>", "txn")


T = TypeVar("T")


def _listed(p: _Parser, separator: str, item: Callable[[], T]) -> list[T]:
    """One or more items joined by a comma."""
    items = [item()]
    while p.peek().text == separator:
        p.take()
        items.append(item())
    return items


def _select_list(p: _Parser) -> tuple[bool, tuple[str, ...]]:
    """`*`, `COUNT(*)` or a list of property paths (a projection). `*, Sku` (python-quickbooks reads items
    so, as `Sku` is left out of `*` for older minor versions) is everything."""
    if p.peek().text == "*":
        p.take()
        if p.peek().text == ",":
            p.take()
            _listed(p, ",", lambda: _path(p))
        return False, ()
    if p.is_kw("COUNT"):
        p.take()
        p.expect_op("(")
        p.expect_op("*")
        p.expect_op(")")
        return True, ()
    if p.peek().kind != "id":
        raise p.fail('"*"', '"count"', "<IDENTIFIER>")
    return False, tuple(_listed(p, ",", lambda: _path(p)))


def _path(p: _Parser) -> str:
    if p.peek().kind != "id":
        raise p.fail("<IDENTIFIER>")
    return p.take().text


def _field(p: _Parser, spec: EntitySpec) -> tuple[str, str]:
    tok = p.peek()
    if tok.kind != "id":
        raise p.fail("<IDENTIFIER>")
    p.take()
    for name, ftype in spec.fields.items():
        if name.lower() == tok.text.lower():
            return name, ftype
    if spec is not _UNKNOWN:
        p.defer(query_invalid(f"property '{tok.text}' is not queryable for entity {spec.name}"))
    return tok.text, "str"


def _cond(p: _Parser, spec: EntitySpec) -> Cond:
    name, ftype = _field(p, spec)
    tok = p.peek()
    if tok.kind in ("kw", "op"):
        p.take()
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
            p.defer(query_invalid(f"LIKE is not supported on property '{name}'"))
        pattern = p.literal()
        if not isinstance(pattern, str):
            p.defer(query_invalid(f"LIKE needs a quoted pattern for property '{name}'"))
        return Cond(name, "LIKE", (pattern,))
    if tok.kind == "op" and tok.text in ("=", "<", ">", "<=", ">="):
        return Cond(name, tok.text, (p.literal(),))
    if tok.kind in ("kw", "op"):
        p.pos -= 1
    raise p.fail(*(f'"{op}"' for op in ("=", "<", ">", "<=", ">=", "in", "like")))


def _order(p: _Parser, spec: EntitySpec) -> tuple[str, bool]:
    name, _ = _field(p, spec)
    if p.is_kw("DESC") or p.is_kw("ASC"):
        return name, p.take().text == "DESC"
    return name, False


def _bounded(p: _Parser, value: int, low: int, high: int | None) -> int:
    if value < low:
        p.defer(query_invalid(f"value {value} is too small. Min allowed value is {low}"))
    if high is not None and value > high:
        p.defer(query_invalid(f"value {value} is too large. Max allowed value is {high}"))
    return value
