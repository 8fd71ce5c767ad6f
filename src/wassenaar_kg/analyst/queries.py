"""The SPARQL query library (queries/*.rq, queries/qc/*.rq) and its runner on pyoxigraph.

Each .rq file opens with grlc-style decorators in `#+` comment lines (YAML): `summary`, `description`,
`params` (name, type, default, description) and `example`. A parameter `x` appears in the query as the
variable `?_x` and is bound by a VALUES block (no string splicing of user text). Parameters are typed: the
types of the domain (country, country_group, eccn, end_user_class, wassenaar_entry) accept the usual
spellings of a value (any case, 'E1' for 'E:1', 'Cyprus' for 'CY') and normalise them to the notation the
graph uses; an unknown value is an error that lists the values the graph has.

Queries are read-only: SPARQL UPDATE is refused, and so is SERVICE (it reaches the network) unless allowed.
`evaluate` runs a query in a forked child process that is killed at a deadline (or on Ctrl-C), and renders
SELECT / ASK results as a table or in the SPARQL 1.1 JSON / CSV / TSV results formats, CONSTRUCT / DESCRIBE
results as RDF (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML).
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import os
import re
import select
import signal
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import yaml

from ..errors import InputError
from ..kg.files import queries_dir
from ..kg.namespaces import PREFIXES

#: Parameter types. The first five are plain SPARQL terms; the others are values of the graph's own
#: vocabularies, normalised to the notation the queries compare with (all bound as plain literals).
PARAM_TYPES = ("string", "date", "iri", "integer", "decimal",
               "country", "country_group", "eccn", "end_user_class", "wassenaar_entry")
RESULT_FORMATS = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
RDF_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS,
               "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
DEFAULT_TIMEOUT = 30.0
XSD = "http://www.w3.org/2001/XMLSchema#"
UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
QUERY_FORMS = {"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"}


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
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(str(path), exc.strerror or str(exc)) from None
    header = "\n".join(line[3:] if line.startswith("#+ ") else line[2:] for line in text.splitlines()
                       if line.startswith("#+"))
    try:
        meta = yaml.safe_load(header) or {} if header else {}
    except yaml.YAMLError as exc:
        raise InputError(str(path), f"bad #+ header: {exc}") from None
    if not isinstance(meta, dict):
        raise InputError(str(path), "bad #+ header: not a YAML mapping")
    params = []
    for item in meta.get("params") or []:
        if not isinstance(item, dict) or "name" not in item:
            raise InputError(str(path), "bad #+ header: each of params needs a name")
        param = Param(str(item["name"]), str(item.get("type", "string")),
                      None if item.get("default") is None else str(item["default"]), str(item.get("description", "")))
        if param.type not in PARAM_TYPES:
            raise InputError(str(path), f"parameter '{param.name}' has unknown type '{param.type}' "
                             f"(types: {', '.join(PARAM_TYPES)})")
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
    if path.suffix == ".rq":
        if not path.exists():
            raise InputError(name_or_path, "no such file")
        if not path.is_file():
            raise InputError(name_or_path, "not a file")
        return parse_query_file(path)
    queries = library()
    if name_or_path in queries:
        return queries[name_or_path]
    close = difflib.get_close_matches(name_or_path, list(queries), n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    raise InputError(name_or_path, f"no such query{hint} (`wakg query --list` shows the library, "
                     f"{len(queries)} queries)")


# --- reading the query text: a SPARQL tokenizer ---------------------------------------------------------

_TOKEN = re.compile("|".join([
    r"(?P<ws>\s+)",
    r"(?P<comment>#[^\r\n]*)",
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|' r"'''(?:[^'\\]|\\.|'(?!''))*'''|"
    r'"(?:[^"\\\r\n]|\\.)*"|' r"'(?:[^'\\\r\n]|\\.)*')",
    r"(?P<iri><[^<>\"{}|^`\\\x00-\x20]*>)",
    r"(?P<var>[?$]\w+)",
    r"(?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)",
    r"(?P<pname>_:[\w.\-]+|(?:[^\W\d_][\w.\-]*)?:(?:[\w.\-:%]|\\.)*)",
    r"(?P<word>[^\W\d]\w*)",
    r"(?P<number>\d[\w.]*)",
    r"(?P<other>.)",
]), re.DOTALL)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape(text: str) -> str:
    """SPARQL codepoint escapes (\\uXXXX, \\UXXXXXXXX), which the grammar applies before parsing."""
    def char(match: re.Match) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except ValueError:
            return match.group(0)
    return _ESCAPE.sub(char, text)


def tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) of the significant tokens: whitespace and comments are dropped; strings, IRIs,
    variables and prefixed names are single tokens, so words inside them are never read as keywords. An
    unterminated string ends the scan (the parser reports it)."""
    found = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        if kind == "other" and match.group() in "\"'":
            break
        found.append((kind, match.group(), match.start()))
    return found


def _keywords(found: list[tuple[str, str, int]]) -> list[str]:
    return [value.upper() for kind, value, _ in found if kind == "word"]


def query_form(text: str) -> str | None:
    """The first keyword after the prologue (BASE / PREFIX declarations): SELECT, CONSTRUCT, DESCRIBE, ASK,
    an UPDATE operation keyword, or None."""
    found = tokens(_unescape(text))
    i = 0
    while i < len(found):
        kind, value, _ = found[i]
        if kind == "word" and value.upper() == "PREFIX":
            i += 3
        elif kind == "word" and value.upper() == "BASE":
            i += 2
        elif kind == "word":
            return value.upper()
        else:
            return None
    return None


def _service_by_tokens(text: str) -> bool:
    return "SERVICE" in _keywords(tokens(text))


def uses_service(text: str) -> bool:
    """Whether the query has a SERVICE graph pattern (federated query). Found by parsing (rdflib's SPARQL
    parser) when the word occurs outside whole-line comments, so a string, IRI or comment that contains it
    does not count; the tokenizer decides where rdflib cannot parse a query Oxigraph accepts."""
    plain = _unescape(text)
    code = _unescape("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))
    if "service" not in code.casefold():
        return False  # the ordinary case, without loading a parser (a line that opens with # is never code)
    try:
        from pyparsing import ParseResults
        from rdflib.plugins.sparql.parser import parseQuery
        from rdflib.plugins.sparql.parserutils import CompValue

        tree = parseQuery(text)
    except Exception:  # noqa: BLE001 - rdflib's parser raises several kinds of errors
        return _service_by_tokens(plain)

    def walk(node) -> bool:
        if isinstance(node, CompValue):
            return node.name == "ServiceGraphPattern" or any(walk(v) for v in node.values())
        if isinstance(node, (list, tuple, ParseResults)):
            return any(walk(v) for v in node)
        return False

    return walk(tree)


def declared_prefixes(text: str) -> dict[str, str]:
    """The PREFIX declarations of a query (for readable Turtle output)."""
    found, prefixes = tokens(text), {}
    for i, (kind, value, _) in enumerate(found[:-2]):
        if kind == "word" and value.upper() == "PREFIX" and found[i + 1][0] == "pname" and found[i + 2][0] == "iri":
            prefixes[found[i + 1][1].rstrip(":")] = found[i + 2][1][1:-1]
    return prefixes


def check_read_only(query: Query, allow_service: bool = False) -> str | None:
    """Refuse SPARQL UPDATE, and SERVICE unless allowed; the query form (SELECT, ASK, ...) if known."""
    form = query_form(query.text)
    if form in UPDATE_KEYWORDS:
        raise InputError(str(query.path), f"wakg query is read-only: SPARQL UPDATE is not run ({form} ...)")
    if not allow_service and uses_service(query.text):
        raise InputError(str(query.path), "SERVICE (federated query) reaches the network; "
                         "pass --allow-service to allow it")
    return form if form in QUERY_FORMS else None


# --- parameters -------------------------------------------------------------------------------------------

def _graph():
    """The reference graph (loaded once per process; `build` uses the same one)."""
    from ..kg.reference import reference_graph

    return reference_graph()


def _key(text: str) -> str:
    return re.sub(r"[\s_\-:.]", "", text).casefold()


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    from ..kg.namespaces import WAKG

    return frozenset(str(code) for code in _graph().objects(None, WAKG.isoAlpha2))


@lru_cache(maxsize=1)
def _groups() -> dict[str, str]:
    """key -> notation of the EAR Country Groups ('e1' -> 'E:1')."""
    from rdflib.namespace import RDF, SKOS

    from ..kg.namespaces import WAKG

    kg = _graph()
    return {_key(str(n)): str(n) for g in kg.subjects(RDF.type, WAKG.CountryGroup) for n in kg.objects(g, SKOS.notation)}


@lru_cache(maxsize=1)
def _end_user_classes() -> dict[str, str]:
    """key (of the local name and of the label) -> local name of wakg:EndUser and its subclasses."""
    from rdflib.namespace import RDFS

    from ..kg.namespaces import WAKG

    kg, found = _graph(), {}
    for cls in kg.transitive_subjects(RDFS.subClassOf, WAKG.EndUser):
        if str(cls).startswith(str(WAKG)):
            local = str(cls)[len(str(WAKG)):]
            found[_key(local)] = local
            for label in kg.objects(cls, RDFS.label):
                found.setdefault(_key(str(label)), local)
    return found


@lru_cache(maxsize=1)
def _wassenaar_entries() -> dict[str, str]:
    from rdflib.namespace import RDF, SKOS

    from ..kg.namespaces import WAKG

    kg = _graph()
    return {_key(str(n)): str(n) for e in kg.subjects(RDF.type, WAKG.WassenaarControlEntry)
            for n in kg.objects(e, SKOS.notation)}


def _treatment(code: str, day: dt.date) -> tuple[str, str] | None:
    """(treated-as code, notice) when the EAR treats destination `code` as another on `day` (HK as CN from
    2020-12-23): read from the wakg:DestinationTreatment facts of the graph."""
    from rdflib import URIRef
    from rdflib.namespace import RDF, SKOS

    from ..kg import temporal
    from ..kg.namespaces import WAKG

    kg = _graph()
    for fact in temporal.facts_on(kg, WAKG.DestinationTreatment, day):
        if temporal.code(kg.value(fact.node, WAKG.treatedDestination)) != code:
            continue
        target = temporal.code(kg.value(fact.node, WAKG.treatedAs))
        rank = {WAKG.PrimarySource: 0, WAKG.OfficialDataMirror: 1, WAKG.SecondarySource: 2}
        sources = sorted(fact.sources, key=lambda s: (min((rank.get(t, 3) for t in kg.objects(URIRef(s), RDF.type)),
                                                          default=3), s))
        names = [str(kg.value(URIRef(s), SKOS.notation) or s) for s in sources]
        since = fact.valid_from.isoformat()
        until = f" through {fact.valid_through.isoformat()}" if fact.valid_through else ""
        notice = (f"{code} is treated as {target} under the EAR from {since}{until} "
                  f"(source {', '.join(names) or str(fact.node)}): the query is run for {target}")
        return target, notice
    return None


def _unknown(kind: str, raw: str, accepted: list[str]) -> str:
    close = difflib.get_close_matches(raw.strip(), accepted, n=3, cutoff=0.6) or \
        difflib.get_close_matches(raw.strip().upper(), [a.upper() for a in accepted], n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(close)}? " if close else ""
    return f"unknown {kind} '{raw}'; {hint}the graph has: {', '.join(accepted)}"


def _country(raw: str, day: dt.date, notices: list[str] | None) -> str:
    from ..decide.vocabulary import vocabulary

    code = vocabulary().destination(raw) if raw.strip() else None
    if code is not None and "-" in code:
        raise ValueError(f"'{raw}' is a region ({code}), not a country: give the ISO 3166-1 code or English name "
                         "of a country")
    if code is None or code not in _countries():
        import pycountry

        names = [c.name for c in pycountry.countries]
        close = difflib.get_close_matches(raw.strip(), names, n=3, cutoff=0.7)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        raise ValueError(f"unknown country '{raw}'; {hint}give an ISO 3166-1 alpha-2 or alpha-3 code or an English "
                         "name, any case (e.g. CY, CYP, Cyprus)")
    treated = _treatment(code, day)
    if treated is not None:
        code, notice = treated
        if notices is not None:
            notices.append(notice)
    return code


def _group(raw: str) -> str:
    groups = _groups()
    key = _key(raw)
    for prefix in ("countrygroup", "group"):
        if key.startswith(prefix) and key[len(prefix):] in groups:
            key = key[len(prefix):]
    if key not in groups:
        raise ValueError(_unknown("Country Group", raw, sorted(groups.values())))
    return groups[key]


def _eccn(raw: str) -> str:
    from ..decide.vocabulary import vocabulary

    found = vocabulary().eccn(raw)
    if found is None:
        found = vocabulary().eccn(re.sub(r"\s+", "", raw))
    if found is None:
        raise ValueError(_unknown("ECCN", raw, sorted(vocabulary().eccns.values())))
    return found


def _end_user_class(raw: str) -> str:
    classes = _end_user_classes()
    text = raw.strip()
    for prefix in ("wakg:", str(PREFIXES["wakg"])):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if _key(text) not in classes:
        raise ValueError(_unknown("end-user class", raw, sorted(set(classes.values()))))
    return classes[_key(text)]


def _wassenaar_entry(raw: str) -> str:
    entries = _wassenaar_entries()
    if _key(raw) not in entries:
        raise ValueError(_unknown("Wassenaar entry", raw, sorted(set(entries.values()))))
    return entries[_key(raw)]


DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
INTEGER = re.compile(r"[+-]?\d+")
DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _plain(param: Param, raw: str):
    text = raw.strip()
    if param.type == "date":
        try:
            if not DATE.fullmatch(text):
                raise ValueError
            return ox.Literal(dt.date.fromisoformat(text).isoformat(), datatype=ox.NamedNode(XSD + "date"))
        except ValueError:
            raise ValueError(f"'{raw}' is not a date (YYYY-MM-DD, or 'as-of' for the --as-of date)") from None
    if param.type == "integer":
        if not INTEGER.fullmatch(text):
            raise ValueError(f"'{raw}' is not an integer")
        return ox.Literal(str(int(text)), datatype=ox.NamedNode(XSD + "integer"))
    if param.type == "decimal":
        try:
            if not DECIMAL.fullmatch(text):
                raise InvalidOperation
            return ox.Literal(str(Decimal(text)), datatype=ox.NamedNode(XSD + "decimal"))
        except InvalidOperation:
            raise ValueError(f"'{raw}' is not a decimal number (e.g. 0.9)") from None
    if param.type == "iri":
        prefix, colon, local = text.partition(":")
        if colon and prefix in PREFIXES and not local.startswith("//"):
            text = str(PREFIXES[prefix]) + local
        elif not (colon and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*", prefix)
                  and (local.startswith("//") or prefix.lower() in ("urn", "mailto", "tag", "did"))):
            raise ValueError(f"'{raw}' is not an absolute IRI (http://..., urn:...) or a prefixed name with a "
                             f"known prefix ({', '.join(f'{p}:' for p in PREFIXES)})")
        try:
            return ox.NamedNode(text)
        except ValueError as exc:
            raise ValueError(f"'{raw}' is not a valid IRI ({exc})") from None
    return ox.Literal(raw)


def _term(param: Param, raw: str, day: dt.date, notices: list[str] | None):
    if param.type in ("string", "date", "integer", "decimal", "iri"):
        return _plain(param, raw)
    if param.type == "country":
        return ox.Literal(_country(raw, day, notices))
    if param.type == "country_group":
        return ox.Literal(_group(raw))
    if param.type == "eccn":
        return ox.Literal(_eccn(raw))
    if param.type == "end_user_class":
        return ox.Literal(_end_user_class(raw))
    return ox.Literal(_wassenaar_entry(raw))


def bindings(query: Query, given: dict[str, str], as_of: dt.date, notices: list[str] | None = None) -> dict:
    """The SPARQL terms of the parameters (given, else their defaults), checked and normalised.

    A country the EAR treats as another on the query's date (its `as_of` parameter if it has one, else
    `as_of`) is replaced by that one, and a line saying so is added to `notices`."""
    declared = {p.name for p in query.params}
    unknown = set(given) - declared
    if unknown:
        raise InputError("--param", f"unknown parameter(s) {', '.join(sorted(unknown))} for query {query.name}; "
                         f"it takes: {', '.join(p.name + ' (' + p.type + ')' for p in query.params) or 'none'}")
    raws = {}
    for param in query.params:
        raw = given.get(param.name, param.default)
        if param.type == "date" and raw is not None and raw.strip() == "as-of":
            raw = as_of.isoformat()
        if raw is None and param.type == "date":
            raw = as_of.isoformat()
        if raw is None:
            raise InputError("--param", f"a value is required (--param {param.name}=VALUE)", None, param.name)
        raws[param.name] = raw
    values, day = {}, as_of
    for param in sorted(query.params, key=lambda p: p.type != "date"):  # dates first: they set the day
        try:
            term = _term(param, raws[param.name], day, notices)
        except ValueError as exc:
            raise InputError("--param", str(exc), None, param.name) from None
        if param.type == "date" and param.name == "as_of":
            day = dt.date.fromisoformat(term.value)
        values[param.name] = term
    return {ox.Variable("_" + p.name): values[p.name] for p in query.params}


# --- preparing and running ---------------------------------------------------------------------------------

@dataclass
class Prepared:
    """A query ready to run: its text with the parameters bound, and where the binding was inserted."""

    query: Query
    text: str
    form: str | None = None
    notices: list[str] = field(default_factory=list)
    inserted_at: tuple[tuple[int, int, int], ...] = ()  # line, column (1-based), length of each VALUES block

    def syntax_error(self, exc: SyntaxError) -> InputError:
        """The parser's message, with the line and column in the query file."""
        message = exc.msg if getattr(exc, "msg", None) else str(exc)
        found = re.match(r"error at (\d+):(\d+):\s*(.*)", message, re.DOTALL)
        if not found:
            return InputError(str(self.query.path), f"SPARQL syntax error: {message}")
        line, column, detail = int(found.group(1)), int(found.group(2)), _tidy(found.group(3))
        for at_line, at_column, length in reversed(self.inserted_at):
            if line == at_line and column > at_column:
                column = max(at_column, column - length)
        lines = self.query.text.splitlines() or [""]
        if line > len(lines) or (line == len(lines) and column > len(lines[-1])):
            # Oxigraph points at the end of the text when no alternative matched: rdflib's parser, which
            # stops at the first token it cannot read, usually says where the mistake is
            near = _first_bad_token(self.query.text)
            if near is not None:
                line, column, token = near
                return InputError(str(self.query.path), f"SPARQL syntax error at column {column}, at {token}", line)
            return InputError(str(self.query.path), f"SPARQL syntax error at the end of the query: {detail}")
        return InputError(str(self.query.path), f"SPARQL syntax error at column {column}: {detail}", line)


def _first_bad_token(text: str) -> tuple[int, int, str] | None:
    """(line, column, token) where rdflib's SPARQL parser stops reading `text`, unless that is its end."""
    try:
        from rdflib.plugins.sparql.parser import parseQuery

        parseQuery(text)
    except Exception as exc:  # noqa: BLE001 - pyparsing's ParseException, and others
        found = re.search(r"found (.+?)\s+\(at char (\d+)\)", str(exc))
        if found and getattr(exc, "lineno", None) and found.group(1) != "end of text" \
                and text[int(found.group(2)):].strip():
            return int(exc.lineno), int(exc.col), found.group(1)
    return None


def _tidy(detail: str, limit: int = 200) -> str:
    """The parser's 'expected one of ...' without its character classes, on one line and not too long."""
    text = re.sub(r",?\s*\[[^\]]*\]", "", detail)
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit].rsplit(",", 1)[0] + ", ..."


def _where_brace(text: str) -> int | None:
    """Offset just after the '{' that opens the query's WHERE clause (the keyword is optional for SELECT,
    ASK and DESCRIBE: the first group then)."""
    found = tokens(text)
    for i, (kind, value, start) in enumerate(found[:-1]):
        if kind == "word" and value.upper() == "WHERE" and found[i + 1][1] == "{":
            return found[i + 1][2] + 1
    form = query_form(text)
    if form in ("SELECT", "ASK", "DESCRIBE"):
        for kind, value, start in found:
            if value == "{":
                return start + 1
    return None


def with_values(text: str, values: dict) -> str:
    """Bind parameters with VALUES blocks: one at the start of the outer WHERE group, and one at the start of
    every inner group that uses a parameter.

    The terms are written in N-Triples syntax by Oxigraph, so a value can never change the query's
    structure. (Oxigraph's own substitution only accepts projected variables.) The inner blocks change no
    answer (a one-row VALUES joined again inside is the same binding) but let Oxigraph use the value
    inside UNION branches and OPTIONAL groups, which it evaluates before the outer join: license-destinations
    went from 140 to 15 ms. Line numbers of the query are kept, so syntax errors point at the line in the file.
    """
    return _inject(text, values)[0]


#: The token before a '{' that opens a group graph pattern (not a VALUES data block, a BIND or a triple).
#: EXISTS groups are left out: they see the outer row's bindings already, and a VALUES there is re-joined
#: for every row (participants-without-implementation-record took twice as long).
_GROUP_OPENERS = {"{", "}", ".", "UNION", "OPTIONAL", "MINUS", "WHERE"}


def _group_starts(text: str, start: int, names: list[str]) -> list[tuple[int, list[str]]]:
    """(offset after '{', parameters it uses) of the groups inside the WHERE clause that use a parameter,
    leaving out sub-SELECT groups (a VALUES cannot precede SELECT)."""
    found = tokens(text)
    wanted = {name.lower() for name in names}
    opened: list[tuple[int, int]] = []  # (token index, offset after '{')
    starts = []
    for i, (kind, value, offset) in enumerate(found):
        if offset < start:
            continue
        if value == "{":
            before = found[i - 1]
            opener = before[1].upper() if before[0] == "word" else before[1]
            after = found[i + 1][1].upper() if i + 1 < len(found) else ""
            opened.append((i, offset + 1) if opener in _GROUP_OPENERS and after != "SELECT" else (i, -1))
        elif value == "}" and opened:
            index, at = opened.pop()
            used = {v[1][1:].lower() for v in found[index:i] if v[0] == "var"} & wanted
            if at >= 0 and used:
                starts.append((at, [n for n in names if n.lower() in used]))
    return sorted(starts)


def _inject(text: str, values: dict) -> tuple[str, tuple[tuple[int, int, int], ...]]:
    if not values:
        return text, ()
    at = _where_brace(text)
    if at is None:
        raise InputError("query", "a parameterised query needs a WHERE { ... } clause")
    names = {str(v)[1:]: v for v in values}
    places = {at: list(names)}
    places.update((offset, used) for offset, used in _group_starts(text, at, list(names)) if offset != at)
    pieces, inserted, last = [], [], 0
    for offset in sorted(places):
        chosen = [names[n] for n in places[offset]]
        block = f" VALUES ({' '.join(str(v) for v in chosen)}) {{ ({' '.join(str(values[v]) for v in chosen)}) }} "
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        inserted.append((line, column, len(block)))
        pieces += [text[last:offset], block]
        last = offset
    pieces.append(text[last:])
    return "".join(pieces), tuple(inserted)


def prepare(query: Query, given: dict[str, str], as_of: dt.date, allow_service: bool = False) -> Prepared:
    """Check a query (read-only, no SERVICE unless allowed) and bind its parameters."""
    form = check_read_only(query, allow_service)
    notices: list[str] = []
    text, inserted = _inject(query.text, bindings(query, given, as_of, notices))
    return Prepared(query, text, form, notices, inserted)


def execute(query: Query, store: ox.Store, given: dict[str, str], as_of: dt.date):
    """Run a query in this process (no time limit); a syntax error is reported with its line and column."""
    prepared = prepare(query, given, as_of)
    try:
        return store.query(prepared.text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        raise prepared.syntax_error(exc) from None


def render(results, fmt: str = "table", rdf_format: str = "turtle", prefixes: dict[str, str] | None = None) -> bytes:
    """SELECT / ASK results as a table or in a SPARQL results format; CONSTRUCT / DESCRIBE results as RDF."""
    if isinstance(results, ox.QueryBoolean):
        if fmt == "table":
            return f"{str(bool(results)).lower()}\n".encode()
        data = results.serialize(format=RESULT_FORMATS[fmt])
        return data if fmt == "json" or data.endswith(b"\n") else data + b"\n"
    if isinstance(results, ox.QuerySolutions):
        if fmt == "table":
            return table(*rows(results)).encode()
        return results.serialize(format=RESULT_FORMATS[fmt])
    rdf = RDF_FORMATS[rdf_format]
    if rdf_format in ("turtle", "trig"):
        triples = list(results)
        used = _used_prefixes(triples, {**{p: str(ns) for p, ns in PREFIXES.items()}, **(prefixes or {})})
        items = triples if rdf_format == "turtle" else [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
        return ox.serialize(items, format=rdf, prefixes=used)
    return results.serialize(format=rdf)


def _used_prefixes(triples: list, prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes (the query's own, then the project's) whose namespace an IRI of the triples is in."""
    iris = set()
    for triple in triples:
        for term in (triple.subject, triple.predicate, triple.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    namespaces = {iri[:max(iri.rfind("#"), iri.rfind("/")) + 1] for iri in iris}
    return {p: ns for p, ns in prefixes.items() if ns in namespaces}


def serialize(results, fmt: str) -> bytes:
    """SELECT / ASK results in a SPARQL results format (json, csv, tsv); CONSTRUCT / DESCRIBE as Turtle."""
    return render(results, fmt)


def evaluate(prepared: Prepared, store: ox.Store, fmt: str = "table", rdf_format: str = "turtle",
             timeout: float | None = DEFAULT_TIMEOUT) -> bytes:
    """Run a prepared query and render its results, in a child process killed after `timeout` seconds
    (None or 0: no limit, in this process). The child is a fork of this one: it shares the loaded store
    without copying it, and costs a few milliseconds. Ctrl-C kills it too."""
    prefixes = declared_prefixes(prepared.query.text)

    def work() -> bytes:
        return render(store.query(prepared.text, use_default_graph_as_union=True), fmt, rdf_format, prefixes)

    if timeout and not hasattr(os, "fork"):
        print("wakg: note: --timeout is not enforced on this platform (no fork)", file=sys.stderr)
    if not timeout or not hasattr(os, "fork"):
        try:
            return work()
        except SyntaxError as exc:
            raise prepared.syntax_error(exc) from None
    status, payload = _in_child(work, timeout)
    if status == b"R":
        return payload
    if status == b"S":
        raise prepared.syntax_error(SyntaxError(payload.decode("utf-8", "replace")))
    if status == b"T":
        raise InputError("--timeout", f"the query ran longer than {timeout:g} s and was stopped (raise --timeout, "
                         "or 0 for no limit)")
    raise InputError(str(prepared.query.path), f"the query failed: {payload.decode('utf-8', 'replace')}")


def _in_child(work, timeout: float) -> tuple[bytes, bytes]:
    """(status, payload) of work() run in a forked child: R result, S syntax error, E other error,
    T stopped at the deadline."""
    read_end, write_end = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            os.close(read_end)
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it at once
            _die_with(parent)
            gc.disable()  # a collection would touch (and so copy) every page of the parent's heap
            try:
                payload = b"R" + work()
            except SyntaxError as exc:
                payload = b"S" + (exc.msg if getattr(exc, "msg", None) else str(exc)).encode()
            except BaseException as exc:  # noqa: BLE001 - reported by the parent
                payload = b"E" + f"{type(exc).__name__}: {exc}".encode()
            with os.fdopen(write_end, "wb") as out:
                out.write(payload)
        finally:
            os._exit(0)
    os.close(write_end)
    chunks, done = [], False
    deadline = time.monotonic() + timeout
    poller = select.poll()
    poller.register(read_end, select.POLLIN | select.POLLHUP | select.POLLERR)
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return b"T", b""
            if poller.poll(max(1, int(remaining * 1000 + 0.5))):
                chunk = os.read(read_end, 1 << 20)
                if not chunk:
                    done = True
                    break
                chunks.append(chunk)
    finally:
        if not done:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, status = os.waitpid(pid, 0)
        os.close(read_end)
    data = b"".join(chunks)
    if not data:
        how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit status {os.WEXITSTATUS(status)}"
        return b"E", f"the query process ended without a result ({how})".encode()
    return data[:1], data[1:]


def _die_with(parent: int) -> None:
    """In the child: be killed when the parent dies, however it dies (Linux), so that no query is left
    running after wakg is gone."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(0)


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
