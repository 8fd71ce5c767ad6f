"""Render determinations for analysts (text, CSV) and programs (JSON, JSON lines, Turtle, TriG), whole or
batch by batch, whichever engine decided them; and `write_check`, the front door of `wakg check`."""

from __future__ import annotations

import csv
import io
import json
from typing import IO

from .api import CheckResult
from .decide.determination import CSV_FIELDS, Determination, confidence_text as _confidence, csv_row  # noqa: F401  (CSV_FIELDS, csv_row: part of the report API)
from .decide.summary import Summary
from .decide.vocabulary import coverage_through

FORMATS = ("text", "json", "jsonl", "csv", "ttl", "trig")
STREAMED = ("text", "json", "jsonl", "csv")  # formats written batch by batch; ttl and trig need the whole graph


def text_block(d: Determination) -> str:
    """One determination as the text report shows it: verdict line, deciding provisions, explanation chain."""
    exception = f" ({d.license_exception})" if d.license_exception else ""
    held = f"  license {d.license} held" if d.license else ""
    flag = "  ** NEEDS A LICENSE **" if d.needs_license else ""
    out = [f"{d.id}: {d.verdict}{exception}  law as of {d.law_as_of}  confidence {_confidence(d.confidence)}{held}{flag}",
           f"  deciding: {'; '.join(d.deciding_provisions)}"]
    if d.beyond_coverage:
        out.append(f"  ** DATED AFTER {coverage_through()}, THE LAST DAY THE BUNDLED LAW WAS VERIFIED **: "
                   "decided as if nothing changed since")
    if not d.decided:
        out.append("  ** NOT DECIDED BY THE MODEL **: the verdict says why; a person must decide this export")
    for match in d.possible_matches:
        out.append(f"  ** POSSIBLE ENTITY LIST MATCH, REVIEW **: '{match.matched_name}' (listed as {match.listed_name}), "
                   f"similarity {match.score:.0f} of 100; decides nothing until a person confirms or clears it")
    for number, step in enumerate(d.explanation, start=1):
        note = ""
        if step.text_status == "secondary summary":
            note = f" [text known only from secondary summaries, confidence {_confidence(step.confidence)}]"
        elif step.confidence is not None and step.confidence < 0.9:
            note = f" [confidence {_confidence(step.confidence)}]"
        out.append(f"  {number:2}. {step.kind}: {step.text}{note}")
        out.append(f"      -> {step.provision}" + (f" <{step.url}>" if step.url else ""))
        for source in step.sources:
            out.append(f"         source: {source}")
    if d.counterfactuals:
        out.append("  what would authorize it (one input changed, decided by the same rules):")
        out += [f"    - {c.line()}" for c in d.counterfactuals]
    elif d.counterfactuals is not None and d.verdict == "license_required":
        out.append("  what would authorize it: no change of one input does")
    return "\n".join(out) + "\n\n"


class Writer:
    """Writes determinations in one of the STREAMED formats as they come, whichever engine decided them:
    `start()`, then `determinations(...)` or `batch(...)` (the fast stream's decided batches) any number of
    times, then `end(summary)`."""

    def __init__(self, handle: IO[str], fmt: str, engine: str, finder=None) -> None:
        if fmt not in STREAMED:
            raise ValueError(f"{fmt} is not written batch by batch")
        self.handle, self.fmt, self.engine, self.count = handle, fmt, engine, 0
        self.finder = finder  # counterfactuals.Finder: add the counterfactuals of each batch's exports

    def start(self) -> None:
        if self.fmt == "csv":
            csv.writer(self.handle, lineterminator="\n").writerow(CSV_FIELDS)
        elif self.fmt == "json":
            self.handle.write('{\n  "engine": ' + json.dumps(self.engine) + ',\n  "determinations": [')

    def determinations(self, found: list[Determination]) -> None:
        if self.fmt == "csv":
            writer = csv.DictWriter(self.handle, fieldnames=CSV_FIELDS, lineterminator="\n")
            writer.writerows(csv_row(d) for d in found)
        elif self.fmt == "jsonl":
            self.handle.write("".join(json.dumps(d.to_dict(), ensure_ascii=False) + "\n" for d in found))
        elif self.fmt == "json":
            for d in found:
                item = json.dumps(d.to_dict(), indent=2, ensure_ascii=False).replace("\n", "\n    ")
                self.handle.write(("," if self.count else "") + "\n    " + item)
                self.count += 1
        else:
            self.handle.write("".join(text_block(d) for d in found))

    def batch(self, batch) -> None:
        """A decided batch of the fast stream: CSV and JSON lines straight from its columns."""
        if self.fmt == "csv":
            self.handle.write(batch.csv())
        elif self.fmt == "jsonl":
            for text in batch.jsonl_chunks(self.finder):
                self.handle.write(text)
        elif self.finder is not None:
            self.determinations(batch.with_counterfactuals(self.finder))
        else:
            self.determinations(batch.determinations())

    def end(self, summary: Summary) -> None:
        if self.fmt == "json":
            body = json.dumps(summary.to_dict(), indent=2, ensure_ascii=False).replace("\n", "\n  ")
            self.handle.write(("\n  ]" if self.count else "]") + ',\n  "summary": ' + body + "\n}\n")
        elif self.fmt == "text":
            self.handle.write(summary.line() + "\n")


def render(result: CheckResult, fmt: str) -> str:
    if fmt in STREAMED:
        buffer = io.StringIO()
        writer = Writer(buffer, fmt, result.engine)
        writer.start()
        writer.determinations(result.determinations)
        writer.end(result.summary)
        return buffer.getvalue()
    if fmt == "ttl":
        from .kg.rdf_text import turtle

        return turtle(result.inferred)
    if fmt == "trig":
        from .api import ASSERTED_GRAPH, INFERRED_GRAPH
        from .kg.rdf_text import trig

        return trig({ASSERTED_GRAPH: result.asserted, INFERRED_GRAPH: result.inferred})
    raise ValueError(f"unknown format {fmt}")


def render_text(result: CheckResult) -> str:
    return render(result, "text")


def render_json(result: CheckResult) -> str:
    return render(result, "json")


def render_jsonl(result: CheckResult) -> str:
    return render(result, "jsonl")


def render_csv(result: CheckResult) -> str:
    return render(result, "csv")


def summary_line(result: CheckResult) -> str:
    return result.summary.line()


COUNTERFACTUAL_FORMATS = ("text", "json", "jsonl")


def write_check(source, handle: IO[str], fmt: str, *, as_of=None, engine: str = "auto", screening_list=None,
                quiet: bool = True, explain: set[str] | None = None, processes: int = 1,
                counterfactuals: bool = False):
    """Check `source` and write the determinations to `handle` in `fmt`: the front door of `wakg check`.
    A CSV book the fast engine decides is streamed batch by batch in every format but ttl and trig (whose
    graph only the reference engine infers). Returns (summary, records of the `explain` ids)."""
    from .api import check, check_stream, engine_for, is_csv
    from .errors import InputError

    if counterfactuals and fmt not in COUNTERFACTUAL_FORMATS:
        raise InputError("--counterfactuals", f"counterfactuals are shown in {', '.join(COUNTERFACTUAL_FORMATS)} "
                         f"output, not in {fmt}")
    chosen = engine_for(source, engine, fmt)
    if chosen == "fast" and fmt not in STREAMED:
        raise InputError("--format", f"{fmt} is the RDF of the findings, which only the reference engine infers "
                         "(use --engine reference, or the default engine choice)")
    if chosen == "fast" and is_csv(source):
        from .decide.counterfactuals import Finder

        finder = Finder(processes=processes) if counterfactuals else None
        writer = Writer(handle, fmt, "fast", finder)
        writer.start()
        summary, explained = check_stream(source, writer.batch, as_of=as_of, screening_list=screening_list,
                                          quiet=quiet, explain=explain, processes=processes)
        writer.end(summary)
        if finder is not None:
            finder.close()
        return summary, explained
    result = check(source, as_of=as_of, engine=chosen, screening_list=screening_list, counterfactuals=counterfactuals)
    handle.write(render(result, fmt))
    return result.summary, []
