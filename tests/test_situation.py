"""The situation key is declared once (decide/situation.py): the fast engine's per-record key and the
stream's packed per-row key are both derived from it and must agree."""

from __future__ import annotations

import datetime as dt

import polars as pl

from wassenaar_kg.api import vocabulary
from wassenaar_kg.decide import fast, situation
from wassenaar_kg.decide.records import check_values
from wassenaar_kg.decide.stream import _Columns

ROWS = [
    {"id": "a", "eccn": "4D004", "destination": "RU", "end_user": "bank_or_financial", "date": "2024-06-01"},
    {"id": "b", "eccn": "4D004", "destination": "UA-43", "end_user": "non_government", "date": "2021-06-01"},
    {"id": "c", "eccn": "EAR99", "destination": "IL", "end_user": "non_government", "date": "2021-11-03",
     "end_user_name": "NSO Group"},
    {"id": "d", "eccn": "EAR99", "destination": "IL", "end_user": "non_government", "date": "2021-11-04",
     "end_user_name": "NSO Group"},
    {"id": "e", "eccn": "4E001.a", "destination": "CN", "end_user": "us_government", "date": "2022-04-01",
     "digital_artifacts": "true", "incident_system_owner": "bank_or_financial", "knows_unauthorized_use": "true",
     "transaction": "deemed_reexport", "end_use": "cyber_incident_response"},
]
HEADER = ["id", "eccn", "destination", "end_user", "end_use", "transaction", "digital_artifacts",
          "incident_system_owner", "knows_unauthorized_use", "date", "license", "end_user_name"]


def test_every_part_reads_declared_fields_and_the_key_fits_in_63_bits():
    names = {f.name for f in situation.FIELDS}
    assert all(set(part.fields) <= names for part in situation.PARTS)
    layout = situation.layout(situation.Context(fast.compiled(), vocabulary()))
    assert [name for name, _, _ in layout] == [p.name for p in situation.PARTS]
    assert layout[-1][1] + layout[-1][2].bit_length() <= 63


def test_the_stream_packs_exactly_the_declared_key():
    tables = fast.compiled()
    records = [check_values(row, vocabulary(), "rows", n, dt.date(2026, 7, 23)) for n, row in enumerate(ROWS, 2)]
    batch = pl.DataFrame([[row.get(h, "") for h in HEADER] for row in ROWS], schema=HEADER, orient="row")
    columns = _Columns("rows", HEADER, vocabulary(), dt.date(2026, 7, 23), tables)
    columns.learn(batch, 0)
    packed = columns.keys(batch).get_column("key").to_list()
    assert [columns.unpack(p) for p in packed] == [fast.key_of(r, tables) for r in records]
    # the listing takes effect on 2021-11-04: the two NSO rows differ only in the entity-list part; the day,
    # which the law quotes, is not part of the key, because 2021-11-05 can stand in for it
    c, d = (fast.key_of(r, tables) for r in records[2:4])
    names = [p.name for p in situation.PARTS]
    listed, day = names.index("entity_list"), names.index("law_day")
    assert [x for i, x in enumerate(c) if i != listed] == [x for i, x in enumerate(d) if i != listed]
    assert c[listed] == () and d[listed] != () and (c[day], d[day]) == (None, None)
    context = situation.Context(tables, vocabulary())
    assert context.stand_in_day(dt.date(2021, 11, 4), records[3].hits) == dt.date(2021, 11, 5)
