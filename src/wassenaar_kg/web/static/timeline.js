// Timeline: the library query law-changes as a list of dated changes of the law, with provision and sources.
import {el, extLink, readError, showError} from "./results.js";

const $ = (id) => document.getElementById(id);

function value(binding, name) {
  return binding[name] ? binding[name].value : "";
}

function item(binding) {
  const change = value(binding, "change");
  const confidence = value(binding, "confidence");
  const sources = value(binding, "sources").split(/\s+/).filter(Boolean);
  return el("li", {class: `change ${change}`},
    el("span", {class: `badge ${change}`}, change),
    el("span", {class: "category"}, value(binding, "category")),
    el("span", {class: "what"}, value(binding, "what")),
    el("div", {class: "cite"},
      "→ ", value(binding, "provision"),
      value(binding, "enactedBy") ? `; ${value(binding, "enactedBy")}` : "",
      confidence && Number(confidence) < 0.9 ? el("span", {class: "confidence"}, ` confidence ${confidence}`) : "",
      sources.length ? el("span", {class: "sources"}, " · ",
        sources.map((url, i) => [i ? ", " : "", extLink(url, `source ${i + 1}`)])) : ""));
}

/** The changes grouped by the day they take effect. */
function render(bindings) {
  if (!bindings.length) return el("p", {class: "hint"}, "No change of the law between these dates.");
  const days = new Map();
  for (const b of bindings) {
    const day = value(b, "date");
    if (!days.has(day)) days.set(day, []);
    days.get(day).push(b);
  }
  return el("ol", {class: "timeline", id: "timeline-list"},
    [...days].map(([day, rows]) => el("li", {class: "day"},
      el("h3", {}, el("time", {datetime: day}, day)),
      el("ul", {}, rows.map(item)))));
}

async function run(event) {
  event?.preventDefault();
  const search = new URLSearchParams({format: "json"});
  for (const name of ["from", "to"]) {
    const input = $(`timeline-${name}`);
    if (input.value) search.set(name, input.value);
  }
  showError($("timeline-error"), null);
  $("timeline-status").textContent = "Reading the changes…";
  const response = await fetch(`/api/queries/law-changes?${search}`,
    {headers: {Accept: "application/sparql-results+json, application/json"}});
  if (!response.ok) {
    $("timeline-status").textContent = "";
    showError($("timeline-error"), await readError(response));
    return;
  }
  const bindings = (await response.json()).results.bindings;
  $("timeline-status").textContent = `${bindings.length} change${bindings.length === 1 ? "" : "s"}`;
  $("timeline-result").replaceChildren(render(bindings));
}

export function initTimeline() {
  $("timeline-form").addEventListener("submit", run);
}
