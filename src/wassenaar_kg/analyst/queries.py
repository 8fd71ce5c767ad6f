"""The SPARQL query library (queries/*.rq, queries/qc/*.rq) and its runner on pyoxigraph.

Each .rq file opens with grlc-style decorators in `#+` comment lines (YAML): `summary`, `description`,
`params` (name, type, default, description) and `example`. A parameter `x` appears in the query as the
variable `?_x` and is bound by SPARQL substitution (no string splicing). Results are serialised by
Oxigraph in the SPARQL 1.1 JSON / CSV / TSV results formats.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import yaml

from ..errors import InputError
from ..kg.files import queries_dir
from ..kg.namespaces import PREFIXES

PARAM_TYPES = ("string", "date", "iri", "integer", "decimal")
RESULT_FORMATS = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"
    default: str | None = None
    description: str = ""


@dataclass
class Query:
    name: str
    path: Path
    text: str
    summary: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)
    example: str = ""

    @property
    def is_qc(self) -> bool:
        return self.path.parent.name == "qc"


def parse_query_file(path: Path) -> Query:
    text = path.read_text(encoding="utf-8")
    header = "\n".join(line[3:] if line.startswith("#+ ") else line[2:] for line in text.splitlines()
                       if line.startswith("#+"))
    try:
        meta = yaml.safe_load(header) or {} if header else {}
    except yaml.YAMLError as exc:
        raise InputError(str(path), f"bad #+ header: {exc}") from None
    params = []
    for item in meta.get("params") or []:
        param = Param(str(item["name"]), str(item.get("type", "string")),
                      None if item.get("default") is None else str(item["default"]), str(item.get("description", "")))
        if param.type not in PARAM_TYPES:
            raise InputError(str(path), f"parameter '{param.name}' has unknown type '{param.type}'")
        params.append(param)
    name = path.stem if path.parent.name != "qc" else f"qc/{path.stem}"
    return Query(name, path, text, str(meta.get("summary", "")), str(meta.get("description", "")).strip(),
                 params, str(meta.get("example", "")))


def library() -> dict[str, Query]:
    root = queries_dir()
    paths = sorted(root.glob("*.rq")) + sorted((root / "qc").glob("*.rq"))
    return {q.name: q for q in map(parse_query_file, paths)}


def resolve(name_or_path: str) -> Query:
    path = Path(name_or_path)
    if path.suffix == ".rq" and path.exists():
        return parse_query_file(path)
    queries = library()
    if name_or_path in queries:
        return queries[name_or_path]
    raise InputError(name_or_path, f"no such query; `wakg query --list` shows the library ({len(queries)} queries)")


def _term(param: Param, raw: str, query: Query):
    try:
        if param.type == "date":
            return ox.Literal(dt.date.fromisoformat(raw).isoformat(), datatype=ox.NamedNode(XSD + "date"))
        if param.type == "integer":
            return ox.Literal(str(int(raw)), datatype=ox.NamedNode(XSD + "integer"))
        if param.type == "decimal":
            return ox.Literal(str(float(raw)), datatype=ox.NamedNode(XSD + "decimal"))
        if param.type == "iri":
            prefix, _, local = raw.partition(":")
            if prefix in PREFIXES and not raw.startswith("http"):
                return ox.NamedNode(str(PREFIXES[prefix]) + local)
            return ox.NamedNode(raw)
    except ValueError:
        raise InputError(str(query.path), f"'{raw}' is not a valid {param.type}", None, param.name) from None
    return ox.Literal(raw)


def bindings(query: Query, given: dict[str, str], as_of: dt.date) -> dict:
    unknown = set(given) - {p.name for p in query.params}
    if unknown:
        raise InputError(str(query.path), f"unknown parameter(s): {', '.join(sorted(unknown))}; "
                         f"this query takes: {', '.join(p.name for p in query.params) or 'none'}")
    values = {}
    for param in query.params:
        raw = given.get(param.name, param.default)
        if raw in (None, "as-of") and param.type == "date":
            raw = as_of.isoformat()
        if raw is None:
            raise InputError(str(query.path), "a value is required (--param name=value)", None, param.name)
        values[ox.Variable("_" + param.name)] = _term(param, raw, query)
    return values


WHERE_OPEN = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def with_values(text: str, values: dict) -> str:
    """Bind parameters with a VALUES block at the start of the outer WHERE group.

    The terms are written in N-Triples syntax by Oxigraph, so a value can never change the query's
    structure. (Oxigraph's own substitution only accepts projected variables.) Line numbers of the
    query are kept, so syntax errors point at the line in the file.
    """
    if not values:
        return text
    match = WHERE_OPEN.search(text)
    if match is None:
        raise InputError("query", "a parameterised query needs a WHERE { ... } clause")
    names = " ".join(str(v) for v in values)
    data = " ".join(str(t) for t in values.values())
    return f"{text[:match.end()]} VALUES ({names}) {{ ({data}) }} {text[match.end():]}"


def execute(query: Query, store: ox.Store, given: dict[str, str], as_of: dt.date):
    """Run a query; a syntax error is reported with its line and column."""
    try:
        return store.query(with_values(query.text, bindings(query, given, as_of)), use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise InputError(str(query.path), f"SPARQL syntax {exc.msg if hasattr(exc, 'msg') else exc}") from None


def serialize(results, fmt: str) -> bytes:
    if isinstance(results, ox.QuerySolutions) or isinstance(results, ox.QueryBoolean):
        return results.serialize(format=RESULT_FORMATS[fmt])
    return results.serialize(format=ox.RdfFormat.N_TRIPLES)  # CONSTRUCT / DESCRIBE


def rows(results) -> tuple[list[str], list[list[str]]]:
    """Header and rows of plain strings (for tables and tests)."""
    if isinstance(results, ox.QueryBoolean):
        return ["result"], [[str(bool(results)).lower()]]
    variables = [v.value for v in results.variables]
    table = []
    for solution in results:
        table.append(["" if solution[v] is None else solution[v].value for v in variables])
    return variables, table


def table(header: list[str], body: list[list[str]]) -> str:
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    out = [line(header), line(["-" * w for w in widths])] + [line(r) for r in body]
    out.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(out) + "\n"
