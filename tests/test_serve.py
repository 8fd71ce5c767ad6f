"""`wakg serve` as a client sees it: the real server (the `wakg serve` command in a subprocess, on loopback
and a free port) spoken to over HTTP with httpx. One server for the whole module, always stopped."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from rdflib import Graph

from wassenaar_kg.analyst import queries

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "examples" / "exports.csv"
AS_OF = dt.date(2025, 6, 1)
MAX_ROWS = 5000
START_TIMEOUT = 120
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
CARTESIAN = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?d ?g"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The base URL of a `wakg serve --port 0` subprocess (its log in a file, so it never blocks on a pipe)."""
    log = tmp_path_factory.mktemp("serve") / "stderr.log"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with log.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "wassenaar_kg", "serve", "--port", "0", "--timeout", "1",
             "--max-rows", str(MAX_ROWS), "--as-of", AS_OF.isoformat(), "--data", str(EXPORTS)],
            stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        url = None
        while url is None:
            found = re.search(r"on (http://127\.0\.0\.1:\d+)/", log.read_bytes().decode("utf-8", "replace"))
            if found:
                url = found.group(1)
            elif process.poll() is not None:
                pytest.fail(f"wakg serve ended (exit {process.returncode}):\n{log.read_text()}")
            elif time.monotonic() > deadline:
                pytest.fail(f"wakg serve did not start in {START_TIMEOUT} s:\n{log.read_text()}")
            else:
                time.sleep(0.1)
        yield Server(url, log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


class Server:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log
        self.client = httpx.Client(base_url=url, timeout=30)


def test_select_by_get_and_post_in_every_results_format(server):
    c = server.client
    wanted = {"application/sparql-results+json": "application/sparql-results+json",
              "application/sparql-results+xml": "application/sparql-results+xml",
              "text/csv": "text/csv", "text/tab-separated-values": "text/tab-separated-values"}
    for accept, media in wanted.items():
        answers = [c.get("/sparql", params={"query": COUNT}, headers={"Accept": accept}),
                   c.post("/sparql", data={"query": COUNT}, headers={"Accept": accept}),
                   c.post("/sparql", content=COUNT, headers={"Accept": accept,
                                                             "Content-Type": "application/sparql-query"})]
        for r in answers:
            assert r.status_code == 200, r.text
            assert r.headers["content-type"].split(";")[0] == media
        assert len({r.content for r in answers}) == 1
    default = c.get("/sparql", params={"query": COUNT})
    assert default.headers["content-type"] == "application/sparql-results+json"
    n = int(default.json()["results"]["bindings"][0]["n"]["value"])
    assert n == c.get("/api/info").json()["triples"] > 40000
    csv_text = c.get("/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"}).text
    assert csv_text.split() == ["n", str(n)]


def test_ask_and_quality_of_negotiation(server):
    c = server.client
    r = c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"},
              headers={"Accept": "text/csv;q=0.5, application/sparql-results+xml"})
    assert r.headers["content-type"] == "application/sparql-results+xml"
    assert "<boolean>true</boolean>" in r.text
    assert c.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "*/*"}).json()["boolean"] is True
    assert c.get("/sparql", params={"query": COUNT}, headers={"Accept": "image/png"}).status_code == 406


def test_construct_as_turtle_ntriples_and_jsonld(server):
    c = server.client
    query = ("PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#> "
             "CONSTRUCT { ?c wakg:inCountryGroup ?g } WHERE { ?c wakg:inCountryGroup ?g } LIMIT 50")
    turtle = c.get("/sparql", params={"query": query})
    assert turtle.status_code == 200 and turtle.headers["content-type"].split(";")[0] == "text/turtle"
    graph = Graph().parse(data=turtle.text, format="turtle")
    assert len(graph) == 50
    nt = c.get("/sparql", params={"query": query}, headers={"Accept": "application/n-triples"})
    assert nt.headers["content-type"] == "application/n-triples"
    assert len(Graph().parse(data=nt.text, format="nt")) == 50
    ld = c.get("/sparql", params={"query": query}, headers={"Accept": "application/ld+json"})
    assert ld.headers["content-type"] == "application/ld+json"
    assert len(Graph().parse(data=ld.text, format="json-ld")) == 50


def test_cors_for_browser_clients(server):
    c = server.client
    r = c.get("/sparql", params={"query": COUNT}, headers={"Origin": "https://yasgui.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    pre = c.request("OPTIONS", "/sparql", headers={"Origin": "https://yasgui.example",
                                                   "Access-Control-Request-Method": "POST",
                                                   "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200 and "POST" in pre.headers["access-control-allow-methods"]


def test_read_only(server):
    c = server.client
    update = "INSERT DATA { <urn:a> <urn:b> <urn:c> }"
    for r in (c.post("/sparql", data={"update": update}),
              c.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update"}),
              c.post("/sparql", content=update, headers={"Content-Type": "application/sparql-query"}),
              c.get("/sparql", params={"query": update})):
        assert r.status_code == 403, r.text
        assert "read-only" in r.json()["error"]
    for method in ("PUT", "POST", "DELETE"):
        r = c.request(method, "/graph-store", params={"default": ""}, content="<urn:a> <urn:b> <urn:c> .",
                      headers={"Content-Type": "application/n-triples"})
        assert r.status_code == 405 and "read-only" in r.json()["error"]
    assert c.put("/sparql", content=update).status_code == 405
    n = c.get("/sparql", params={"query": "ASK { <urn:a> <urn:b> <urn:c> }"}).json()["boolean"]
    assert n is False


def test_time_limit_stops_the_query_and_the_server_keeps_serving(server):
    c = server.client
    started = time.monotonic()
    r = c.get("/sparql", params={"query": CARTESIAN})
    assert r.status_code == 503 and "1 s" in r.json()["error"]
    assert time.monotonic() - started < 5
    assert c.get("/sparql", params={"query": COUNT}).status_code == 200


def test_row_limit(server):
    r = server.client.get("/sparql", params={"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS + 1}"})
    assert r.status_code == 413 and f"{MAX_ROWS:,} rows" in r.json()["error"]
    assert server.client.get("/sparql", params={"query": f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS}"}
                             ).status_code == 200


def test_service_and_syntax_errors_are_400(server):
    c = server.client
    r = c.get("/sparql", params={"query": "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"})
    assert r.status_code == 400 and "--allow-federation" in r.json()["error"]
    r = c.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400 and "syntax error" in r.json()["error"]


def test_library_query_with_normalised_and_bad_parameters(server):
    c = server.client
    r = c.get("/api/queries/country-history", params={"country": "Cyprus"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/sparql-results+json"
    same = c.get("/api/queries/country-history", params={"country": "CY"})
    assert r.json() == same.json() and r.json()["results"]["bindings"]
    as_csv = c.get("/api/queries/country-history", params={"country": "cy", "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert len(list(csv.reader(as_csv.text.splitlines()))) == len(r.json()["results"]["bindings"]) + 1
    bad = c.get("/api/queries/country-history", params={"country": "Narnia"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "country" and "Narnia" in bad.json()["error"]
    unknown = c.get("/api/queries/country-history", params={"country": "CY", "colour": "red"})
    assert unknown.status_code == 400 and unknown.json()["parameter"] == "colour"
    assert c.get("/api/queries/no-such-query").status_code == 404
    assert c.get("/api/queries/..%2F..%2Fpyproject.toml").status_code == 404


def test_library_listing_and_openapi(server):
    c = server.client
    listed = c.get("/api/queries").json()["queries"]
    library = queries.library()
    assert [q["name"] for q in listed] == list(library)
    history = next(q for q in listed if q["name"] == "country-history")
    assert {"name", "type", "default", "description"} <= set(history["params"][0])
    spec = json.loads(c.get("/api/openapi.json").content)
    assert spec["openapi"].startswith("3.")
    for name, query in library.items():
        path = spec["paths"][f"/api/queries/{name}"]["get"]
        assert {p["name"] for p in path["parameters"]} == {p.name for p in query.params} | {"format"}
    for route in ("/sparql", "/api/queries", "/api/check", "/api/compare", "/compare", "/api/openapi.json"):
        assert route in spec["paths"]


def _rows() -> list[dict]:
    with EXPORTS.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_check_csv_and_json_agree_with_the_python_api(server):
    from wassenaar_kg.api import check
    from wassenaar_kg.report import render

    expected = json.loads(render(check(EXPORTS, as_of=AS_OF), "json"))
    by_csv = server.client.post("/api/check", params={"as_of": AS_OF.isoformat()}, content=EXPORTS.read_bytes(),
                                headers={"Content-Type": "text/csv"})
    assert by_csv.status_code == 200, by_csv.text
    by_json = server.client.post("/api/check", params={"as_of": AS_OF.isoformat()}, json=_rows())
    assert by_json.status_code == 200, by_json.text
    for answer in (by_csv.json(), by_json.json()):
        assert set(answer) == {"engine", "determinations", "summary"}
        assert answer["determinations"] == expected["determinations"]
        assert answer["determinations"][0]["explanation"]
    direct = check(_rows(), as_of=AS_OF)
    assert [d["verdict"] for d in by_json.json()["determinations"]] == [d.verdict for d in direct.determinations]


def test_check_with_counterfactuals(server):
    body = "id,eccn,destination,end_user,date\ncn,4D004,CN,non_government,2026-07-23\n"
    r = server.client.post("/api/check", params={"counterfactuals": "true"}, content=body,
                           headers={"Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    changes = [c["change"] for c in r.json()["determinations"][0]["counterfactuals"]]
    assert {"end_use": "cyber_incident_response"} in changes
    plain = server.client.post("/api/check", content=body, headers={"Content-Type": "text/csv"})
    assert "counterfactuals" not in plain.json()["determinations"][0]
    bad = server.client.post("/api/check", params={"counterfactuals": "maybe"}, content=body,
                             headers={"Content-Type": "text/csv"})
    assert bad.status_code == 400 and "counterfactuals" in bad.text


def test_check_bad_input_is_400_with_the_message_of_wakg_check(server, tmp_path):
    from wassenaar_kg.api import check
    from wassenaar_kg.errors import InputError

    book = tmp_path / "book.csv"
    book.write_text("id,eccn,destination,end_user\nx1,4D004,CN,government\nx2,4D004,Narnia,government\n")
    with pytest.raises(InputError) as raised:
        check(book, as_of=AS_OF)
    r = server.client.post("/api/check", content=book.read_bytes(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 400
    assert r.json()["error"] == str(raised.value).replace(str(book), "<request body>")
    assert r.json()["error"].startswith("<request body>, line 3, field 'destination'")
    bad_json = server.client.post("/api/check", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400
    assert server.client.post("/api/check", content=b"x", headers={"Content-Type": "image/png"}).status_code == 415
    big = server.client.post("/api/check", content=b"a" * (20 * 2**20 + 1), headers={"Content-Type": "text/csv"})
    assert big.status_code == 413


def test_compare_json_and_page(server):
    c = server.client
    r = c.get("/api/compare", params={"jurisdictions": "US,EU", "entries": "4.A.5", "as_of": "2024-01-01"})
    assert r.status_code == 200
    body = r.json()
    assert [j["code"] for j in body["jurisdictions"]] == ["US", "EU"] and body["as_of"] == "2024-01-01"
    assert [e["entry"] for e in body["entries"]] == ["4.A.5"]
    bad = c.get("/api/compare", params={"jurisdictions": "XX"})
    assert bad.status_code == 400 and bad.json()["parameter"] == "jurisdictions"
    page = c.get("/compare", params={"jurisdictions": "US,EU"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_static_workbench_is_served_after_the_api(server):
    r = server.client.get("/")
    assert r.status_code in (200, 404)  # the workbench's files may not be there yet
    if r.status_code == 200:
        assert r.headers["content-type"].startswith("text/html")


def test_one_log_line_per_request(server):
    server.client.get("/api/info")
    time.sleep(0.2)
    lines = server.log.read_text(encoding="utf-8", errors="replace").splitlines()
    assert any(re.fullmatch(r"GET /api/info 200 \d+\.\dms", line) for line in lines)


def test_port_in_use_is_a_one_line_error_before_any_reasoning(capsys):
    import socket

    from wassenaar_kg.cli import main

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        started = time.monotonic()
        code = main(["serve", "--port", str(taken.getsockname()[1]), "--as-of", AS_OF.isoformat()])
    assert code == 2 and time.monotonic() - started < 5
    assert "wakg: error:" in capsys.readouterr().err


def test_several_data_files_are_checked_and_merged(tmp_path):
    from wassenaar_kg.web.served import served_graph

    more = tmp_path / "more.csv"
    more.write_text("id,eccn,destination,end_user\nEXTRA-1,4D004,CN,government\n")
    served = served_graph(AS_OF, [EXPORTS, more])
    ids = {d.id for d in served.reasoned.determinations}
    assert "EXTRA-1" in ids and "EX-001" in ids and len(ids) == len(_rows()) + 1
    found = served.store.query("ASK { GRAPH <https://w3id.org/wassenaar-kg/graph/asserted> { ?e ?p ?o "
                               "FILTER(CONTAINS(STR(?e), 'EXTRA-1') || CONTAINS(STR(?o), 'EXTRA-1')) } }")
    assert bool(found)
