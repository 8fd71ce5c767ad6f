// Check: an order book (CSV or JSON) posted to /api/check; verdicts, flags and the explanation of each.
import {el, extLink, readError, shorten, shortUrl, showError} from "./results.js";

const EXAMPLE = `id,eccn,destination,end_user,end_use,transaction,digital_artifacts,incident_system_owner,knows_unauthorized_use,date,license,end_user_name
EX-001,4D004,DE,non_government,,,,,,2022-03-07,,
EX-004,4A005,CN,government,,,,,,2025-02-11,D2345671,
EX-006,5A001.j,Russia,non_government,,,,,,2022-03-21,,
EX-007,5D002,Japan,non_government,,,,,,2023-01-17,,
EX-011,4D004,Taiwan,national_csirt,cyber_incident_response,,,,,2025-01-20,,
EX-014,5D001.e,FR,us_government,,,,,,2023-07-01,,
EX-034,4D004,IL,non_government,,,,,,2024-09-03,,NSO Group
EX-035,4D004,IL,non_government,,,,,,2024-09-03,,NSO Group Technologies Ltd
`;

const VERDICTS = {
  license_exception: "License exception",
  license_required: "License required",
  no_license_required: "No license required",
  out_of_scope: "Out of scope",
  undetermined: "Not determined",
};
const UNDECIDED = new Set(["out_of_scope", "undetermined"]);

const $ = (id) => document.getElementById(id);

function verdictLabel(d) {
  const label = VERDICTS[d.verdict] ?? d.verdict;
  return d.license_exception ? `${label} ${d.license_exception}` : label;
}

function flagsOf(d) {
  const flags = [];
  if (d.needs_license) flags.push(["bad", "Needs a license"]);
  if (UNDECIDED.has(d.verdict)) flags.push(["warn", "Could not decide"]);
  if (d.possible_matches?.length) flags.push(["warn", "Review: possible Entity List match"]);
  if (d.beyond_coverage) flags.push(["warn", "After the law was verified"]);
  if (d.verdict === "license_required" && d.license) flags.push(["ok", `Licensed: ${d.license}`]);
  return flags;
}

function needsAttention(d) {
  return d.needs_license || UNDECIDED.has(d.verdict) || d.possible_matches?.length || d.beyond_coverage;
}

function provisionLink(provision, url) {
  return url ? extLink(url, provision) : el("span", {}, provision);
}

function provisionUrls(d) {
  return new Map((d.explanation ?? []).filter((s) => s.provision && s.url).map((s) => [s.provision, s.url]));
}

function explanation(d) {
  const urls = provisionUrls(d);
  const steps = [...(d.explanation ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  const parts = [];
  parts.push(el("h4", {}, `Why: ${verdictLabel(d)} for ${d.id}`));
  if (d.deciding_provisions?.length) {
    parts.push(el("p", {}, "Decided by ",
      d.deciding_provisions.map((p, i) => [i ? ", " : "", provisionLink(p, urls.get(p))]), "."));
  }
  parts.push(el("ol", {class: "chain"}, steps.map((s) => el("li", {class: "step"},
    el("div", {class: "step-head"},
      el("span", {class: `kind kind-${(s.kind ?? "").split(/[^a-z]/)[0]}`}, s.kind ?? "step"),
      s.provision ? provisionLink(s.provision, s.url) : null,
      s.confidence !== undefined ? el("span", {class: "meta"}, `confidence ${s.confidence}`) : null,
      s.text_status ? el("span", {class: "meta"}, s.text_status) : null),
    el("p", {class: "step-text"}, s.text ?? ""),
    s.sources?.length ? el("div", {class: "sources"}, el("span", {}, "Sources: "),
      el("ul", {}, s.sources.map((src) => el("li", {}, /^https?:/.test(src) ? extLink(src, shortUrl(src)) : src))))
      : null,
    s.rule ? el("p", {class: "meta rule"}, "Rule ", el("code", {}, shorten(s.rule))) : null))));
  if (d.possible_matches?.length) {
    parts.push(el("h4", {}, "Possible Entity List matches to review"));
    parts.push(el("ul", {class: "matches"}, d.possible_matches.map((m) => el("li", {},
      `Listed as “${m.listed_name}”`, m.matched_name && m.matched_name !== m.listed_name ? ` (matched “${m.matched_name}”)` : "",
      `, similarity ${m.score} of 100`,
      m.entry ? [" — ", extLink(m.entry, shorten(m.entry))] : null))));
  }
  if (d.counterfactuals?.length) {
    parts.push(el("h4", {}, "What would authorize it (one input changed, decided by the same rules)"));
    parts.push(el("ul", {class: "counterfactuals"}, d.counterfactuals.map((c) => {
      const [field, value] = Object.entries(c.change)[0];
      const also = c.also?.length ? ` (or ${c.also.length} more with the same outcome)` : "";
      return el("li", {},
        el("code", {}, `${field}: ${value === null ? "none" : value}`), also, " → ",
        el("strong", {}, VERDICTS[c.verdict] ?? c.verdict), c.license_exception ? ` (${c.license_exception})` : "",
        c.deciding_provisions?.length
          ? [", by ", c.deciding_provisions.map((p, i) => [i ? ", " : "", provisionLink(p, urls.get(p))])] : "");
    })));
  }
  if (d.beyond_coverage) {
    parts.push(el("p", {class: "warn-text"},
      "This export is dated after the last day the bundled law was verified: decided as if nothing changed since."));
  }
  return parts;
}

function renderSummary(summary, engine) {
  const box = $("check-summary");
  box.replaceChildren();
  if (!summary) return;
  const verdicts = Object.entries(summary.verdicts ?? {});
  const item = (label, value, cls) => el("div", {class: `stat ${cls ?? ""}`}, el("dt", {}, label), el("dd", {}, value));
  box.append(el("section", {class: "summary", "aria-labelledby": "summary-title"},
    el("h3", {id: "summary-title"}, "Summary"),
    el("dl", {class: "stats"},
      item("Exports", summary.exports),
      verdicts.map(([v, n]) => item(VERDICTS[v] ?? v, n)),
      item("Need a license they lack", summary.needing_license?.length ?? 0, summary.needing_license?.length ? "bad" : "ok"),
      item("Could not decide", summary.undecided ?? 0, summary.undecided ? "warn" : "ok"),
      item("To review (Entity List)", summary.possible_matches_to_review?.length ?? 0,
        summary.possible_matches_to_review?.length ? "warn" : "ok")),
    summary.needing_license?.length
      ? el("p", {}, "Needing a license: ", el("strong", {}, summary.needing_license.join(", "))) : null,
    el("p", {class: "hint"}, `Engine ${engine ?? "?"}; law verified through ${summary.law_verified_through ?? "?"}`,
      summary.beyond_coverage ? `; ${summary.beyond_coverage} export(s) dated after that day` : "", ".")));
}

function renderTable(determinations) {
  const container = $("check-result");
  container.replaceChildren();
  if (!determinations.length) {
    container.append(el("p", {class: "none"}, "No exports."));
    return;
  }
  const tbody = el("tbody", {});
  determinations.forEach((d, index) => {
    const detailId = `explain-${index}`;
    const button = el("button", {type: "button", class: "expand", "aria-expanded": "false", "aria-controls": detailId,
      "aria-label": `Explain ${d.id}`}, "▸ ", d.id);
    const detail = el("tr", {class: "detail", id: detailId, hidden: true},
      el("td", {colspan: "7"}, el("div", {class: "explanation"}, explanation(d))));
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", String(open));
      button.firstChild.textContent = open ? "▾ " : "▸ ";
      detail.hidden = !open;
    });
    const attention = needsAttention(d);
    const urls = provisionUrls(d);
    tbody.append(
      el("tr", {class: `verdict-row ${attention ? "attention" : ""}`, "data-id": d.id, "data-verdict": d.verdict},
        el("th", {scope: "row"}, button),
        el("td", {}, el("span", {class: `verdict v-${d.verdict}`}, verdictLabel(d))),
        el("td", {class: "flags"}, flagsOf(d).map(([cls, text]) => el("span", {class: `flag ${cls}`}, text))),
        el("td", {}, (d.deciding_provisions ?? []).map((p, i) => [i ? "; " : "", provisionLink(p, urls.get(p))])),
        el("td", {class: "nowrap"}, d.law_as_of ?? ""),
        el("td", {class: "num"}, d.confidence ?? ""),
        el("td", {}, d.license ?? "")),
      detail);
  });
  const table = el("table", {class: "grid check"},
    el("caption", {}, `${determinations.length} export${determinations.length === 1 ? "" : "s"}: select an id to see why`),
    el("thead", {}, el("tr", {}, ["Export", "Verdict", "Flags", "Deciding provisions", "Law as of", "Confidence", "License"]
      .map((h) => el("th", {scope: "col"}, h)))),
    tbody);
  container.append(el("div", {class: "scroll tall"}, table));
  applyFilter();
}

function applyFilter() {
  const only = $("check-attention").checked;
  for (const row of $("check-result").querySelectorAll("tr.verdict-row")) {
    const hide = only && !row.classList.contains("attention");
    row.hidden = hide;
    const detail = row.nextElementSibling;
    const button = row.querySelector("button.expand");
    if (detail) detail.hidden = hide || button.getAttribute("aria-expanded") !== "true";
  }
}

async function run(event) {
  event?.preventDefault();
  const text = $("check-input").value.trim();
  showError($("check-error"), null);
  if (!text) {
    showError($("check-error"), "paste an order book or choose a file first.");
    $("check-input").focus();
    return;
  }
  const json = text.startsWith("[") || text.startsWith("{");
  const asOf = $("check-asof").value;
  const search = new URLSearchParams({counterfactuals: "true"});
  if (asOf) search.set("as_of", asOf);
  const url = `/api/check?${search}`;
  $("check-run").disabled = true;
  $("check-status").textContent = "Checking…";
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: {"Content-Type": json ? "application/json" : "text/csv", Accept: "application/json"},
      body: text + (json ? "" : "\n"),
    });
    if (!response.ok) {
      const error = await readError(response);
      showError($("check-error"), error.error);
      $("check-status").textContent = "The order book was not checked.";
      $("check-summary").replaceChildren();
      $("check-result").replaceChildren();
      $("check-filter").hidden = true;
      return;
    }
    const body = await response.json();
    const determinations = body.determinations ?? [];
    renderSummary(body.summary, body.engine);
    renderTable(determinations);
    $("check-filter").hidden = !determinations.length;
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    $("check-status").textContent = `${determinations.length} export${determinations.length === 1 ? "" : "s"} checked in ${seconds} s.`;
  } catch (error) {
    showError($("check-error"), `the server did not answer (${error.message}).`);
    $("check-status").textContent = "";
  } finally {
    $("check-run").disabled = false;
  }
}

export function initCheck() {
  $("check-form").addEventListener("submit", run);
  $("check-example").addEventListener("click", () => { $("check-input").value = EXAMPLE; $("check-input").focus(); });
  $("check-clear").addEventListener("click", () => {
    $("check-input").value = "";
    $("check-file").value = "";
    $("check-summary").replaceChildren();
    $("check-result").replaceChildren();
    $("check-filter").hidden = true;
    showError($("check-error"), null);
    $("check-status").textContent = "";
  });
  $("check-attention").addEventListener("change", applyFilter);
  $("check-file").addEventListener("change", async () => {
    const file = $("check-file").files[0];
    if (!file) return;
    $("check-input").value = await file.text();
    $("check-status").textContent = `Loaded ${file.name}: press Check.`;
  });
}
