// Library: the named queries of the project, each with a form generated from its typed parameters.
import {el, readError, renderResults, showError} from "./results.js";

const TYPE_HINTS = {
  string: "text",
  date: "a date",
  iri: "an IRI (https://…)",
  integer: "a whole number",
  decimal: "a number",
  country: "a country: ISO code or name, e.g. CN or China",
  country_group: "an EAR Country Group, e.g. D:5 or E:1",
  eccn: "an ECCN, e.g. 4D004 or 5A001.j",
  end_user_class: "an end-user class, e.g. GovernmentEndUser",
  wassenaar_entry: "a Wassenaar list entry, e.g. 4.A.5",
};

const $ = (id) => document.getElementById(id);
let queries = [];
let current = null;

/** The value a parameter starts with: its default, unless the default is the server's as-of date. */
function initialValue(param) {
  const d = param.default;
  if (d === null || d === undefined || d === "as-of") return "";
  return String(d);
}

function inputFor(param) {
  const id = `param-${param.name}`;
  const attrs = {id, name: param.name, "aria-describedby": `${id}-hint ${id}-error`, autocomplete: "off"};
  let input;
  if (param.type === "date") input = el("input", {...attrs, type: "date"});
  else if (param.type === "integer") input = el("input", {...attrs, type: "number", step: "1", inputmode: "numeric"});
  else if (param.type === "decimal") input = el("input", {...attrs, type: "number", step: "any", inputmode: "decimal"});
  else input = el("input", {...attrs, type: "text", spellcheck: "false"});
  input.value = initialValue(param);
  if (param.type !== "date" && param.default && param.default !== "as-of") input.placeholder = String(param.default);
  const defaultText = param.default === "as-of" ? "Empty: the server's date."
    : param.default ? `Default ${param.default}.` : "Optional.";
  return el("div", {class: "param"},
    el("label", {for: id}, param.name.replaceAll("_", " "), " ", el("span", {class: "type"}, param.type)),
    input,
    el("p", {class: "hint", id: `${id}-hint`},
      param.description || TYPE_HINTS[param.type] || "", el("br"), defaultText),
    el("p", {class: "field-error", id: `${id}-error`, role: "alert", hidden: true}));
}

function params() {
  const search = new URLSearchParams();
  for (const input of $("query-params").querySelectorAll("input")) {
    if (input.value.trim() !== "") search.set(input.name, input.value.trim());
  }
  return search;
}

function updateDownloads() {
  if (!current) return;
  const base = `/api/queries/${encodeURIComponent(current.name)}`;
  const search = params();
  search.set("format", "csv");
  $("query-csv").href = `${base}?${search}`;
  $("query-csv").setAttribute("download", `${current.name}.csv`);
  search.set("format", "json");
  $("query-json").href = `${base}?${search}`;
  $("query-json").setAttribute("download", `${current.name}.json`);
  $("query-downloads").hidden = false;
}

function clearErrors() {
  showError($("query-error"), null);
  for (const p of $("query-params").querySelectorAll(".field-error")) { p.hidden = true; p.textContent = ""; }
  for (const i of $("query-params").querySelectorAll("input")) i.removeAttribute("aria-invalid");
}

function select(name) {
  current = queries.find((q) => q.name === name) ?? queries[0];
  if (!current) return;
  $("query-pick").value = current.name;
  $("query-summary").textContent = current.summary || current.name;
  $("query-description").textContent = current.description || "";
  const box = $("query-params");
  box.replaceChildren(...(current.params ?? []).map(inputFor));
  if (!current.params?.length) box.append(el("p", {class: "hint"}, "This question takes no parameters."));
  $("query-result").replaceChildren();
  $("query-status").textContent = "";
  clearErrors();
  updateDownloads();
  if (location.hash.startsWith("#library")) history.replaceState(null, "", `#library/${current.name}`);
}

async function run(event) {
  event?.preventDefault();
  if (!current) return;
  clearErrors();
  updateDownloads();
  const search = params();
  search.set("format", "json");
  $("query-run").disabled = true;
  $("query-status").textContent = `Running ${current.name}…`;
  const started = performance.now();
  try {
    const response = await fetch(`/api/queries/${encodeURIComponent(current.name)}?${search}`,
      {headers: {Accept: "application/sparql-results+json, application/json"}});
    if (!response.ok) {
      const error = await readError(response);
      const field = error.parameter && document.getElementById(`param-${error.parameter}-error`);
      if (field) {
        field.textContent = error.error;
        field.hidden = false;
        const input = document.getElementById(`param-${error.parameter}`);
        input.setAttribute("aria-invalid", "true");
        input.focus();
      } else {
        showError($("query-error"), error.error);
      }
      $("query-result").replaceChildren();
      $("query-status").textContent = "The query did not run.";
      return;
    }
    const results = await response.json();
    const rows = renderResults($("query-result"), results, `${current.summary || current.name}`);
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const notice = response.headers.get("X-Wakg-Notice");
    $("query-status").textContent = `${rows} row${rows === 1 ? "" : "s"} in ${seconds} s.` + (notice ? ` Note: ${notice}` : "");
  } catch (error) {
    showError($("query-error"), `the server did not answer (${error.message}).`);
    $("query-status").textContent = "";
  } finally {
    $("query-run").disabled = false;
  }
}

export async function initLibrary(wanted) {
  $("query-form").addEventListener("submit", run);
  $("query-form").addEventListener("input", updateDownloads);
  $("query-pick").addEventListener("change", () => select($("query-pick").value));
  $("query-reset").addEventListener("click", () => select(current?.name));
  try {
    const response = await fetch("/api/queries", {headers: {Accept: "application/json"}});
    if (!response.ok) throw new Error((await readError(response)).error);
    queries = (await response.json()).queries ?? [];
  } catch (error) {
    $("query-summary").textContent = "The library is not available";
    showError($("query-error"), `could not list the queries (${error.message}).`);
    return;
  }
  const option = (q) => el("option", {value: q.name, title: q.summary || ""}, q.name);
  const questions = queries.filter((q) => !q.quality_check);
  const checks = queries.filter((q) => q.quality_check);
  $("query-pick").replaceChildren(
    ...(checks.length ? [el("optgroup", {label: "Questions"}, questions.map(option)),
      el("optgroup", {label: "Quality checks"}, checks.map(option))] : questions.map(option)));
  $("query-count").textContent = `${queries.length} queries. Choose one, fill in the form, run.`;
  select(wanted && queries.some((q) => q.name === wanted) ? wanted : queries[0]?.name);
}
