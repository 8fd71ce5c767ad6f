// Shared helpers: building elements, reading API errors, rendering SPARQL 1.1 JSON results as a table.

export const PREFIXES = {
  wakg: "https://w3id.org/wassenaar-kg/ontology#",
  wa: "https://w3id.org/wassenaar-kg/id/wa/",
  group: "https://w3id.org/wassenaar-kg/id/ear-country-group/",
  country: "https://w3id.org/wassenaar-kg/id/country/",
  jur: "https://w3id.org/wassenaar-kg/id/jurisdiction/",
  law: "https://w3id.org/wassenaar-kg/id/law/",
  le: "https://w3id.org/wassenaar-kg/id/license-exception/",
  wkr: "https://w3id.org/wassenaar-kg/shapes/license-rules#",
  wkid: "https://w3id.org/wassenaar-kg/id/",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  skos: "http://www.w3.org/2004/02/skos/core#",
  dcterms: "http://purl.org/dc/terms/",
  xsd: "http://www.w3.org/2001/XMLSchema#",
};

/** Create an element: el("a", {href: "x", class: "y"}, "text", child, ...). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** The shortest prefixed name of an IRI, or the IRI itself. */
export function shorten(iri) {
  let best = null;
  for (const [prefix, ns] of Object.entries(PREFIXES)) {
    if (iri.startsWith(ns) && iri.length > ns.length && (!best || ns.length > best[1].length)) best = [prefix, ns];
  }
  return best ? `${best[0]}:${iri.slice(best[1].length)}` : iri;
}

/** Is the string a link worth following (http or https)? */
export function isUrl(text) {
  return /^https?:\/\/\S+$/.test(text);
}

/** A link that opens outside the workbench. */
export function extLink(url, label) {
  return el("a", {href: url, target: "_blank", rel: "noopener noreferrer"}, label ?? url);
}

/** The human message of a failed response: the "error" of a JSON body, else its text. */
export async function readError(response) {
  const text = await response.text();
  let error = {error: text.trim() || `${response.status} ${response.statusText}`};
  try {
    const body = JSON.parse(text);
    if (body && typeof body === "object") {
      error = {...body, error: body.error ?? body.message ?? body.detail ?? text};
    }
  } catch (_) { /* a text message */ }
  error.status = response.status;
  return error;
}

/** Show or hide an error box. */
export function showError(box, message) {
  box.replaceChildren();
  if (!message) { box.hidden = true; return; }
  box.append(el("strong", {}, "Error: "), message);
  box.hidden = false;
}

function cell(term) {
  if (!term) return el("td", {class: "empty"}, "");
  if (term.type === "uri") {
    return el("td", {}, extLink(term.value, shorten(term.value)));
  }
  if (term.type === "bnode") return el("td", {class: "bnode"}, `_:${term.value}`);
  const value = term.value ?? "";
  // GROUP_CONCAT of sources: several URLs separated by spaces
  const parts = value.split(/\s+/).filter(Boolean);
  if (parts.length && parts.every(isUrl)) {
    return el("td", {class: "links"}, parts.map((url) => el("span", {}, extLink(url, shortUrl(url)))));
  }
  const numeric = term.datatype && /#(integer|decimal|double|float|int|long)$/.test(term.datatype);
  const td = el("td", {class: numeric ? "num" : null}, value);
  if (term["xml:lang"]) td.setAttribute("lang", term["xml:lang"]);
  return td;
}

/** A URL shortened for display: host and the end of the path. */
export function shortUrl(url) {
  try {
    const u = new URL(url);
    const path = u.pathname.length > 32 ? "…" + u.pathname.slice(-30) : u.pathname;
    return u.host + path;
  } catch (_) {
    return url;
  }
}

const SHOWN_ROWS = 2000; // a larger table would make the page slow; the downloads have every row

/** Render SPARQL 1.1 JSON results (SELECT or ASK) into a container; returns the number of rows. */
export function renderResults(container, results, caption) {
  container.replaceChildren();
  if (typeof results.boolean === "boolean") {
    container.append(el("p", {class: "ask"}, "Answer: ", el("strong", {}, results.boolean ? "yes (true)" : "no (false)")));
    return 1;
  }
  const vars = results.head?.vars ?? [];
  const rows = results.results?.bindings ?? [];
  if (!rows.length) {
    container.append(el("p", {class: "none"}, "No results."));
    return 0;
  }
  const shown = rows.slice(0, SHOWN_ROWS);
  const table = el("table", {class: "grid"},
    el("caption", {}, caption ?? `${rows.length} row${rows.length === 1 ? "" : "s"}`),
    el("thead", {}, el("tr", {}, vars.map((v) => el("th", {scope: "col"}, v)))),
    el("tbody", {}, shown.map((row) => el("tr", {}, vars.map((v) => cell(row[v]))))));
  if (shown.length < rows.length) {
    container.append(el("p", {class: "hint"},
      `Showing the first ${shown.length.toLocaleString("en")} of ${rows.length.toLocaleString("en")} rows; the downloads have all.`));
  }
  container.append(el("div", {class: "scroll", tabindex: "0", role: "region", "aria-label": "Results"}, table));
  return rows.length;
}
