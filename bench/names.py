"""Order book with an `end_user_name` column for the Entity List screening benchmark (issue #10).

The same seeded rows as bench/generate.py plus a party name per row: 20,000 distinct company names
(synthetic, each repeated ~50 times), with 0.2 % of rows naming a listed spyware vendor or one of its aliases
and 0.2 % a near miss (possible match), so that each distinct name is screened once and the hits decide.

    python bench/names.py ROWS OUT.csv          # write the book
    python bench/names.py --floor OUT.csv       # the csv-module floor: read every cell with Python's csv reader
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from generate import generate  # noqa: E402

LISTED = ["NSO Group", "Candiru Ltd.", "Saito Tech Ltd.", "Intellexa S.A.", "Cytrox AD", "Positive Technologies",
          "COSEINC", "JSC Positive Technologies"]
NEAR = ["NSO Group Technologies Ltd", "Positive Technology", "Candiru Labs", "Intellexa Holdings"]
WORDS = ["Acme", "Nordic", "Pacific", "Global", "Blue", "Summit", "Delta", "Orion", "Vertex", "Cedar", "Atlas",
         "Harbor", "Quantum", "Silver", "Granite", "Falcon", "Meridian", "Aurora", "Crescent", "Pioneer"]
KINDS = ["Bank", "Systems", "Networks", "Security", "Telecom", "Insurance", "Clinic", "Logistics", "Energy", "Labs"]
FORMS = ["Ltd", "GmbH", "S.A.", "Inc.", "LLC", "AG", "Pty Ltd", "B.V.", "", "Co."]


def names(count: int, rnd: random.Random) -> list[str]:
    found = set()
    while len(found) < count:
        found.add(" ".join(w for w in (rnd.choice(WORDS), rnd.choice(WORDS), rnd.choice(KINDS),
                                       str(rnd.randrange(1000)), rnd.choice(FORMS)) if w))
    return sorted(found)


def write(rows: int, out: Path, seed: int = 2026) -> Path:
    plain = out.with_suffix(".plain.csv")
    generate(plain, rows, seed)
    rnd = random.Random(seed + 1)
    pool = names(20_000, rnd)
    with plain.open(newline="", encoding="utf-8") as src, out.open("w", newline="", encoding="utf-8") as dst:
        reader, writer = csv.reader(src), csv.writer(dst, lineterminator="\n")
        writer.writerow(next(reader) + ["end_user_name"])
        for row in reader:
            draw = rnd.random()
            name = rnd.choice(LISTED) if draw < 0.002 else rnd.choice(NEAR) if draw < 0.004 else rnd.choice(pool)
            writer.writerow(row + [name])
    plain.unlink()
    return out


def floor(path: Path) -> int:
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(len(row) for row in csv.reader(handle))


if __name__ == "__main__":
    if sys.argv[1] == "--floor":
        print(floor(Path(sys.argv[2])))
    else:
        write(int(sys.argv[1]), Path(sys.argv[2]))
