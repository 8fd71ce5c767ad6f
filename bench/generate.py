"""Seeded synthetic order books for the benchmark: realistic skew, every field exercised."""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
from pathlib import Path

ECCNS = [("4D004", 30), ("4A005", 8), ("4E001.c", 8), ("4E001.a", 4), ("4D001.a", 3), ("5A001.j", 8), ("5B001.a", 2),
         ("5D001.a", 4), ("5D001.c", 3), ("5E001.a", 2), ("5D001.e", 1), ("EAR99", 12), ("5D992.c", 8), ("5A992.c", 3),
         ("5A002", 2), ("5A004.a", 1)]
FREQUENT = ["DE", "GB", "FR", "JP", "CA", "IN", "CN", "IL", "AE", "SA", "SG", "KR", "AU", "BR", "MX", "NL", "CH", "TW",
            "RU", "TR", "IT", "ES", "SE", "PL", "VN", "ID", "MY", "TH", "ZA", "EG"]
USERS = [("non_government", 40), ("bank_or_financial", 8), ("insurance", 4), ("civil_health_medical", 4),
         ("us_subsidiary", 8), ("government", 8), ("government_more_sensitive", 3), ("government_less_sensitive", 3),
         ("police_or_judicial", 3), ("national_csirt", 2), ("government_research_institution", 2),
         ("international_governmental_organization", 1), ("government_owned_enterprise", 3), ("munitions_list_firm", 1),
         ("us_government", 2)]
USES = [("other", 85), ("vulnerability_disclosure", 6), ("cyber_incident_response", 6), ("criminal_or_civil_investigation", 3)]
TRANSACTIONS = [("export", 80), ("reexport", 8), ("transfer_in_country", 4), ("deemed_export", 6), ("deemed_reexport", 2)]
HEADER = ["id", "eccn", "destination", "end_user", "end_use", "transaction", "digital_artifacts",
          "incident_system_owner", "knows_unauthorized_use", "date", "license"]
START, DAYS = dt.date(2022, 3, 7), (dt.date(2026, 7, 23) - dt.date(2022, 3, 7)).days


def _pick(rnd: random.Random, weighted):
    return rnd.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def generate(path: Path, rows: int, seed: int = 2026, destinations: list[str] | None = None) -> Path:
    rnd = random.Random(seed)
    everywhere = destinations or FREQUENT
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for n in range(rows):
            artifacts = rnd.random() < 0.03
            writer.writerow([
                f"X{n:07d}", _pick(rnd, ECCNS), rnd.choice(FREQUENT) if rnd.random() < 0.7 else rnd.choice(everywhere),
                _pick(rnd, USERS), _pick(rnd, USES), _pick(rnd, TRANSACTIONS), "true" if artifacts else "",
                _pick(rnd, USERS) if artifacts else "", "true" if rnd.random() < 0.01 else "",
                (START + dt.timedelta(days=rnd.randrange(DAYS + 1))).isoformat(),
                f"D{rnd.randrange(10**6):06d}" if rnd.random() < 0.2 else "",
            ])
    return path


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
