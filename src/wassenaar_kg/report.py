"""Render determinations for analysts (text, CSV) and programs (JSON, JSON lines, Turtle, TriG)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter

from .api import CheckResult
from .decide.determination import CSV_FIELDS, confidence_text as _confidence, csv_row  # noqa: F401  (CSV_FIELDS, csv_row: part of the report API)

FORMATS = ("text", "json", "jsonl", "csv", "ttl", "trig")


def render_text(result: CheckResult) -> str:
    out = []
    for d in result.determinations:
        exception = f" ({d.license_exception})" if d.license_exception else ""
        held = f"  license {d.license} held" if d.license else ""
        flag = "  ** NEEDS A LICENSE **" if d.needs_license else ""
        out.append(f"{d.id}: {d.verdict}{exception}  law as of {d.law_as_of}  confidence {_confidence(d.confidence)}{held}{flag}")
        out.append(f"  deciding: {'; '.join(d.deciding_provisions)}")
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
        out.append("")
    out.append(summary_line(result))
    return "\n".join(out) + "\n"


def summary_line(result: CheckResult) -> str:
    counts = Counter(d.verdict for d in result.determinations)
    parts = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    lacking = result.needing_license
    tail = f"; {len(lacking)} need a license they lack: {', '.join(d.id for d in lacking)}" if lacking else \
        "; none needs a license it lacks"
    review = sum(1 for d in result.determinations if d.needs_review)
    if review:
        tail += f"; {review} with a possible Entity List match to review"
    return f"{len(result.determinations)} exports ({result.engine} engine): {parts}{tail}"


def render_json(result: CheckResult) -> str:
    doc = {
        "engine": result.engine,
        "summary": {
            "exports": len(result.determinations),
            "verdicts": dict(sorted(Counter(d.verdict for d in result.determinations).items())),
            "needing_license": [d.id for d in result.needing_license],
            "possible_matches_to_review": [d.id for d in result.determinations if d.needs_review],
        },
        "determinations": [d.to_dict() for d in result.determinations],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def render_jsonl(result: CheckResult) -> str:
    return "".join(json.dumps(d.to_dict(), ensure_ascii=False) + "\n" for d in result.determinations)


def render_csv(result: CheckResult) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for d in result.determinations:
        writer.writerow(csv_row(d))
    return buffer.getvalue()


def render(result: CheckResult, fmt: str) -> str:
    if fmt == "text":
        return render_text(result)
    if fmt == "json":
        return render_json(result)
    if fmt == "jsonl":
        return render_jsonl(result)
    if fmt == "csv":
        return render_csv(result)
    if fmt == "ttl":
        from .kg.rdf_text import turtle

        return turtle(result.inferred)
    if fmt == "trig":
        from .api import ASSERTED_GRAPH, INFERRED_GRAPH
        from .kg.rdf_text import trig

        return trig({ASSERTED_GRAPH: result.asserted, INFERRED_GRAPH: result.inferred})
    raise ValueError(f"unknown format {fmt}")
