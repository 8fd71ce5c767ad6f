// The workbench: tabs (WAI-ARIA tabs pattern, arrow keys), the location hash as the open tab.
import {initLibrary} from "./library.js";
import {initSparql} from "./sparql.js";
import {initCheck} from "./check.js";
import {initTimeline} from "./timeline.js";

const tabs = [...document.querySelectorAll('[role="tab"]')];

function show(name, focus = false) {
  const tab = tabs.find((t) => t.dataset.tab === name) ?? tabs[0];
  for (const t of tabs) {
    const selected = t === tab;
    t.setAttribute("aria-selected", String(selected));
    t.tabIndex = selected ? 0 : -1;
    document.getElementById(t.getAttribute("aria-controls")).hidden = !selected;
  }
  if (focus) tab.focus();
  if (tab.dataset.tab === "compare") {
    const frame = document.getElementById("compare-frame");
    if (!frame.getAttribute("src")) frame.setAttribute("src", frame.dataset.src);
  }
  const hash = location.hash.slice(1);
  if (hash.split("/")[0] !== tab.dataset.tab) history.replaceState(null, "", `#${tab.dataset.tab}`);
}

for (const tab of tabs) {
  tab.addEventListener("click", () => show(tab.dataset.tab));
  tab.addEventListener("keydown", (event) => {
    const index = tabs.indexOf(tab);
    const next = {ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1}[event.key];
    if (next === undefined) return;
    event.preventDefault();
    show(tabs[(next + tabs.length) % tabs.length].dataset.tab, true);
  });
}
document.getElementById("compare-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const search = new URLSearchParams();
  for (const input of event.target.querySelectorAll("input")) {
    if (input.value.trim()) search.set(input.name, input.value.trim());
  }
  const url = search.size ? `/compare?${search}` : "/compare";
  document.getElementById("compare-frame").setAttribute("src", url);
  document.getElementById("compare-link").setAttribute("href", url);
});

window.addEventListener("hashchange", () => show(location.hash.slice(1).split("/")[0]));

// the graph the server answers from: the date of its law, its size
fetch("/api/info", {headers: {Accept: "application/json"}})
  .then((response) => (response.ok ? response.json() : null))
  .then((info) => {
    if (!info) return;
    document.getElementById("server-info").textContent =
      `Law as of ${info.as_of} · ${Number(info.triples).toLocaleString("en")} triples · version ${info.version}`;
  })
  .catch(() => {});

const [section, detail] = location.hash.slice(1).split("/");
show(section || "library");
initSparql();
initCheck();
initTimeline();
initLibrary(section === "library" ? decodeURIComponent(detail ?? "") : "");
