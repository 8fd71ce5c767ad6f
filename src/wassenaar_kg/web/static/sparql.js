// SPARQL: a free editor posting to the SPARQL 1.1 Protocol endpoint /sparql.
import {el, readError, renderResults, showError} from "./results.js";

export const DEFAULT_QUERY = `PREFIX wakg: <https://w3id.org/wassenaar-kg/ontology#>
PREFIX wa: <https://w3id.org/wassenaar-kg/id/wa/>
PREFIX group: <https://w3id.org/wassenaar-kg/id/ear-country-group/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>

# Participating states of the Wassenaar Arrangement with their accession dates
SELECT ?state ?name ?accession
WHERE {
  ?participation a wakg:ParticipationInRegime ;
      wakg:regime wa:WassenaarArrangement ;
      wakg:participant ?state ;
      wakg:validFrom ?accession .
  OPTIONAL { ?state rdfs:label ?name }
}
ORDER BY ?accession ?name
LIMIT 100
`;

const $ = (id) => document.getElementById(id);

async function run(event) {
  event?.preventDefault();
  const query = $("sparql-text").value;
  showError($("sparql-error"), null);
  $("sparql-run").disabled = true;
  $("sparql-status").textContent = "Running…";
  const started = performance.now();
  try {
    const response = await fetch("/sparql", {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/sparql-results+json, text/turtle;q=0.9, */*;q=0.1",
      },
      body: new URLSearchParams({query}),
    });
    if (!response.ok) {
      const error = await readError(response);
      showError($("sparql-error"), `${error.error} (HTTP ${error.status})`);
      $("sparql-result").replaceChildren();
      $("sparql-status").textContent = "The query did not run.";
      return;
    }
    const type = response.headers.get("Content-Type") ?? "";
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const download = (fmt, label) => el("a", {href: `/sparql?${new URLSearchParams({query, format: fmt})}`,
      download: `query.${fmt === "turtle" ? "ttl" : fmt}`}, label);
    if (type.includes("json")) {
      const results = await response.json();
      const rows = renderResults($("sparql-result"), results);
      if (!("boolean" in results)) {
        $("sparql-result").prepend(el("p", {class: "downloads"}, "Download: ", download("csv", "CSV"), " · ",
          download("json", "JSON")));
      }
      $("sparql-status").textContent = `${rows} row${rows === 1 ? "" : "s"} in ${seconds} s.`;
    } else {
      const text = await response.text();
      const lines = text.split("\n").filter((line) => line.trim() && !line.startsWith("@prefix")).length;
      $("sparql-result").replaceChildren(
        el("p", {class: "hint"}, `RDF (${type.split(";")[0] || "text"}). Download: `, download("turtle", "Turtle"),
          " · ", download("ntriples", "N-Triples")),
        el("pre", {class: "rdf", tabindex: "0", "aria-label": "RDF result"}, text));
      $("sparql-status").textContent = `${lines} line${lines === 1 ? "" : "s"} of RDF in ${seconds} s.`;
    }
  } catch (error) {
    showError($("sparql-error"), `the server did not answer (${error.message}).`);
    $("sparql-status").textContent = "";
  } finally {
    $("sparql-run").disabled = false;
  }
}

export function initSparql() {
  const text = $("sparql-text");
  text.value = DEFAULT_QUERY;
  $("sparql-form").addEventListener("submit", run);
  $("sparql-reset").addEventListener("click", () => { text.value = DEFAULT_QUERY; text.focus(); });
  text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run(event);
  });
}
