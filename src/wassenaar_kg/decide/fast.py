"""The fast engine: the reference rules, evaluated once per distinct situation, then looked up per row.

What a rule can see of an export is: the classes OWL infers for its item and end user, the Country
Groups and Country Chart marks of its (effective) destination on its date, the rule texts in force on
that date, and its end use, transaction type, digital-artifacts flag, incident-system owner and
knowledge flag. Two exports that agree on all of these get the same verdict, exception and deciding
provisions; with what the explanation cites of them (decide/situation.py), the same explanation up to
the row's own labels, date and name. So:

1. the dated reference data are compiled into lookup tables: for every interval between two change
   points of the law (any start or end date of a membership, mark, rule text, treatment or control) and
   every destination, a *profile* of what the rules can read (only the groups and chart columns the
   rules and the CCL entries name); the types OWL 2 RL infers per ECCN and per end-user type;
2. each export maps to a key of those profiles and its own fields;
3. keys not yet decided are decided in batches by the SHACL rules of shapes/license-rules.ttl, run
   set-at-a-time on Oxigraph over one representative export per key (rule_runner.py);
4. every export takes its key's decision and its explanation, filled with the row's own values
   (explanation.py); the law date is its own.

No rule is restated here: change the rules or the reference data and both engines change. The
differential test (tests/test_engines_agree.py) checks the premise on generated exports.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import multiprocessing
import os
import pickle
import re
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ..kg import oxigraph, temporal
from . import rule_runner
from ..kg.cache import cached_object, read_cached, write_cached
from .determination import VERDICTS, Determination, Step, read_steps
from . import explanation
from ..errors import InputError
from .records import END_USER_CLASSES, ExportRecord, record_triples, records_to_graph
from ..kg.files import shapes_dir
from ..kg.namespaces import COUNTRY, ECCN, GROUP, WA, WAKG

GROUP_REFERENCE = re.compile(r"\bgroup:([A-E][0-9]?)\b")
TERM_REFERENCE = re.compile(r"\bwakg:([A-Z][A-Za-z0-9]*)\b")
DATED_CLASSES = (WAKG.CountryGroupMembership, WAKG.CountryChartMark, WAKG.ProvisionText, WAKG.DestinationTreatment,
                 WAKG.SanctionsMeasure, WAKG.CclEntryGap,
                 WAKG.Reading)  # readings only change what explanations say: their dates still bound the intervals


@dataclass
class Compiled:
    """Lookup tables derived from the knowledge graph and the rules."""

    change_points: list[dt.date]
    destination_profiles: dict[tuple[int, str], int]
    regimes: list[int]
    item_types: dict[str, frozenset[str]]
    user_types: dict[str, frozenset[str]]
    relevant_groups: frozenset[str]
    relevant_columns: frozenset[str]
    item_profiles: dict[str, int] = field(default_factory=dict)
    user_profiles: dict[str, int] = field(default_factory=dict)
    owner_profiles: dict[str | None, int] = field(default_factory=dict)
    transaction_profiles: dict[str, int] = field(default_factory=dict)
    use_profiles: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # destination code -> its label (explanation texts)
    subdivisions: dict[str, str] = field(default_factory=dict)  # region code -> its ISO 3166-2 code
    effective: dict[tuple[int, str], str] = field(default_factory=dict)  # (interval, code) -> effective destination
    law_dates: frozenset[str] = frozenset()  # ISO dates written anywhere in the knowledge graph or the rules
    wassenaar: dict[str, str] = field(default_factory=dict)  # ECCN -> the Wassenaar entry it implements (local name)
    notations: dict[str, str] = field(default_factory=dict)  # ECCN or Wassenaar entry (local name) -> its notation
    user_classes: dict[str, str] = field(default_factory=dict)  # end-user type -> its class (local name)
    class_labels: dict[str, str] = field(default_factory=dict)  # end-user class (local name) -> its label

    def bucket(self, day: dt.date) -> int:
        return bisect.bisect_right(self.change_points, day)


def _rule_groups(kg: Graph) -> frozenset[str]:
    """Country Groups the rules name, with the sub-groups of the aggregates they name (D -> D:1..D:5)."""
    text = (shapes_dir() / rule_runner.RULES_FILE).read_text(encoding="utf-8")
    named = {GROUP[m] for m in GROUP_REFERENCE.findall(text)}
    with_subgroups = set(named)
    for group in named:
        with_subgroups |= set(kg.subjects(WAKG.subGroupOf, group))
    return frozenset(str(kg.value(g, SKOS.notation)) for g in with_subgroups if kg.value(g, SKOS.notation))


# reference data the rules match an input's class against: a sanctions measure's excluded transaction types,
# a reading's end-user types
DATA_NAMED_CLASSES = (WAKG.excludesTransactionType, WAKG.readingEndUserType)


def _rule_terms(kg: Graph) -> frozenset[str]:
    """Classes and individuals of the ontology that the rules name, or that reference data names where the
    rules compare an input's class with it (a sanctions measure's excluded transaction types): all they
    can tell inputs apart by."""
    from ..kg.namespaces import WAKG as ns

    text = (shapes_dir() / rule_runner.RULES_FILE).read_text(encoding="utf-8")
    named = {str(ns[t]) for t in TERM_REFERENCE.findall(text)}
    named |= {str(o) for p in DATA_NAMED_CLASSES for o in kg.objects(None, p)}
    return frozenset(named)


def _profiles(values: dict, describe) -> dict:
    """Number the distinct descriptions; values with equal descriptions share a number."""
    seen: dict = {}
    return {value: seen.setdefault(describe(value), len(seen)) for value in sorted(values, key=str)}


def _change_points(kg: Graph) -> list[dt.date]:
    points = set()
    for cls in DATED_CLASSES:
        for node in kg.subjects(RDF.type, cls):
            fact = temporal.dated_fact(kg, node)
            if fact.valid_from != dt.date.min:
                points.add(fact.valid_from)
            if fact.valid_through is not None:
                points.add(fact.valid_through + dt.timedelta(days=1))
    for entry in kg.subjects(WAKG.validFrom, None):
        if str(entry).startswith(str(ECCN)):
            points.add(kg.value(entry, WAKG.validFrom).toPython())
    return sorted(points)


def _types(kg: Graph) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """OWL 2 RL classes of a probe item per ECCN and a probe end user per type (reference.classify)."""
    from .reference import classify

    eccns = sorted(str(kg.value(e, SKOS.notation)) for e in kg.subjects(RDF.type, None)
                   if str(e).startswith(str(ECCN)) and kg.value(e, SKOS.notation) is not None)
    users = sorted(END_USER_CLASSES)
    probes = [ExportRecord(id=f"probe-{i}", eccn=eccns[i % len(eccns)], destination="DE",
                           end_user=users[i % len(users)], date=dt.date(2026, 7, 23))
              for i in range(max(len(eccns), len(users)))]
    data = records_to_graph(probes)
    inferred = classify(data)
    items, people = {}, {}
    for record in probes:
        item, user = URIRef(f"{record.iri}/item"), URIRef(f"{record.iri}/end-user")
        items[record.eccn] = frozenset(str(o) for o in inferred.objects(item, RDF.type))
        asserted = {str(o) for o in data.objects(user, RDF.type)}
        people[record.end_user] = frozenset(asserted | {str(o) for o in inferred.objects(user, RDF.type)})
    return items, people


def compile_tables(kg: Graph) -> Compiled:
    groups = _rule_groups(kg)
    columns = frozenset(str(kg.value(c, SKOS.notation)).replace(" ", "")
                        for e, c in kg.subject_objects(WAKG.chartColumn) if str(e).startswith(str(ECCN)))
    points = _change_points(kg)
    starts = [dt.date.min] + points
    destinations = sorted({temporal.code(d) for cls in (WAKG.Destination, WAKG.Region) for d in kg.subjects(RDF.type, cls)})
    profiles: dict[tuple, int] = {}
    destination_profiles, effective_by_bucket = {}, {}
    cited_on = _cited_facts(kg, groups, columns)
    regimes, regime_ids = [], {}
    for bucket, start in enumerate(starts):
        day = start if start != dt.date.min else points[0] - dt.timedelta(days=1)
        members = temporal.group_members(kg, day)
        marks = temporal.chart_marks(kg, day)
        sanctions = temporal.sanctions_in_force(kg, day)
        cited = cited_on(day)
        for code in destinations:
            effective = temporal.effective_destination(kg, code, day)
            effective_by_bucket[(bucket, code)] = effective
            profile = (
                effective != code,
                frozenset(g for g, m in members.items() if effective in m and g in groups),
                frozenset(marks.get(effective, set()) & columns),
                effective in marks,
                frozenset(sanctions.get(code, set()) | sanctions.get(effective, set())),
                # what the explanation cites of the destination: each fact's confidence and sources
                cited.get(effective, frozenset()) | cited.get(code, frozenset())
                | (_provenance(temporal.dated_fact(kg, COUNTRY[code])) if (COUNTRY[code], WAKG.regionOf, None) in kg
                   else frozenset()),
                # readings about the destination (the rules match a reading's destination)
                frozenset(str(r) for r in kg.subjects(WAKG.readingDestination, COUNTRY[effective])),
            )
            destination_profiles[(bucket, code)] = profiles.setdefault(profile, len(profiles))
        texts = frozenset(str(f.node) for f in temporal.facts_on(kg, WAKG.ProvisionText, day))
        in_force = frozenset(str(e) for e in kg.subjects(WAKG.validFrom, None)
                             if str(e).startswith(str(ECCN)) and kg.value(e, WAKG.validFrom).toPython() <= day)
        gaps = frozenset(str(f.node) for f in temporal.facts_on(kg, WAKG.CclEntryGap, day))
        readings = frozenset(str(f.node) for f in temporal.facts_on(kg, WAKG.Reading, day))
        regimes.append(regime_ids.setdefault((texts, in_force, gaps, readings), len(regime_ids)))
    items, people = _types(kg)
    terms = _rule_terms(kg)
    from .records import END_USES, TRANSACTIONS

    def item_profile(eccn: str):
        entry = ECCN[eccn]
        return (items[eccn] & terms, frozenset(str(t) for t in kg.objects(entry, RDF.type)) & terms,
                frozenset(str(kg.value(c, SKOS.notation)) for c in kg.objects(entry, WAKG.chartColumn)),
                kg.value(entry, WAKG.validFrom),
                frozenset(str(c) for c in kg.objects(entry, WAKG.inCategory)),  # the reach of sanctions scopes
                frozenset(str(g) for g in kg.subjects(WAKG.gapOf, entry)))  # dated absences from the CCL

    def transaction_profile(kind: str):
        classes = {str(c) for c in kg.transitive_objects(TRANSACTIONS[kind], URIRef("http://www.w3.org/2000/01/rdf-schema#subClassOf"))}
        return frozenset(classes & terms)

    compiled = Compiled(points, destination_profiles, regimes, items, people, groups, columns)
    # what an explanation cites of the entry (its confidence and sources) is part of the item's profile
    compiled.item_profiles = _profiles(items, lambda eccn: (item_profile(eccn), _provenance(temporal.dated_fact(kg, ECCN[eccn]))))
    # the rules also compare the asserted type itself with the types they name (the classification step's
    # wording); another type's own label is a slot of the explanation (explanation.py)
    def user_profile(user: str):
        asserted = str(END_USER_CLASSES[user])
        return people[user] & terms, asserted if asserted in terms else None

    compiled.user_profiles = _profiles(people, user_profile)
    compiled.owner_profiles = {None: -1, **_profiles(people, lambda u: people[u] & terms)}
    compiled.transaction_profiles = _profiles(TRANSACTIONS, transaction_profile)
    compiled.use_profiles = _profiles(END_USES, lambda u: str(END_USES[u]) if str(END_USES[u]) in terms else None)
    compiled.effective = effective_by_bucket
    for code in destinations:
        node = COUNTRY[code]
        compiled.labels[code] = str(kg.value(node, RDFS.label) or code)
        compiled.subdivisions[code] = str(kg.value(node, WAKG.isoSubdivision) or code)
    compiled.law_dates = _law_dates()
    for namespace in (ECCN, WA):
        for node, notation in kg.subject_objects(SKOS.notation):
            if str(node).startswith(str(namespace)):
                compiled.notations[str(node)[len(str(namespace)):]] = str(notation)
    for eccn in items:
        entry = kg.value(ECCN[eccn], WAKG.implementsEntry)
        if entry is not None:
            compiled.wassenaar[eccn] = str(entry)[len(str(WA)):]
    for user, cls in END_USER_CLASSES.items():
        name = str(cls)[len(str(WAKG)):]
        compiled.user_classes[user] = name
        compiled.class_labels[name] = str(kg.value(cls, RDFS.label) or name)
    return compiled


ISO_DATE = re.compile(rb"\b\d{4}-\d{2}-\d{2}\b")


def _law_dates() -> frozenset[str]:
    """Every ISO date written in the knowledge graph or the rules: an explanation may quote any of them, so
    an export dated on one of them is explained on its own (its date cannot be told from the law's)."""
    from ..kg.reference import reference_ntriples

    text = reference_ntriples() + b"".join(p.read_bytes() for p in sorted(shapes_dir().glob("*.ttl")))
    return frozenset(m.decode() for m in ISO_DATE.findall(text))


def _provenance(fact: temporal.DatedFact) -> frozenset:
    """A fact's confidence and sources, as an explanation step shows them."""
    if fact.confidence is None and not fact.sources:
        return frozenset()
    return frozenset({(fact.confidence, fact.sources)})


def _cited_facts(kg: Graph, groups: frozenset[str], columns: frozenset[str]):
    """A function of a day: destination code -> the confidence and sources of the facts the explanation
    cites for it on that day (its memberships in the groups the rules name, its Chart marks in the columns
    they read, its treatment). The facts are read once; each day only filters them."""
    cited = []  # (fact, destination code, what it says)
    for fact in (temporal.dated_fact(kg, n) for n in kg.subjects(RDF.type, WAKG.CountryGroupMembership)):
        notation = str(kg.value(kg.value(fact.node, WAKG.countryGroup), SKOS.notation))
        if notation in groups:
            cited.extend((fact, temporal.code(m), ("group", notation)) for m in kg.objects(fact.node, WAKG.member))
    for fact in (temporal.dated_fact(kg, n) for n in kg.subjects(RDF.type, WAKG.CountryChartMark)):
        column = kg.value(fact.node, WAKG.chartColumn)
        notation = str(kg.value(column, SKOS.notation)).replace(" ", "") if column is not None else ""
        cited.extend((fact, temporal.code(p), ("mark", notation)) for p in kg.objects(fact.node, WAKG.markedDestination))
    for fact in (temporal.dated_fact(kg, n) for n in kg.subjects(RDF.type, WAKG.DestinationTreatment)):
        cited.extend((fact, temporal.code(p), ("treatment",)) for p in kg.objects(fact.node, WAKG.treatedDestination))
    def on(day: dt.date) -> dict[str, frozenset]:
        found: dict[str, set] = {}
        for fact, code, what in cited:
            if fact.holds_on(day):
                found.setdefault(code, set()).update((*what, *p) for p in _provenance(fact))
        return {code: frozenset(facts) for code, facts in found.items()}

    return on


KEY_FORMAT = b"situation-key-4"  # change when what the key holds changes (here: explanations)


def _tables_key() -> str:
    """Key of the compiled tables and the stored decisions: the rules, and the shape of the situation key."""
    from dataclasses import fields

    from .situation import PARTS

    digest = hashlib.sha256(KEY_FORMAT)
    # what the stored objects are made of: a change of the tables' fields or the key's parts starts afresh
    digest.update(" ".join(f.name for f in fields(Compiled)).encode())
    digest.update(" ".join(f"{p.name}:{','.join(p.fields)}" for p in PARTS).encode())
    for path in sorted(shapes_dir().glob("*.ttl")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def compiled(kg_id: int = 0) -> Compiled:
    return cached_object(tables_name(), build_tables)


def tables_name() -> str:
    return f"fast-tables-{_tables_key()}.pickle"


def build_tables() -> Compiled:
    from ..kg.reference import reference_graph

    return compile_tables(reference_graph())


Key = tuple  # situation.key_of of a record


def key_of(record: ExportRecord, tables: Compiled) -> Key:
    """The situation of one record (decide/situation.py declares what it holds)."""
    from .situation import Context, key_of as situation_key
    from .vocabulary import vocabulary

    return situation_key(record, Context(tables, vocabulary()))


@dataclass(frozen=True)
class Decision:
    """What the rules concluded for one situation. The explanation's texts hold slots (explanation.py) where
    the row's own destination, date and end-user name go."""

    verdict: str
    license_exception: str | None
    deciding_provisions: tuple[str, ...]
    explanation: tuple[Step, ...] = ()
    provisions_text: str = ""

    def __post_init__(self):
        object.__setattr__(self, "provisions_text", "; ".join(self.deciding_provisions))


DECISIONS_QUERY = """
PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?this ?verdict ?exception ?citation WHERE {
  ?this wakg:verdict ?verdict .
  OPTIONAL { ?this wakg:authorizedBy/skos:notation ?exception }
  OPTIONAL { ?this wakg:decidingProvision/wakg:citation ?citation }
}"""


PARALLEL_MIN = 1000  # representatives; for fewer, starting a second process costs more than it saves
PARALLEL_MIN_STARTED = 200  # once the workers run, sharing pays off for much smaller batches
ENV_WORKERS = "WAKG_WORKERS"


def workers() -> int:
    """Processes deciding new situations: $WAKG_WORKERS, else the CPUs this process may use (at most 4)."""
    raw = os.environ.get(ENV_WORKERS, "").strip()
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise InputError(ENV_WORKERS, f"'{raw}' is not a positive whole number")
        return int(raw)
    return max(1, min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1, 4))


def _decide_part(reps: list[ExportRecord]) -> dict[str, dict]:
    """Worker-process entry: the same rules on a share of the representatives."""
    return _runner().decide(reps, compiled())


def _worker_init(screening_list: str | None) -> None:
    """Worker-process entry: Ctrl-C is the parent's to handle (no traceback from every worker)."""
    import signal

    from .vocabulary import use_screening_list

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    use_screening_list(screening_list)


def _warm_up() -> None:
    """Worker-process entry: load the tables and the knowledge graph before the first batch arrives."""
    compiled()
    _runner()


@dataclass
class DecisionStore:
    """Decisions by key, filled in batches by the set-at-a-time rules.

    With processes > 1, large batches are shared out among worker processes (spawned, so they never
    inherit the threads of Polars or Oxigraph), each deciding its share on its own store; call close()
    when done. Only the command line asks for that: a spawned worker re-imports the program's __main__,
    which for a user's script without a main guard would run the script again."""

    tables: Compiled
    decisions: dict[Key, Decision] = field(default_factory=dict)
    evaluated: int = 0
    stored: int = 0
    pool: ProcessPoolExecutor | None = field(default=None, repr=False)
    processes: int = 1
    steps: dict = field(default_factory=dict, repr=False)  # interned explanation steps

    def start_workers(self) -> None:
        """Start the worker processes now (they load the tables while the caller reads its input)."""
        if self.processes > 1 and self.pool is None:
            from .vocabulary import screening_list_path

            self.pool = ProcessPoolExecutor(max_workers=self.processes - 1,
                                            mp_context=multiprocessing.get_context("spawn"),
                                            initializer=_worker_init, initargs=(screening_list_path(),))
            for _ in range(self.processes - 1):
                self.pool.submit(_warm_up)

    def close(self, wait: bool = True) -> None:
        """Stop the workers (wait=False on Ctrl-C: they are terminated, so the exit does not wait for a batch)."""
        if self.pool is not None:
            if not wait:  # stop them now: the interpreter's exit would otherwise wait for their current batch
                for process in list((getattr(self.pool, "_processes", None) or {}).values()):
                    process.terminate()
            self.pool.shutdown(wait=wait, cancel_futures=True)
            self.pool = None

    def _run(self, reps: list[ExportRecord]) -> dict[str, dict]:
        n = self.processes
        if n < 2 or len(reps) < (PARALLEL_MIN if self.pool is None else PARALLEL_MIN_STARTED):
            return _runner().decide(reps, self.tables)
        self.start_workers()
        parts = [reps[i::n] for i in range(n)]
        try:
            futures = [self.pool.submit(_decide_part, part) for part in parts[1:]]
            found = _runner().decide(parts[0], self.tables)
            for future in futures:
                found.update(future.result())
        except BrokenProcessPool:  # a worker died (out of memory, killed): decide here from now on
            self.close()
            self.processes = 1
            return _runner().decide(reps, self.tables)
        return found

    def decide(self, records: list[ExportRecord]) -> list[Decision]:
        from .situation import Context, key_of as situation_key
        from .vocabulary import vocabulary

        context = Context(self.tables, vocabulary())
        keys = [situation_key(r, context) for r in records]
        missing: dict[Key, ExportRecord] = {}
        for key, record in zip(keys, records):
            if key not in self.decisions and key not in missing:
                missing[key] = record
        self.add(missing)
        return [self.decisions[k] for k in keys]

    def _intern(self, step: Step) -> Step:
        """One object per distinct step, so the stored decisions hold (and pickle) each step once."""
        return self.steps.setdefault(step, step)

    def add(self, representatives: dict[Key, ExportRecord]) -> None:
        """Decide the given keys with the rules, one representative export each."""
        if representatives:
            self._evaluate(representatives)

    def _evaluate(self, representatives: dict[Key, ExportRecord]) -> None:
        from dataclasses import replace

        from .situation import Context
        from .vocabulary import vocabulary

        context = Context(self.tables, vocabulary())
        quoted = context.quoted_dates
        reps = [replace(record, id=f"k{self.evaluated + n}", license=None, date=_stand_in(record, context),
                        end_user_name=explanation.slot("end_user_name") if record.end_user_name else record.end_user_name)
                for n, record in enumerate(representatives.values())]
        self.evaluated += len(reps)
        found = self._run(reps)
        for key, record in zip(representatives, reps):
            slot = found.get(str(record.iri))
            if slot is None:
                decision = Decision("undetermined", None, ())
            else:
                steps = tuple(self._intern(explanation.template(step, record, self.tables, quoted))
                              for step in slot["steps"])
                decision = Decision(VERDICTS[URIRef(slot["verdict"])], slot["exception"], tuple(sorted(slot["citations"])),
                                    steps)
            self.decisions[key] = decision


def _stand_in(record: ExportRecord, context) -> dt.date:
    """The representative's date: its own, unless the law quotes that day and another day of the same
    situation does not (situation.Context.stand_in_day), so that its date can be a slot of the explanation."""
    if record.date.isoformat() not in context.quoted_dates:
        return record.date
    return context.stand_in_day(record.date, record.hits) or record.date


class RuleRunner:
    """Decides batches of representative exports: each batch goes with its OWL types into a fresh
    Oxigraph store holding the knowledge graph (bulk-loaded from cached N-Triples in about 60 ms, less
    than deleting a large batch takes), and the set-at-a-time rules run over it."""

    def __init__(self) -> None:
        from ..kg.reference import reference_ntriples
        from .vocabulary import screening_ntriples

        self.reference = explanation.placeholders(reference_ntriples() + screening_ntriples())

    def decide(self, reps: list[ExportRecord], tables: Compiled) -> dict[str, dict]:
        store = ox.Store()
        store.bulk_load(self.reference, format=ox.RdfFormat.N_TRIPLES)
        quads = []
        for record in reps:
            quads.extend(oxigraph.to_ox_quad(t) for t in record_triples(record))
            node = record.iri
            typed = [(f"{node}/item", tables.item_types[record.eccn]), (f"{node}/end-user", tables.user_types[record.end_user])]
            if record.incident_system_owner:
                typed.append((f"{node}/incident-system-owner", tables.user_types[record.incident_system_owner]))
            for subject, classes in typed:
                quads.extend(ox.Quad(ox.NamedNode(subject), RDF_TYPE, ox.NamedNode(c)) for c in sorted(classes))
        store.extend(quads)
        rule_runner.apply(store)
        found: dict[str, dict] = {}
        for row in store.query(DECISIONS_QUERY):
            slot = found.setdefault(row["this"].value, {"verdict": row["verdict"].value, "exception": None, "citations": set()})
            if row["exception"] is not None:
                slot["exception"] = row["exception"].value
            if row["citation"] is not None:
                slot["citations"].add(row["citation"].value)
        steps = read_steps(store, found)
        for export, slot in found.items():
            slot["steps"] = steps[export]
        return found


RDF_TYPE = ox.NamedNode(str(RDF.type))


def _runner() -> RuleRunner:
    """The rule runner for the screening list in use (its entries are part of the runner's graph)."""
    from .vocabulary import screening_list_path

    return _runner_for(screening_list_path())


@lru_cache(maxsize=2)
def _runner_for(screening_list: str | None) -> RuleRunner:
    return RuleRunner()


def _decisions_name() -> str:
    """Stored decisions are those of these rules over this graph: with a screening list in use, its entries
    are part of the graph the rules ran on, so its content is part of the name."""
    from .vocabulary import screening_ntriples

    extra = screening_ntriples()
    suffix = f"-{hashlib.sha256(b''.join(sorted(extra.splitlines()))).hexdigest()[:12]}" if extra else ""
    return f"fast-decisions-{_tables_key()}{suffix}.pickle"


def load_decisions(processes: int = 1) -> DecisionStore:
    """A decision table primed with the decisions earlier runs stored for this ontology and these rules."""
    table = DecisionStore(compiled(), processes=processes)
    stored = read_cached(_decisions_name())
    if stored is not None:
        try:
            table.decisions = pickle.loads(stored)
        except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            table.decisions = {}
    table.stored = len(table.decisions)
    return table


def store_decisions(table: DecisionStore) -> None:
    """Keep new decisions for later runs (the cache key changes with the ontology and the rules). What another
    table stored meanwhile (a concurrent run, or the counterfactuals' own table in this one) is kept too."""
    if len(table.decisions) == table.stored:
        return
    decisions = table.decisions
    stored = read_cached(_decisions_name())
    if stored is not None:
        try:
            earlier = pickle.loads(stored)
        except (pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
            earlier = None
        if isinstance(earlier, dict) and len(earlier) > table.stored:
            decisions = {**earlier, **table.decisions}
    write_cached(_decisions_name(), pickle.dumps(decisions, protocol=pickle.HIGHEST_PROTOCOL))


def determinations(records: list[ExportRecord], table: DecisionStore | None = None) -> list[Determination]:
    table = table or load_decisions()
    tables = table.tables
    return [
        Determination(r.id, d.verdict, d.license_exception, d.deciding_provisions, r.date,
                      explanation.fill(d.explanation, explanation.slot_values(r, tables)), r.license, "fast",
                      r.possible_matches)
        for r, d in zip(records, table.decide(records))
    ]
