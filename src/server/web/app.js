// alertbridge responders' page: plain JavaScript over the JSON API, no build step, no libraries.
// Every value from the API is put on the page as text (textContent / text nodes), never as HTML.
"use strict";
(function () {
  const TOKEN_KEY = "alertbridge.token";
  const NAME_KEY = "alertbridge.name";
  const SEVERITIES = ["SEV1", "SEV2", "SEV3", "SEV4", "SEV5"];
  const main = document.getElementById("main");
  const statusLine = document.getElementById("status");
  let refreshTimer = null;
  let clockTimer = null;

  // ---- DOM helpers: text only ------------------------------------------------------------
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "className") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function show(...nodes) { clear(main); for (const n of nodes.flat()) if (n) main.appendChild(n); }
  function setStatus(text, error) {
    statusLine.textContent = text || "";
    statusLine.className = error ? "error" : "";
  }
  // A link only for http(s) URLs; anything else is shown as text.
  function link(url, text) {
    if (typeof url === "string" && /^https?:\/\//i.test(url)) {
      return el("a", { href: url, rel: "noopener noreferrer", target: "_blank", text: text || url });
    }
    return document.createTextNode(url ? String(url) : "—");
  }

  // ---- time -------------------------------------------------------------------------------
  function fmtDur(seconds) {
    if (seconds === null || seconds === undefined || isNaN(seconds)) return "—";
    const neg = seconds < 0;
    let s = Math.round(Math.abs(seconds));
    const parts = [];
    for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]]) {
      if (s >= size) { parts.push(Math.floor(s / size) + unit); s %= size; }
    }
    if (s || parts.length === 0) parts.push(s + "s");
    return (neg ? "-" : "") + parts.slice(0, 2).join(" ");
  }
  function fmtTime(iso) {
    if (!iso) return "—";
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  }
  function since(iso) { return iso ? (Date.now() - Date.parse(iso)) / 1000 : null; }
  // A countdown cell: updated every second from its data-due.
  function countdown(label, iso) {
    if (!iso) return null;
    return el("div", { className: "countdown", dataset: { due: iso, label: label } });
  }
  function tickCountdowns() {
    for (const node of document.querySelectorAll(".countdown")) {
      const left = (Date.parse(node.dataset.due) - Date.now()) / 1000;
      node.textContent = node.dataset.label + (left >= 0 ? " in " + fmtDur(left)
                                                         : " overdue by " + fmtDur(-left));
      node.classList.toggle("overdue", left < 0);
    }
    for (const node of document.querySelectorAll(".age")) {
      node.textContent = fmtDur(since(node.dataset.since));
    }
  }

  // ---- API ----------------------------------------------------------------------------------
  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }
  async function api(method, path, body) {
    const headers = { "Accept": "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers["Authorization"] = "Bearer " + token;
    const init = { method: method, headers: headers, credentials: "same-origin" };
    if (method !== "GET") {
      // State-changing requests are JSON, always (the server refuses anything else).
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body || {});
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let data = text;
    if ((response.headers.get("Content-Type") || "").startsWith("application/json")) {
      try { data = JSON.parse(text); } catch (e) { data = text; }
    }
    if (!response.ok) {
      const message = data && data.error ? data.error : response.status + " " + response.statusText;
      if (response.status === 401 || response.status === 403) {
        throw new ApiError(response.status, message + " — enter an API token under Token");
      }
      throw new ApiError(response.status, message);
    }
    return data;
  }
  function actor() {
    const name = sessionStorage.getItem(NAME_KEY);
    return name ? { actor: name } : {};
  }
  async function act(id, action, body) {
    setStatus(action + "…");
    try {
      const result = await api("POST", "/api/v1/incidents/" + encodeURIComponent(id) + "/" + action,
                               Object.assign(actor(), body || {}));
      setStatus(action + (result.changed ? " done" : ": nothing to change"));
    } catch (e) {
      setStatus(action + " failed: " + e.message, true);
    }
    await route();
  }

  // ---- incidents list -------------------------------------------------------------------------
  function sevBadge(sev) { return el("span", { className: "sev sev-" + sev, text: sev }); }
  function flags(inc) {
    return (inc.flags || []).map((f) => el("span", { className: "flag", text: f }));
  }
  function slaCell(inc) {
    const sla = inc.sla || {};
    const cell = el("td", { className: "sla" });
    if (sla.paused) cell.appendChild(el("div", { text: "paused (muted)" }));
    cell.appendChild(countdown("ack", sla.ack_due_at) || document.createTextNode(""));
    const resolve = countdown("resolve", sla.resolve_due_at);
    if (resolve) cell.appendChild(resolve);
    const update = countdown("update", sla.next_update_at);
    if (update) cell.appendChild(update);
    if ((sla.breached || []).length) {
      cell.appendChild(el("div", { className: "overdue", text: "breached: " + sla.breached.join(", ") }));
    }
    return cell;
  }
  async function incidentsPage() {
    const data = await api("GET", "/api/v1/incidents?state=open&limit=500");
    const incidents = data.incidents.slice().sort((a, b) =>
      a.priority === b.priority ? Date.parse(a.declared_at) - Date.parse(b.declared_at)
                                : (a.priority < b.priority ? -1 : 1));
    const rows = incidents.map((inc) => el("tr", {
        className: "incident", dataset: { id: inc.id },
        onclick: () => { location.hash = "#/incident/" + inc.id; } },
      el("td", {}, sevBadge(inc.priority)),
      el("td", { className: "mono", text: inc.id }),
      el("td", {}, el("a", { href: "#/incident/" + inc.id, text: inc.title })),
      el("td", {}, inc.state, flags(inc)),
      el("td", { className: "age", dataset: { since: inc.declared_at } }),
      slaCell(inc),
      el("td", { text: inc.owner.team || "—" }),
      el("td", { text: inc.owner.commander || "—" }),
      el("td", { text: inc.owner.communications || "—" }),
      el("td", { text: inc.alerts_firing + " / " + inc.alerts_total })));
    show(el("h2", { text: "Open incidents (" + incidents.length + ")" }),
         incidents.length === 0 ? el("p", { className: "muted-text", text: "Nothing open." }) :
         el("table", { id: "incidents" },
            el("thead", {}, el("tr", {}, ["Priority", "ID", "Title", "State", "Age", "SLA", "Team",
                                           "Commander", "Comms", "Alerts"].map((h) => el("th", { text: h })))),
            el("tbody", {}, rows)));
  }

  // ---- one incident ---------------------------------------------------------------------------
  function detailsText(details) {
    if (!details || typeof details !== "object") return "";
    return Object.entries(details).map(([k, v]) =>
      k + ": " + (typeof v === "string" ? v : JSON.stringify(v))).join(", ");
  }
  function labelsText(labels) {
    return Object.entries(labels || {}).map(([k, v]) => k + "=" + JSON.stringify(v)).join(", ");
  }
  function field(name, placeholder) {
    return el("input", { name: name, placeholder: placeholder, "aria-label": placeholder });
  }
  function actionForms(inc) {
    const id = inc.id;
    const open = inc.state === "declared" || inc.state === "acknowledged";
    const buttons = el("div", { className: "inline" },
      el("button", { id: "ack", className: "primary", disabled: inc.state !== "declared",
                     onclick: () => act(id, "ack") , text: "Acknowledge" }),
      el("button", { id: "resolve", disabled: !open, onclick: () => act(id, "resolve"),
                     text: "Resolve" }),
      el("button", { id: "reopen", disabled: inc.state !== "resolved",
                     onclick: () => act(id, "reopen"), text: "Reopen" }));

    const noteText = el("textarea", { name: "text", placeholder: "Note", "aria-label": "Note" });
    const isUpdate = el("input", { type: "checkbox", name: "update", id: "note-update" });
    const note = el("form", { className: "inline", id: "note-form", onsubmit: (ev) => {
        ev.preventDefault();
        if (noteText.value.trim()) act(id, "note", { text: noteText.value, update: isUpdate.checked });
      } }, noteText, el("label", {}, isUpdate, " this is the status update"),
      el("button", { type: "submit", text: "Add note" }));

    const team = field("team", "team"), commander = field("commander", "commander"),
          comms = field("communications", "communications");
    const assign = el("form", { className: "inline", id: "assign-form", onsubmit: (ev) => {
        ev.preventDefault();
        const body = {};
        if (team.value) body.team = team.value;
        if (commander.value) body.commander = commander.value;
        if (comms.value) body.communications = comms.value;
        if (Object.keys(body).length) act(id, "assign", body);
      } }, team, commander, comms, el("button", { type: "submit", text: "Assign" }));

    const sev = el("select", { name: "priority", "aria-label": "priority" },
                   SEVERITIES.map((s) => el("option", { value: s, selected: s === inc.priority, text: s })));
    const severity = el("form", { className: "inline", id: "severity-form", onsubmit: (ev) => {
        ev.preventDefault(); act(id, "severity", { priority: sev.value });
      } }, sev, el("button", { type: "submit", text: "Set priority" }));

    const forms = [buttons, note, assign, severity];
    if (inc.state === "resolved") {
      const resolution = field("resolution", "resolution"), cause = field("cause", "cause");
      const runbook = el("input", { type: "checkbox", name: "runbook_updated" });
      forms.push(el("form", { className: "inline", id: "close-form", onsubmit: (ev) => {
          ev.preventDefault();
          act(id, "close", { resolution: resolution.value, cause: cause.value,
                             runbook_updated: runbook.checked });
        } }, resolution, cause, el("label", {}, runbook, " runbook updated"),
        el("button", { type: "submit", text: "Close" })));
    }
    return el("section", {}, el("h2", { text: "Actions" }), forms);
  }
  async function incidentPage(id) {
    const inc = await api("GET", "/api/v1/incidents/" + encodeURIComponent(id));
    const sla = inc.sla || {};
    const facts = el("dl", { className: "facts", id: "facts" },
      el("dt", { text: "State" }), el("dd", { id: "state" }, inc.state, flags(inc)),
      el("dt", { text: "Priority" }), el("dd", {}, sevBadge(inc.priority), " base " + inc.base_severity),
      el("dt", { text: "Rule" }), el("dd", { className: "mono", text: inc.rule }),
      el("dt", { text: "Group" }), el("dd", { className: "mono", text: labelsText(inc.group) }),
      el("dt", { text: "Key" }), el("dd", { className: "mono", text: inc.key }),
      el("dt", { text: "Declared" }), el("dd", {}, fmtTime(inc.declared_at), " (",
                                          el("span", { className: "age", dataset: { since: inc.declared_at } }), " ago)"),
      el("dt", { text: "Acknowledged" }), el("dd", { text: fmtTime(inc.acknowledged_at) }),
      el("dt", { text: "Resolved" }), el("dd", { text: fmtTime(inc.resolved_at) }),
      el("dt", { text: "SLA" }), el("dd", {}, sla.paused ? "paused (muted) " : "",
                                    countdown("ack", sla.ack_due_at), countdown("escalation", sla.next_escalation_at),
                                    countdown("resolve", sla.resolve_due_at),
                                    countdown("next status update", sla.next_update_at),
                                    (sla.breached || []).length ? "breached: " + sla.breached.join(", ") : ""),
      el("dt", { text: "Team" }), el("dd", { id: "team", text: inc.owner.team || "—" }),
      el("dt", { text: "Commander" }), el("dd", { id: "commander", text: inc.owner.commander || "—" }),
      el("dt", { text: "Communications" }), el("dd", { id: "communications", text: inc.owner.communications || "—" }),
      el("dt", { text: "Runbook" }), el("dd", {}, link(inc.runbook)),
      el("dt", { text: "Summary" }), el("dd", { text: inc.summary || "—" }),
      el("dt", { text: "Accounts" }), el("dd", { text: (inc.accounts || []).join(", ") || "—" }));

    const refs = (inc.external_refs || []).map((r) => el("tr", {},
      el("td", { text: r.receiver }), el("td", { text: r.type }), el("td", { className: "mono", text: r.id }),
      el("td", {}, link(r.url))));
    const notes = (inc.timeline || []).filter((e) => e.type === "note_added").map((e) =>
      el("li", {}, el("span", { className: "muted-text", text: fmtTime(e.at) + " " + e.actor + ": " }),
         e.details.text || "", e.details.update ? el("span", { className: "flag", text: "update" }) : null));
    const timeline = (inc.timeline || []).map((e) => el("tr", {},
      el("td", { className: "mono", text: fmtTime(e.at) }), el("td", { text: e.type }),
      el("td", { text: e.actor }), el("td", { text: detailsText(e.details) })));
    const alerts = (inc.alerts || []).map((a) => el("tr", {},
      el("td", { text: a.status + (a.stale ? " (stale)" : "") }),
      el("td", { className: "mono labels", text: labelsText(a.labels) }),
      el("td", { text: fmtTime(a.starts_at) }), el("td", { text: fmtTime(a.resolved_at) })));
    const review = el("pre", { id: "review", className: "mono" });
    show(el("h2", {}, sevBadge(inc.priority), " Incident " + inc.id + ": ", el("span", { id: "title", text: inc.title })),
         facts, actionForms(inc),
         el("section", {}, el("h2", { text: "Notes" }),
            notes.length ? el("ul", {}, notes) : el("p", { className: "muted-text", text: "No notes." })),
         el("section", {}, el("h2", { text: "Timeline" }), el("table", { id: "timeline" },
            el("thead", {}, el("tr", {}, ["Time", "Event", "Actor", "Details"].map((h) => el("th", { text: h })))),
            el("tbody", {}, timeline))),
         el("section", {}, el("h2", { text: "Alerts" }), el("table", { id: "alerts" },
            el("thead", {}, el("tr", {}, ["Status", "Labels", "Started", "Resolved"].map((h) => el("th", { text: h })))),
            el("tbody", {}, alerts))),
         el("section", {}, el("h2", { text: "External references" }),
            refs.length ? el("table", {}, el("tbody", {}, refs)) : el("p", { className: "muted-text", text: "None yet." })),
         el("section", {}, el("h2", { text: "Review draft" }),
            el("button", { onclick: async () => {
              try { review.textContent = await api("GET", "/api/v1/incidents/" + encodeURIComponent(id) + "/review"); }
              catch (e) { setStatus(e.message, true); }
            }, text: "Show Markdown draft" }), review));
  }

  // ---- silences -------------------------------------------------------------------------------
  // `service="db", env=~"prod|stage"` -> Alertmanager v2 matchers.
  function parseMatchers(text) {
    const out = [];
    let rest = text.trim().replace(/^\{/, "").replace(/\}$/, "");
    const re = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*))\s*(?:,|$)/;
    while (rest.trim()) {
      const m = re.exec(rest);
      if (!m) throw new Error("cannot read matchers at: " + rest);
      const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, "$1") : m[4].trim();
      out.push({ name: m[1], value: value, isRegex: m[2].includes("~"), isEqual: !m[2].startsWith("!") });
      rest = rest.slice(m[0].length);
    }
    return out;
  }
  function matchersText(matchers) {
    return matchers.map((m) => m.name + (m.isEqual ? "" : "!") + (m.isRegex ? "=~" : (m.isEqual ? "=" : "")) +
                               JSON.stringify(m.value)).join(", ");
  }
  async function silencesPage() {
    const silences = await api("GET", "/api/v1/silences");
    const rows = silences.map((s) => el("tr", {},
      el("td", { text: s.status.state }), el("td", { className: "mono", text: matchersText(s.matchers) }),
      el("td", { text: fmtTime(s.startsAt) }), el("td", { text: fmtTime(s.endsAt) }),
      el("td", { text: s.createdBy }), el("td", { text: s.comment }), el("td", { text: s.origin }),
      el("td", {}, s.origin === "api" && s.status.state !== "expired" ? el("button", {
        text: "Expire", onclick: async () => {
          try { await api("DELETE", "/api/v1/silences/" + encodeURIComponent(s.id)); setStatus("silence expired"); }
          catch (e) { setStatus(e.message, true); }
          route();
        } }) : null)));
    const matchers = field("matchers", 'matchers, e.g. service="db", env="prod"');
    matchers.size = 40;
    const hours = el("input", { name: "hours", type: "number", min: "0.1", step: "0.1", value: "2",
                                "aria-label": "hours" });
    const comment = field("comment", "comment");
    const by = field("createdBy", "created by");
    by.value = sessionStorage.getItem(NAME_KEY) || "";
    const form = el("form", { className: "inline", id: "silence-form", onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const start = new Date();
          const end = new Date(start.getTime() + parseFloat(hours.value) * 3600 * 1000);
          await api("POST", "/api/v1/silences", { matchers: parseMatchers(matchers.value),
            startsAt: start.toISOString(), endsAt: end.toISOString(), createdBy: by.value, comment: comment.value });
          setStatus("silence created");
        } catch (e) { setStatus(e.message, true); }
        route();
      } }, matchers, "for", hours, "hours", comment, by, el("button", { type: "submit", className: "primary", text: "Silence" }));
    show(el("h2", { text: "New silence" }), form,
         el("h2", { text: "Silences and maintenance windows" }),
         el("table", { id: "silences" },
            el("thead", {}, el("tr", {}, ["State", "Matchers", "Starts", "Ends", "By", "Comment", "From", ""].map((h) => el("th", { text: h })))),
            el("tbody", {}, rows)));
  }

  // ---- KPIs -----------------------------------------------------------------------------------
  function pct(x) { return x === null || x === undefined ? "—" : Math.round(x * 1000) / 10 + "%"; }
  async function kpisPage() {
    const sections = [];
    for (const by of ["severity", "team", "rule"]) {
      const data = await api("GET", "/api/v1/stats?by=" + by);
      const row = (key, g) => el("tr", {}, el("td", { text: key }), el("td", { text: g.count }),
        el("td", { text: fmtDur(g.mtta_seconds) }), el("td", { text: fmtDur(g.mttr_seconds) }),
        el("td", { text: pct(g.sla_compliance) }), el("td", { text: pct(g.escalation_rate) }),
        el("td", { text: pct(g.reopen_rate) }), el("td", { text: fmtDur(g.time_to_first_update_seconds) }));
      sections.push(el("h3", { text: "By " + by }), el("table", { className: "kpis", id: "kpis-" + by },
        el("thead", {}, el("tr", {}, [by, "Incidents", "MTTA", "MTTR", "SLA compliance", "Escalated",
                                      "Reopened", "First update"].map((h) => el("th", { text: h })))),
        el("tbody", {}, data.groups.map((g) => row(g[by] || "(none)", g)), row("all", data.total))));
      if (by === "severity") sections.unshift(el("p", { className: "muted-text",
        text: "From " + fmtTime(data.from) + " to " + fmtTime(data.to) }));
    }
    show(el("h2", { text: "KPIs, last 30 days" }), sections);
  }

  // ---- token ------------------------------------------------------------------------------------
  function settingsPage(message) {
    const token = el("input", { type: "password", name: "token", id: "token", autocomplete: "off",
                                placeholder: "API token", "aria-label": "API token" });
    const name = el("input", { name: "name", id: "name", placeholder: "your name (timeline actor)",
                               "aria-label": "your name" });
    name.value = sessionStorage.getItem(NAME_KEY) || "";
    show(el("h2", { text: "API token" }),
         message ? el("p", { className: "overdue", text: message }) : null,
         el("p", { className: "muted-text", text: "Kept in this tab's session storage only; sent as " +
                   "Authorization: Bearer. A read token shows incidents; actions need a write token." }),
         el("form", { className: "inline", id: "token-form", onsubmit: (ev) => {
             ev.preventDefault();
             if (token.value) sessionStorage.setItem(TOKEN_KEY, token.value);
             if (name.value) sessionStorage.setItem(NAME_KEY, name.value); else sessionStorage.removeItem(NAME_KEY);
             setStatus("saved");
             // The form also shows in place of a page that got a 401: reload that page (setting
             // the hash it already has would change nothing).
             if ((location.hash || "#/") === "#/") route(); else location.hash = "#/";
           } }, token, name, el("button", { type: "submit", className: "primary", text: "Save" }),
           el("button", { type: "button", text: "Forget token", onclick: () => {
             sessionStorage.removeItem(TOKEN_KEY); setStatus("token forgotten"); } })));
  }

  // ---- routing ------------------------------------------------------------------------------------
  async function route() {
    if (refreshTimer) { clearTimeout(refreshTimer); refreshTimer = null; }
    const hash = location.hash || "#/";
    for (const a of document.querySelectorAll("nav a")) {
      a.classList.toggle("active", hash === a.getAttribute("href") ||
                         (a.id === "nav-incidents" && hash.startsWith("#/incident")));
    }
    try {
      let m;
      if ((m = /^#\/incident\/(\d+)$/.exec(hash))) await incidentPage(m[1]);
      else if (hash === "#/silences") await silencesPage();
      else if (hash === "#/kpis") await kpisPage();
      else if (hash === "#/settings") settingsPage();
      else {
        await incidentsPage();
        refreshTimer = setTimeout(route, 15000);
      }
      document.body.dataset.loaded = hash;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) settingsPage(e.message);
      else show(el("p", { className: "overdue", text: "Could not load: " + e.message }));
      document.body.dataset.loaded = hash;
    }
    tickCountdowns();
  }
  window.addEventListener("hashchange", route);
  clockTimer = setInterval(tickCountdowns, 1000);
  void clockTimer;
  route();
})();
