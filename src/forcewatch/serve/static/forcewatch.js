// ForceWatch dashboard: the map of the watchlist and a site's page (Leaflet, vendored; no network).
"use strict";
const fw = (() => {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content;
  const get = async (url) => {
    const r = await fetch(url, { credentials: "same-origin" });
    if (r.status === 401) { location.href = "/login"; throw new Error("signed out"); }
    return r.json();
  };
  const post = (url, body) => fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() }, body: JSON.stringify(body),
  });
  const text = (tag, value, cls) => { const e = document.createElement(tag); e.textContent = value; if (cls) e.className = cls; return e; };
  const CHANGE = { arrived: "#d62728", departed: "#1f77b4", stayed: "#7f7f7f", none: "#2ca02c" };

  async function baseMap() {
    const map = L.map("map", { maxZoom: 19 }).setView([50, 30], 5);
    L.geoJSON(await get("/api/borders"), { style: { color: "#555", weight: 1 } }).addTo(map);
    return map;
  }

  function changeColour(site) {
    const c = site.change;
    if (!c) return CHANGE.none;
    if (c.arrived > 0) return CHANGE.arrived;
    if (c.departed > 0) return CHANGE.departed;
    return CHANGE.stayed;
  }

  async function mapPage() {
    const map = await baseMap();
    const sites = await get("/api/sites");
    const list = document.getElementById("sites");
    const points = [];
    for (const s of sites) {
      const counts = s.latest ? Object.entries(s.latest.counts).map(([k, v]) => `${v} ${k}`).join(", ") || "none validated" : "not scanned";
      if (s.lat != null && s.lon != null) {
        const m = L.circleMarker([s.lat, s.lon], { radius: 8, color: changeColour(s), fillOpacity: 0.8, className: `site-marker site-${s.id}` })
          .bindTooltip(`${s.site}: ${counts}`).on("click", () => { location.href = `/sites/${s.id}`; }).addTo(map);
        points.push(m.getLatLng());
      }
      const li = document.createElement("li");
      const a = text("a", s.site); a.href = `/sites/${s.id}`; a.className = "site-link";
      li.append(a, text("span", ` — ${counts}`));
      if (s.latest && Object.keys(s.latest.unvalidated_candidates || {}).length) {
        li.append(text("span", ` (unvalidated candidates: ${Object.entries(s.latest.unvalidated_candidates).map(([k, v]) => `${v} ${k}`).join(", ")})`, "unvalidated"));
      }
      list.append(li);
    }
    if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.5), { maxZoom: 12 });
    for (const a of await get("/api/alerts")) document.getElementById("alerts").append(text("li", `${a.site}: ${a.message}`));
  }

  async function sitePage(siteId, canWrite) {
    const map = await baseMap();
    const doc = await get(`/api/sites/${siteId}`);
    document.getElementById("site-name").textContent = doc.site;
    if (doc.lat != null) map.setView([doc.lat, doc.lon], 15);
    const table = document.getElementById("timeline");
    const classes = [...new Set(doc.observations.flatMap((o) => [...Object.keys(o.counts), ...Object.keys(o.unvalidated_candidates || {}), ...Object.keys(o.not_observable || {})]))].sort();
    const head = document.createElement("tr");
    head.append(text("th", "date"), ...classes.map((c) => text("th", c)));
    table.append(head);
    let layer = null, imagery = null, selected = null, shown = 0;
    const show = async (obs, row) => {
      table.querySelectorAll("tr.current").forEach((r) => r.classList.remove("current"));
      row.classList.add("current");
      const asked = ++shown;
      const fc = await get(`/api/sites/${siteId}/detections?scene=${obs.scene_id}`);
      if (asked !== shown) return;  // a later date was chosen meanwhile
      if (layer) layer.remove();
      if (imagery) imagery.remove();
      imagery = L.tileLayer(`/api/scenes/${obs.scene_id}/tiles/{z}/{x}/{y}.png`, { maxZoom: 19, maxNativeZoom: 22 }).addTo(map);
      layer = L.geoJSON(fc, {
        style: (f) => ({ color: CHANGE[f.properties.status] || "#ff7f0e", weight: 2, fillOpacity: 0.4, className: `detection det-${f.properties.id}` }),
        onEachFeature: (f, l) => l.on("click", () => select(f, l)),
      }).addTo(map);
      if (fc.features.length) map.fitBounds(layer.getBounds().pad(0.3));
      selected = null;
      document.getElementById("selected").textContent = "";
    };
    const select = (f, l) => {
      if (selected) selected.l.setStyle({ weight: 2 });
      selected = { f, l }; l.setStyle({ weight: 5 });
      document.getElementById("selected").textContent = `detection ${f.properties.id}: ${f.properties.class} ${f.properties.score} ${f.properties.status || ""} ${f.properties.review || "not reviewed"}`;
    };
    doc.observations.forEach((o, i) => {
      const row = document.createElement("tr"); row.className = "date"; row.dataset.scene = o.scene_id;
      row.append(text("td", o.acquired.slice(0, 10)));
      for (const c of classes) {
        if (c in (o.not_observable || {})) row.append(text("td", "not observed", "unvalidated"));
        else if (c in o.counts) row.append(text("td", String(o.counts[c])));
        else if (c in (o.unvalidated_candidates || {})) row.append(text("td", `${o.unvalidated_candidates[c]} (unvalidated)`, "unvalidated"));
        else row.append(text("td", "0"));
      }
      row.addEventListener("click", () => show(o, row));
      table.append(row);
      if (i === doc.observations.length - 1) show(o, row);
    });
    document.addEventListener("keydown", (e) => {  // n: select the next detection (keyboard review)
      if (e.key !== "n" || !layer) return;
      const items = layer.getLayers().filter((l) => l.feature.properties.id != null);
      if (!items.length) return;
      const at = selected ? items.indexOf(selected.l) : -1;
      const next = items[(at + 1) % items.length];
      select(next.feature, next);
    });
    if (!canWrite) return;
    document.addEventListener("keydown", async (e) => {
      if (!selected || selected.f.properties.id == null || !(e.key === "a" || e.key === "r")) return;
      const r = await post(`/api/detections/${selected.f.properties.id}/review`, { verdict: e.key === "a" ? "accept" : "reject" });
      if (r.ok) {
        const lab = await r.json();
        selected.f.properties.review = lab.status;
        document.getElementById("selected").textContent = `detection ${selected.f.properties.id}: ${lab.status} by ${lab.who}`;
        document.getElementById("selected").dataset.review = lab.status;
        selected.l.setStyle({ dashArray: lab.status === "rejected" ? "4" : null });
      }
    });
  }
  return { mapPage, sitePage };
})();
