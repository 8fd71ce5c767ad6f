"""IRIs of the ontology and of the reference individuals, in one place so every module mints the same names."""

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/wassenaar-kg/"
ONTOLOGY_IRI = BASE + "ontology"

WAKG = Namespace(BASE + "ontology#")
WA = Namespace(BASE + "id/wa/")  # Wassenaar Arrangement, its lists, categories and entries
ECCN = Namespace(BASE + "id/eccn/")  # US Commerce Control List entries and paragraphs
TERM = Namespace(BASE + "id/term/")  # defined terms
COUNTRY = Namespace(BASE + "id/country/")  # destinations by ISO 3166-1 alpha-2
JUR = Namespace(BASE + "id/jurisdiction/")  # jurisdictions (US, EU, ...)
GROUP = Namespace(BASE + "id/ear-country-group/")  # A1 ... E2, and the aggregates A, D, E
COL = Namespace(BASE + "id/chart-column/")  # NS1, NS2, AT1, ...
RFC = Namespace(BASE + "id/reason-for-control/")  # NS, AT, RS, ...
LE = Namespace(BASE + "id/license-exception/")  # ACE, GOV, ENC, TMP
LAW = Namespace(BASE + "id/law/")  # legal provisions and rule documents
FACT = Namespace(BASE + "id/fact/")  # dated facts (memberships, marks, texts)
DS = Namespace(BASE + "id/dataset/")  # data sets with coverage intervals

PREFIXES = {
    "wakg": WAKG,
    "wa": WA,
    "eccn": ECCN,
    "term": TERM,
    "country": COUNTRY,
    "jur": JUR,
    "group": GROUP,
    "col": COL,
    "rfc": RFC,
    "le": LE,
    "law": LAW,
    "fact": FACT,
    "ds": DS,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project prefixes so serialisations and SPARQL stay readable."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def sparql_prologue() -> str:
    """PREFIX lines for every project prefix, for queries built in code."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
