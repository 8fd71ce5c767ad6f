"""The summary of a check, the same for both engines and every output: counts by verdict, the exports that
need a license they lack (the exit code), possible Entity List matches to review."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

SHOWN = 10  # ids of exports needing a license, listed in the summary line


@dataclass
class Summary:
    engine: str
    rows: int = 0
    verdicts: Counter = field(default_factory=Counter)
    needing_license: list[str] = field(default_factory=list)  # ids of exports that need a license they lack
    to_review: list[str] = field(default_factory=list)  # ids of exports whose end-user name is a possible match
    distinct_situations: int | None = None  # fast engine: situations the rules decided

    @property
    def lacking(self) -> int:
        return len(self.needing_license)

    @property
    def review(self) -> int:
        return len(self.to_review)

    @property
    def exit_code(self) -> int:
        """0 when no export needs a license it lacks, 1 otherwise."""
        return 1 if self.lacking else 0

    def add(self, verdict: str, count: int = 1) -> None:
        self.rows += count
        self.verdicts[verdict] += count

    @classmethod
    def of(cls, determinations, engine: str) -> "Summary":
        summary = cls(engine)
        for d in determinations:
            summary.add(d.verdict)
        summary.needing_license = [d.id for d in determinations if d.needs_license]
        summary.to_review = [d.id for d in determinations if d.needs_review]
        return summary

    def line(self) -> str:
        parts = ", ".join(f"{n} {v}" for v, n in sorted(self.verdicts.items()))
        shown = ", ".join(self.needing_license[:SHOWN]) + (" ..." if self.lacking > SHOWN else "")
        tail = f"; {self.lacking} need a license they lack: {shown}" if self.lacking else "; none needs a license it lacks"
        if self.review:
            tail += f"; {self.review} with a possible Entity List match to review"
        situations = "" if self.distinct_situations is None else \
            f", {self.distinct_situations} distinct situations decided by the rules"
        return f"{self.rows} exports ({self.engine} engine{situations}): {parts}{tail}"

    def to_dict(self) -> dict:
        return {"exports": self.rows, "verdicts": dict(sorted(self.verdicts.items())),
                "needing_license": self.needing_license, "possible_matches_to_review": self.to_review}
