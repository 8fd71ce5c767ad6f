"""`wakg push` against a real Oxigraph server (the `oxigraph` package's binary), never a mock of the store.

The server runs on 127.0.0.1 on a free port with a temporary database; it is always terminated."""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import sysconfig
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from rdflib import Graph, Literal, URIRef

from wassenaar_kg.analyst.push import push
from wassenaar_kg.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / "examples" / "exports.csv"
G = "https://w3id.org/wassenaar-kg/graph/"
OTHER = "http://example.org/somebody-elses-graph"
OTHER_DATA = "<http://example.org/s> <http://example.org/p> \"kept\" .\n<http://example.org/s> <http://example.org/q> <http://example.org/o> .\n"
AS_OF = "2026-07-01"


def _binary() -> str | None:
    here = Path(sysconfig.get_path("scripts")) / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    binary = _binary()
    if binary is None:
        pytest.skip("the oxigraph server binary is not installed (pip install oxigraph)")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([binary, "serve", "--location", str(tmp_path_factory.mktemp("oxigraph")),
                               "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/query", params={"query": "ASK {}"}, timeout=2).raise_for_status()
                break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"oxigraph did not start: {server.stderr.read().decode(errors='replace')[-2000:]}"
                                if server.poll() is not None else "oxigraph did not answer within 30 s")
                time.sleep(0.1)
        response = httpx.put(f"{base}/store", params={"graph": OTHER}, content=OTHER_DATA,
                             headers={"Content-Type": "application/n-triples"})
        assert response.is_success, response.text
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def counts(base: str) -> dict[str, int]:
    """Triples per named graph, asked over the SPARQL endpoint."""
    response = httpx.post(f"{base}/query", data={"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } "
                                                          "GROUP BY ?g"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=60)
    response.raise_for_status()
    return {row["g"]["value"]: int(row["n"]["value"]) for row in response.json()["results"]["bindings"]}


def other_graph(base: str) -> set[str]:
    response = httpx.get(f"{base}/store", params={"graph": OTHER}, headers={"Accept": "application/n-triples"})
    response.raise_for_status()
    return {line for line in response.text.splitlines() if line.strip()}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Counter:
    """Triples per graph of `wakg export --format nq` of the same exports, computed locally."""
    out = tmp_path_factory.mktemp("export") / "all.nq"
    assert main(["export", "--data", str(EXPORTS), "--as-of", AS_OF, "--format", "nq", "-o", str(out)]) == 0
    return Counter(line.rsplit(" ", 2)[-2].strip("<>") for line in out.read_text().splitlines() if line.strip())


def test_push_writes_the_three_graphs_and_replaces_them(oxigraph, exported, capsys):
    assert set(exported) == {G + "reference", G + "asserted", G + "inferred"}
    before = other_graph(oxigraph)
    for _ in range(2):  # the second push replaces: the same counts, not doubled
        assert main(["push", "--endpoint", f"{oxigraph}/store", "--data", str(EXPORTS), "--as-of", AS_OF]) == 0
        found = counts(oxigraph)
        assert {g: found[g] for g in exported} == dict(exported)
        assert found[OTHER] == 2 and other_graph(oxigraph) == before
        summary = capsys.readouterr().err.strip().splitlines()[-1]
        assert summary.startswith(f"pushed 3 graphs, {sum(exported.values()):,} triples to {oxigraph}/store in ")
        assert "triples/s" in summary


def test_graph_prefix_rebases_the_graph_iris(oxigraph, exported, capsys):
    prefix = "urn:wakg:test:"
    assert main(["push", "--endpoint", f"{oxigraph}/store", "--graph-prefix", prefix, "--as-of", AS_OF]) == 0
    found = counts(oxigraph)
    assert found[prefix + "reference"] == exported[G + "reference"]
    assert prefix + "inferred" in found and prefix + "asserted" not in found
    assert found[OTHER] == 2
    # without --data the export has no asserted graph: a stale one under that prefix is removed
    httpx.put(f"{oxigraph}/store", params={"graph": prefix + "asserted"}, content=OTHER_DATA,
              headers={"Content-Type": "application/n-triples"}).raise_for_status()
    assert main(["push", "--endpoint", f"{oxigraph}/store", "--graph-prefix", prefix, "--as-of", AS_OF]) == 0
    assert prefix + "asserted" not in counts(oxigraph)
    assert f"removed {prefix}asserted" in capsys.readouterr().err
    assert counts(oxigraph)[G + "asserted"] == exported[G + "asserted"]  # the default-named graphs are not touched


def test_unreachable_endpoint_is_a_clean_error(capsys):
    code = main(["push", "--endpoint", f"http://127.0.0.1:{_free_port()}/store", "--as-of", AS_OF])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "wakg: error: --endpoint: cannot reach http://127.0.0.1:" in err


@pytest.mark.parametrize("url", ["ftp://example.org/store", "localhost:7878/store", "http://", "not a url"])
def test_bad_url_is_a_clean_error(url, capsys):
    assert main(["push", "--endpoint", url, "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "wakg: error: --endpoint:" in err and "Traceback" not in err


def test_bad_graph_prefix_is_a_clean_error(oxigraph, capsys):
    assert main(["push", "--endpoint", f"{oxigraph}/store", "--graph-prefix", "no scheme", "--as-of", AS_OF]) == 2
    assert "wakg: error: --graph-prefix:" in capsys.readouterr().err


def test_a_4xx_answer_is_a_clean_error_with_the_status_and_message(oxigraph, capsys):
    before = counts(oxigraph)
    assert main(["push", "--endpoint", f"{oxigraph}/no-such-service", "--as-of", AS_OF]) == 2
    err = capsys.readouterr().err
    assert "the store answered 404 Not Found: " in err and "not supported" in err and "Traceback" not in err
    assert counts(oxigraph) == before


class _Failing(http.server.BaseHTTPRequestHandler):
    """A store in trouble: every request is answered 503 with a message (reads the body first)."""

    def _fail(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding") == "chunked":
            while (size := int(self.rfile.readline().split(b";")[0], 16)):
                self.rfile.read(size + 2)
            self.rfile.readline()
        elif length:
            self.rfile.read(length)
        body = b"repository is being restored, try later"
        self.send_response(503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_PUT = do_DELETE = do_GET = _fail

    def log_message(self, *args):
        pass


def test_a_5xx_answer_is_a_clean_error(capsys):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code = main(["push", "--endpoint", f"http://127.0.0.1:{server.server_port}/store", "--as-of", AS_OF])
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "the store answered 503 Service Unavailable: repository is being restored, try later" in err


class _Interrupted(Graph):
    """A graph whose serialisation is interrupted (Ctrl-C) after some triples."""

    def __iter__(self):
        for n, triple in enumerate(super().__iter__()):
            if n == 30000:
                raise KeyboardInterrupt
            yield triple


def test_ctrl_c_propagates_and_leaves_other_graphs_alone(oxigraph):
    target = "urn:wakg:interrupted:inferred"
    httpx.put(f"{oxigraph}/store", params={"graph": target}, content=OTHER_DATA,
              headers={"Content-Type": "application/n-triples"}).raise_for_status()
    before = counts(oxigraph)
    graph = _Interrupted()
    for i in range(40000):
        graph.add((URIRef(f"urn:x:{i}"), URIRef("urn:p"), Literal(i)))
    with pytest.raises(KeyboardInterrupt):  # cli.main turns it into exit 130
        push({URIRef(G + "inferred"): graph}, f"{oxigraph}/store", "urn:wakg:interrupted:", progress=False)
    # nothing changed, not even the graph being written: Oxigraph applies a PUT only once its body is whole
    assert counts(oxigraph) == before
