"""Law beside rule beside test: for every paragraph of 15 CFR 740.22 and of the overlays (parts 744 and 746)
the trace table gives the paragraph's text as the graph holds it, the rules of shapes/license-rules.ttl that
implement it and the scenarios of tests/scenarios/ that pin it. Everything is read from the graph, the rules
file and the scenario files; `problems()` lists the gaps a test fails on.

A rule implements a paragraph when
  * its dcterms:source is the paragraph, or
  * its CONSTRUCT template writes `wakg:provision law:<paragraph>`, or
  * (rules with a dcterms:source only) its template writes `wakg:provision ?v` and its WHERE binds ?v from the
    graph through `?x wakg:<property> ?v` (every object of that property in the graph counts: the part 746
    measures name their paragraphs with wakg:underProvision, wakg:exceptionsProvision and
    wakg:exclusionProvision) or with `BIND (... law:<paragraph> ... AS ?v)`.
Rules without a dcterms:source (verdicts, deciding provisions, readings) only report what other rules found.

A scenario pins a paragraph when its `provision` or one of its expected `deciding_provisions` is the
paragraph's citation.

Every paragraph node in the graph whose citation is of 740.22 or of parts 744/746 is exactly one of
  * modelled: at least one rule and one scenario;
  * not modelled: listed in NOT_MODELLED with the reason (no rule may implement it);
  * context: a definition listed in CONTEXT that rules apply only in context findings (never deciding a
    verdict, so never a deciding provision); it needs a rule;
  * grouping: a section listed in GROUPING that only groups its paragraphs (it must have some in the graph).
NOT_MODELLED may also name paragraphs the graph does not hold: they appear in the table with their reason.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

import yaml
from rdflib import RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

WAKG = Namespace("https://w3id.org/wassenaar-kg/ontology#")
LAW = Namespace("https://w3id.org/wassenaar-kg/id/law/")
WKR = Namespace("https://w3id.org/wassenaar-kg/shapes/license-rules#")
SH = Namespace("http://www.w3.org/ns/shacl#")

IN_SCOPE = re.compile(r"^15 CFR (?:740\.22|(?:part )?74[46])\b")

# Paragraphs of 740.22 and of the overlays that exist in the law but that the model does not decide
# (shapes/README.md, "Not modelled"): citation -> reason.
NOT_MODELLED: dict[str, str] = {
    "15 CFR 740.22(b)(2)": "Definition of digital artifacts: the model takes `digital_artifacts` as a yes/no input "
                           "and only the (c)(1)(ii)(A) carve-outs test it; no rule decides or cites the definition.",
    "15 CFR 746.6(a)(5)": "Deployments for the Government of Ukraine: no input of the model (end user types, "
                          "end uses) reaches it.",
    "15 CFR 746.8(a)(1), Note 1": "Context only: quoted in the explanation of a deemed export or reexport to "
                                  "Russia or Belarus that (a)(1) leaves to the ordinary CCL analysis; it decides "
                                  "nothing the model does not already decide through (a)(1) itself.",
    "15 CFR 746.8(a)(2)": "HTS-listed EAR99 items: the model does not classify EAR99 items by HTS code.",
    "15 CFR 746.8(a)(3)": "Foreign direct product rules for Russia and Belarus: the model has no foreign-produced "
                          "items.",
}

# Definitions the rules apply and cite only in context findings (wakg:ContextFact), which never decide a verdict
# and so are never a scenario's deciding provision: they need a rule, and are exercised through the paragraphs named.
CONTEXT: dict[str, str] = {
    "15 CFR 740.22(b)": "Definition of government end user (interim and final text), applied by the end-user "
                        "classification; exercised through the scenarios of 740.22(c)(1)(ii) and its carve-outs.",
    "15 CFR 740.22(b)(3)": "Definition of favorable treatment cybersecurity end user, applied by the end-user "
                           "classification; exercised through the scenarios of 740.22(c)(1)(iii)(A).",
}

# Sections that only group their paragraphs: modelled through them (each paragraph has its own row).
GROUPING: dict[str, str] = {
    "15 CFR 746.2": "Cuba: modelled through 746.2(a)(1) and (a)(1)(vii).",
    "15 CFR 746.4": "North Korea: modelled through 746.4(b) and (c)(2).",
    "15 CFR 746.6": "Crimea and the covered regions of Ukraine: modelled through 746.6(a)(1), (a)(2), (a)(3) "
                    "and (c), the exceptions paragraph only as a whole (GOV open, ACE not listed; TMP, TSU, BAG, AVS, "
                    "GFT not modelled); rule RegionOfCountry names the section for the region-to-country step.",
    "15 CFR 746.7": "Iran: modelled through 746.7(a)(1) and (c).",
    "15 CFR 746.8": "Russia and Belarus: modelled through 746.8(a)(1) and (c), the exceptions paragraph only as a "
                    "whole (GOV open, ACE not listed; TMP, TSU, BAG, AVS, ENC, CCD not modelled).",
    "15 CFR 746.9": "Syria: modelled through 746.9(a), (b)(2) and (b)(4).",
}

STATUS_LABELS = {WAKG.Paraphrase: "paraphrase", WAKG.SecondarySummary: "secondary summary", WAKG.Verbatim: "verbatim"}


@dataclass(frozen=True)
class TraceRow:
    citation: str
    url: str
    text: str
    text_status: str
    modelled: bool
    reason: str
    rules: tuple[str, ...]
    scenarios: tuple[str, ...]
    status: str = "modelled"  # modelled | not modelled | context | grouping
    in_graph: bool = True


@dataclass(frozen=True)
class Scenario:
    file: str  # stem of the YAML file
    id: str
    name: str
    provision: str
    rule: str | None
    deciding_provisions: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.file}:{self.id}"

    @property
    def pins(self) -> set[str]:
        return {self.provision, *self.deciding_provisions}


# ------------------------------------------------------------------------------------------------ inputs

def default_scenarios_dir() -> Path | None:
    from ..kg.files import checkout_root

    root = checkout_root()
    directory = root / "tests" / "scenarios" if root is not None else None
    return directory if directory is not None and directory.is_dir() else None


def load_scenarios(directory: Path | None = None) -> list[Scenario]:
    directory = directory or default_scenarios_dir()
    if directory is None:
        return []
    scenarios = []
    for path in sorted(Path(directory).glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            expected = case.get("expected") or {}
            scenarios.append(Scenario(
                file=path.stem, id=str(case["input"]["id"]), name=str(case.get("name", "")),
                provision=str(case.get("provision", "")), rule=case.get("rule"),
                deciding_provisions=tuple(expected.get("deciding_provisions") or ()),
            ))
    return scenarios


def load_rules(path: Path | None = None) -> Graph:
    from ..kg.files import shapes_dir

    return Graph().parse(path or shapes_dir() / "license-rules.ttl", format="turtle")


def _local(iri: URIRef) -> str:
    text = str(iri)
    return text.split("#", 1)[1] if "#" in text else text.rsplit("/", 1)[-1]


def _split_construct(query: str) -> tuple[str, str]:
    """The CONSTRUCT template and the WHERE part of a rule's query."""
    match = re.search(r"CONSTRUCT\s*\{", query)
    if not match:
        return "", query
    depth, start = 1, match.end()
    for i in range(start, len(query)):
        depth += {"{": 1, "}": -1}.get(query[i], 0)
        if depth == 0:
            return query[start:i], query[i + 1:]
    return query[start:], ""


def _required_triples(node) -> list:
    """Triple patterns a solution must match: the query's BGPs outside OPTIONAL branches and FILTER expressions."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name == "BGP":
            return list(node.triples)
        if node.name == "LeftJoin":
            return _required_triples(node.p1)
        return [t for key, value in node.items() if key not in ("expr", "template") for t in _required_triples(value)]
    if isinstance(node, (list, tuple)):
        return [t for value in node for t in _required_triples(value)]
    return []


def _findings(template: str) -> list[tuple[str | None, list[str], list[str]]]:
    """(effect, law: names, variables) of each `wakg:provision` statement block of a CONSTRUCT template."""
    blocks = []
    for block in re.split(r"\.\s*\n", template):
        laws = re.findall(r"wakg:provision\s+law:([A-Za-z0-9.-]*[A-Za-z0-9])", block)
        variables = re.findall(r"wakg:provision\s+\?(\w+)", block)
        if laws or variables:
            effect = re.search(r"wakg:effect\s+wakg:(\w+)", block)
            blocks.append((effect.group(1) if effect else None, laws, variables))
    return blocks


def _variable_provisions(query: str, var: str, kg: Graph, namespaces: dict) -> set[URIRef]:
    """The graph's provisions a WHERE clause can bind to ?var: through the required triple patterns of the
    variable's subject (`?m wakg:itemScope ?s ; wakg:underProvision ?p` -> objects of underProvision of nodes that
    have an itemScope), or through a BIND over law: IRIs."""
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.term import Variable

    found: set[URIRef] = set()
    _, where = _split_construct(query)
    for expression in re.findall(r"BIND\s*\((.*?)\s+AS\s+\?%s\s*\)" % var, where, re.S):
        found.update(LAW[name] for name in re.findall(r"law:([A-Za-z0-9.-]*[A-Za-z0-9])", expression))
    try:
        triples = _required_triples(prepareQuery(query, initNs=namespaces).algebra)
    except Exception:  # a rule the SPARQL parser cannot read implements only what its text names
        return found
    target = Variable(var)
    for s, p, o in triples:
        if o != target or not isinstance(s, Variable) or s == Variable("this") or not isinstance(p, URIRef):
            continue
        patterns = [(a, b, c) for a, b, c in triples if a == s and isinstance(b, URIRef)]
        body = " . ".join(" ".join(term.n3() for term in pattern) for pattern in patterns)
        for (value,) in kg.query(f"SELECT DISTINCT {target.n3()} WHERE {{ {body} }}"):
            if isinstance(value, URIRef) and (value, RDF.type, WAKG.LegalProvision) in kg:
                found.add(value)
    return found


def rule_provisions(rules: Graph, kg: Graph, effects: dict | None = None) -> dict[str, set[URIRef]]:
    """Rule local name -> the provisions (law: IRIs) it implements (see the module docstring). If `effects` is
    a dict, it is filled with (rule, provision) -> the wakg:effect names of the findings citing it."""
    namespaces = {prefix: str(ns) for prefix, ns in rules.namespaces()}
    namespaces.update({"wakg": str(WAKG), "law": str(LAW), "wkr": str(WKR), "skos": str(SKOS), "rdfs": str(RDFS)})
    for declaration in rules.objects(None, SH.declare):
        prefix, namespace = rules.value(declaration, SH.prefix), rules.value(declaration, SH.namespace)
        if prefix is not None and namespace is not None:
            namespaces[str(prefix)] = str(namespace)
    result: dict[str, set[URIRef]] = {}
    for rule in sorted(set(rules.subjects(RDF.type, SH.SPARQLRule))):
        name = _local(rule)
        provisions: set[URIRef] = set()
        sources = [s for s in rules.objects(rule, DCTERMS.source) if isinstance(s, URIRef)]
        provisions.update(sources)
        query = str(rules.value(rule, SH.construct) or "")
        template, _ = _split_construct(query)
        for effect, laws, variables in _findings(template):
            cited = {LAW[law] for law in laws}
            if sources:
                for var in variables:
                    cited |= _variable_provisions(query, var, kg, namespaces)
            provisions |= cited
            if effects is not None:
                for provision in cited:
                    effects.setdefault((name, provision), set()).add(effect)
        result[name] = provisions
    return result


# ------------------------------------------------------------------------------------------------ text

def _date(value) -> str:
    return str(value) if value is not None else ""


def _provision_text(kg: Graph, node: URIRef) -> tuple[str, str]:
    """(text, status) of a provision: its dated texts, else its own definition, else its label."""
    texts = sorted(kg.subjects(WAKG.textOf, node), key=lambda t: (_date(kg.value(t, WAKG.validFrom)), str(t)))
    if texts:
        parts, statuses = [], []
        for t in texts:
            status = STATUS_LABELS.get(kg.value(t, WAKG.textStatus), "status not recorded")
            statuses.append(status)
            span = f"{_date(kg.value(t, WAKG.validFrom)) or '?'} to {_date(kg.value(t, WAKG.validThrough)) or 'today'}"
            confidence = kg.value(t, WAKG.confidence)
            meta = f"{status}, {span}" + (f", confidence {confidence}" if confidence is not None else "")
            parts.append(f"[{meta}] {kg.value(t, WAKG.sourceText)}")
        return " ".join(parts), " / ".join(dict.fromkeys(statuses))
    definition = kg.value(node, SKOS.definition)
    if definition is not None:
        status = STATUS_LABELS.get(kg.value(node, WAKG.textStatus), "description (status not recorded)")
        return str(definition), status
    label = kg.value(node, RDFS.label)
    parent = kg.value(node, WAKG.partOfProvision)
    if parent is not None and any(kg.subjects(WAKG.textOf, parent)):
        return (f"{label or ''} (its text is part of the text of {kg.value(parent, WAKG.citation)})".strip(),
                "label; text in the enclosing paragraph")
    return (str(label) if label is not None else ""), "label only"


# ------------------------------------------------------------------------------------------------ table

_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50}


def _roman(token: str) -> int | None:
    if not token or any(c not in _ROMAN for c in token):
        return None
    total = 0
    for a, b in zip(token, token[1:] + " "):
        value = _ROMAN[a]
        total += -value if b in _ROMAN and _ROMAN[b] > value else value
    return total


def citation_key(citation: str) -> tuple:
    """Natural order of citations: 740.22(b) < (b)(1) < (c)(1)(ii) < (c)(1)(iii) < (c)(1)(ix)."""
    head, _, rest = citation.partition("(")
    numbers = tuple(int(n) for n in re.findall(r"\d+", head))
    tokens = []
    for depth, token in enumerate(re.findall(r"\(([^)]*)\)", "(" + rest if rest else "")):
        if token.isdigit():
            tokens.append((0, int(token), ""))
        elif depth == 2 and _roman(token) is not None:
            tokens.append((1, _roman(token), ""))
        else:
            tokens.append((2, 0, token))
    suffix = rest.rsplit(")", 1)[-1] if rest else ""
    return ("part" in head, numbers, tuple(tokens), suffix)


def section_of(citation: str) -> str:
    match = re.match(r"^(15 CFR (?:part )?\d+(?:\.\d+)?)", citation)
    return match.group(1) if match else citation


def trace_rows(kg: Graph | None = None, rules: Graph | None = None,
               scenarios: Iterable[Scenario] | None = None) -> list[TraceRow]:
    """The trace table, one row per paragraph of 740.22 and of the overlays (and per NOT_MODELLED entry)."""
    if kg is None:
        from ..kg.reference import reference_graph

        kg = reference_graph()
    rules = rules if rules is not None else load_rules()
    scenarios = list(scenarios) if scenarios is not None else load_scenarios()

    implemented_by: dict[URIRef, set[str]] = {}
    for rule, provisions in rule_provisions(rules, kg).items():
        for provision in provisions:
            implemented_by.setdefault(provision, set()).add(rule)

    nodes: dict[str, URIRef] = {}
    for node in set(kg.subjects(RDF.type, WAKG.LegalProvision)):
        if (node, RDF.type, WAKG.RuleDocument) in kg or (node, RDF.type, WAKG.LegalInstrument) in kg:
            continue
        citation = kg.value(node, WAKG.citation)
        if citation is not None and IN_SCOPE.match(str(citation)):
            nodes[str(citation)] = node

    rows = []
    for citation in sorted(set(nodes) | set(NOT_MODELLED), key=citation_key):
        node = nodes.get(citation)
        pinned = tuple(sorted(s.key for s in scenarios if citation in s.pins))
        if node is None:
            section = next((n for c, n in nodes.items() if c == section_of(citation)), None)
            url = kg.value(section, WAKG.url) if section is not None else None
            rows.append(TraceRow(citation, str(url or ""), "", "not in the graph", False, NOT_MODELLED[citation],
                                 (), pinned, "not modelled", False))
            continue
        text, text_status = _provision_text(kg, node)
        implementing = tuple(sorted(implemented_by.get(node, ())))
        if citation in NOT_MODELLED:
            status, reason = "not modelled", NOT_MODELLED[citation]
        elif citation in CONTEXT and not pinned:
            status, reason = "context", CONTEXT[citation]
        elif citation in GROUPING and not (implementing and pinned):
            status, reason = "grouping", GROUPING[citation]
        else:
            status, reason = "modelled", ""
        rows.append(TraceRow(citation, str(kg.value(node, WAKG.url) or ""), text, text_status,
                             status == "modelled", reason, implementing, pinned, status, True))
    return rows


def problems(rows: list[TraceRow]) -> list[str]:
    """Gaps: a modelled paragraph without rule or scenario, a not-modelled one that a rule implements, a
    grouping section without paragraphs."""
    found = []
    citations = {r.citation for r in rows if r.in_graph}
    for row in rows:
        if row.status == "modelled":
            if not row.rules:
                found.append(f"{row.citation}: no rule implements it (add one, or list it in NOT_MODELLED)")
            if not row.scenarios:
                found.append(f"{row.citation}: no scenario pins it (add one to tests/scenarios/, or list it in NOT_MODELLED)")
        elif row.status == "not modelled" and row.rules:
            found.append(f"{row.citation}: listed as not modelled, but rule(s) {', '.join(row.rules)} implement it")
        elif row.status == "context" and not row.rules:
            found.append(f"{row.citation}: listed as a context definition, but no rule applies it")
        elif row.status == "grouping" and not any(c != row.citation and section_of(c) == row.citation
                                                  for c in citations):
            found.append(f"{row.citation}: listed as a grouping section, but the graph holds none of its paragraphs")
    return found


# ------------------------------------------------------------------------------------------------ scenarios

def citing_rules(kg: Graph | None = None, rules: Graph | None = None) -> dict[str, dict[str, set[str]]]:
    """Citation -> {rule local name -> effects of its findings} for every provision some rule's findings cite
    (`wakg:provision` in the CONSTRUCT template, resolved as in rule_provisions)."""
    if kg is None:
        from ..kg.reference import reference_graph

        kg = reference_graph()
    rules = rules if rules is not None else load_rules()
    effects: dict = {}
    rule_provisions(rules, kg, effects)
    result: dict[str, dict[str, set[str]]] = {}
    for (rule, provision), found in effects.items():
        citation = kg.value(provision, WAKG.citation)
        if citation is not None:
            result.setdefault(str(citation), {})[rule] = {e for e in found if e}
    return result


def rule_for(provision: str, citing: dict[str, dict[str, set[str]]], rules: Graph, kg: Graph) -> list[str]:
    """The rules whose findings cite `provision`; where several, those whose dcterms:source it is."""
    candidates = sorted(citing.get(provision, {}))
    if len(candidates) > 1:
        sourced = [name for name in candidates
                   if any(str(kg.value(s, WAKG.citation)) == provision for s in rules.objects(WKR[name], DCTERMS.source))]
        candidates = sourced or candidates
    return candidates


_PATH = re.compile(r"(?<![\w/.:-])((?:file|https?)://\S+|~?/[\w.-]+(?:/[\w.-]*)*|[A-Za-z]:\\\S+|(?:\.{1,2}/)*[\w.-]+(?:/[\w.-]+)+/?)")
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,5}$")


def external_references(text: str, repo_root: Path, base: Path | None = None) -> list[str]:
    """Paths and URLs in `text` that point outside the repository: absolute paths, URLs, and relative paths
    (with a file extension or starting at a top-level folder of the repository) that do not exist in it."""
    found = []
    top_level = {p.name for p in repo_root.iterdir() if p.is_dir() and not p.name.startswith(".")}
    for match in _PATH.finditer(text):
        token = match.group(1).rstrip(".,;:)")
        if re.match(r"^(?:file|https?)://|^~?/|^[A-Za-z]:\\", token):
            found.append(token)
            continue
        first = token.split("/", 1)[0]
        if not (_EXTENSION.search(token) or first in top_level or first in (".", "..")):
            continue  # "D:1/D:5", "NS2/AT1", "group/chart": not paths
        candidates = [repo_root / token] + ([base / token] if base is not None else [])
        if not any(c.resolve().is_relative_to(repo_root.resolve()) and c.exists() for c in candidates):
            found.append(token)
    return found


# ------------------------------------------------------------------------------------------------ output

def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def render_markdown(rows: list[TraceRow]) -> str:
    out = [
        "# Trace: law beside rule beside test",
        "",
        "Generated from the knowledge graph (`ontology/`), the rules (`shapes/license-rules.ttl`) and the scenarios",
        "(`tests/scenarios/`) by `wakg trace -o docs/trace.md`; do not edit by hand (`tests/test_trace.py` fails",
        "when this file is out of date). One row per paragraph of 15 CFR 740.22 and of the overlays (parts 744 and",
        "746). The text is the graph's: each dated version with its status (verbatim, paraphrase, or secondary",
        "summary: known only from law-firm or press summaries) and confidence; a project description whose status",
        "the graph does not record is marked as such. Status: *modelled* (at least one rule and one scenario),",
        "*not modelled* (with the reason; no rule implements it), *context* (a definition the rules apply in",
        "context findings only, exercised through the paragraphs named) or *grouping* (a section modelled through",
        "its paragraphs). Rules are local names in `shapes/license-rules.ttl`; scenarios are `file:id` in",
        "`tests/scenarios/`.",
        "",
    ]
    sections: dict[str, list[TraceRow]] = {}
    for row in rows:
        sections.setdefault(section_of(row.citation), []).append(row)
    for section in sorted(sections, key=citation_key):
        out += [f"## {section}", "", "| Paragraph | Text | Status | Rules | Scenarios |", "|---|---|---|---|---|"]
        for row in sections[section]:
            paragraph = f"[{row.citation}]({row.url})" if row.url else row.citation
            text = f"*{row.text_status}*: {row.text}" if row.text else f"*{row.text_status}*"
            status = row.status + (f": {row.reason}" if row.reason else "")
            rules = "<br>".join(f"`{r}`" for r in row.rules) or "—"
            scenarios = "<br>".join(f"`{s}`" for s in row.scenarios) or "—"
            out.append(f"| {_cell(paragraph)} | {_cell(text)} | {_cell(status)} | {rules} | {scenarios} |")
        out.append("")
    return "\n".join(out)


def render_json(rows: list[TraceRow]) -> str:
    return json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False) + "\n"
