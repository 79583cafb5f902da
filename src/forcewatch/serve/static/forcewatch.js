// ForceWatch dashboard: the map of the watchlist and a site's page (Leaflet and pmtiles, vendored; no CDN).
"use strict";
const fw = (() => {
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content;
  const $ = (id) => document.getElementById(id);
  const get = async (url) => {
    const r = await fetch(url, { credentials: "same-origin" });
    if (r.status === 401) { location.href = "/login"; throw new Error("signed out"); }
    return r.json();
  };
  const post = (url, body) => fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() }, body: JSON.stringify(body || {}),
  });
  const detail = async (r) => {  // the error an API answer carries, as one line
    try {
      const d = (await r.json()).detail;
      return Array.isArray(d) ? d.map((e) => `${(e.loc || []).slice(1).join(".")}: ${e.msg}`).join("; ") : String(d);
    } catch (e) { return `HTTP ${r.status}`; }
  };
  const text = (tag, value, cls) => { const e = document.createElement(tag); e.textContent = value; if (cls) e.className = cls; return e; };
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const countsText = (counts) => Object.entries(counts || {}).map(([k, v]) => `${v} ${k}`).join(", ");
  const CHANGE = { arrived: "#d62728", departed: "#1f77b4", stayed: "#7f7f7f", none: "#2ca02c" };
  const CAMP = { new: "#d62728", grown: "#ff7f0e", shrunk: "#1f77b4", gone: "#1f77b4", unchanged: "#7f7f7f" };
  const LABEL = { added: "#e377c2", accepted: "#2ca02c", rejected: "#d62728" };
  const maps = {};  // the page's Leaflet maps (main, left), for the browser tests and the console
  const remember = (key, value) => { try { if (value === undefined) return localStorage.getItem(key); localStorage.setItem(key, value); } catch (e) { /* private mode */ } return null; };

  // ---- basemaps: the bundled borders by default, the server's --basemap sources as alternatives
  function basemapLayer(b) {
    if (b.kind === "pmtiles") {
      const source = new pmtiles.PMTiles(b.url);
      const layer = pmtiles.leafletRasterLayer(source, { maxZoom: 22, zIndex: 1, attribution: esc(b.name), className: `basemap basemap-${b.id}` });
      source.getHeader().then((h) => {  // beyond the archive's zooms, its deepest tiles are scaled up
        layer.options.minNativeZoom = h.minZoom; layer.options.maxNativeZoom = h.maxZoom;
        if (layer._map) layer.redraw();
      }).catch((e) => console.error(`basemap ${b.name}: ${e}`));
      return layer;
    }
    return L.tileLayer(b.url, { maxZoom: 22, maxNativeZoom: 19, zIndex: 1, attribution: esc(b.name), className: `basemap basemap-${b.id}` });
  }

  async function baseMap(id, borders, basemaps) {
    const map = L.map(id, { maxZoom: 22 }).setView([50, 30], 5);
    const bases = { "Borders only": L.layerGroup() };
    for (const b of basemaps) bases[b.name] = basemapLayer(b);
    const chosen = remember("fw-basemap");
    (bases[chosen] || bases["Borders only"]).addTo(map);
    map.on("baselayerchange", (e) => remember("fw-basemap", e.name));
    const lines = L.geoJSON(borders, { style: { color: "#555", weight: 1 }, interactive: false }).addTo(map);
    const control = L.control.layers(bases, { Borders: lines }, { collapsed: false }).addTo(map);
    return { map, control };
  }

  const loadBase = () => Promise.all([get("/api/borders"), get("/api/basemaps")]);

  // ---- downloads (the brief): fetched, then saved from a blob, so that an error shows in the page
  async function download(url, statusEl) {
    statusEl.textContent = "Writing the brief…";
    const r = await fetch(url, { credentials: "same-origin" });
    if (!r.ok) { statusEl.textContent = `The brief failed: ${await detail(r)}`; statusEl.className = "status error"; return; }
    const name = ((r.headers.get("content-disposition") || "").match(/filename="([^"]+)"/) || [])[1] || "brief.html";
    const blob = await r.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob); a.download = name;
    document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
    statusEl.className = "status";
    statusEl.textContent = `Downloaded ${name} (${Math.round(blob.size / 1024)} kB).`;
    statusEl.dataset.file = name;
  }

  // ---- the watchlist
  function changeColour(site) {
    const c = site.change;
    if (!c) return CHANGE.none;
    if (c.arrived > 0) return CHANGE.arrived;
    if (c.departed > 0) return CHANGE.departed;
    return CHANGE.stayed;
  }

  async function mapPage() {
    const [borders, basemaps] = await loadBase();
    const { map, control } = await baseMap("map", borders, basemaps);
    maps.main = map;
    const lineSelect = $("line");
    lineSelect.value = remember("fw-line") || "UKR";
    let markers = L.layerGroup().addTo(map), line = null, nearest = L.layerGroup().addTo(map), fitted = false;
    control.addOverlay(markers, "Sites");
    const draw = async () => {
      const code = lineSelect.value;
      const [sites, border] = await Promise.all([get(`/api/sites?line=${encodeURIComponent(code)}`), get(`/api/border-line?line=${encodeURIComponent(code)}`)]);
      if (line) { control.removeLayer(line); line.remove(); }
      line = L.geoJSON(border, { style: { color: "#c0392b", weight: 2.5, opacity: 0.8 }, interactive: false }).addTo(map);
      control.addOverlay(line, `Border: ${code}`);
      markers.clearLayers(); nearest.clearLayers();
      $("km-head").textContent = `km to ${code}`;
      $("km-head").title = border.properties.line;
      const body = $("sites").tBodies[0];
      body.textContent = "";
      const points = [];
      for (const s of sites) {
        const counts = s.latest ? countsText(s.latest.counts) || "none validated" : "not scanned";
        const km = s.distance ? s.distance.distance_km : null;
        const kmText = km == null ? "–" : km.toLocaleString("en", { maximumFractionDigits: 1 });
        if (s.lat != null && s.lon != null) {
          const change = s.change ? `${s.change.arrived} arrived, ${s.change.departed} departed, ${s.change.stayed} stayed` : "never compared";
          const cands = s.latest && Object.keys(s.latest.unvalidated_candidates || {}).length
            ? `<br><i>unvalidated candidates: ${esc(countsText(s.latest.unvalidated_candidates))}</i>` : "";
          const popup = `<b>${esc(s.site)}</b> (${esc(s.kind)})<br>${esc(counts)}${cands}<br>latest change: ${esc(change)}`
            + (km == null ? "" : `<br><span class="distance">${kmText} km</span> to the ${esc(s.distance.line)}`)
            + `<br><a href="/sites/${s.id}">Open the site</a>`;
          const m = L.circleMarker([s.lat, s.lon], { radius: 8, color: changeColour(s), fillOpacity: 0.8, className: `site-marker site-${s.id}` })
            .bindTooltip(`${s.site}: ${counts}${km == null ? "" : ` · ${kmText} km`}`).bindPopup(popup).addTo(markers);
          if (s.distance) {
            m.on("popupopen", () => {
              nearest.clearLayers();
              L.polyline([[s.lat, s.lon], [s.distance.nearest_point.lat, s.distance.nearest_point.lon]], { color: "#c0392b", dashArray: "6 4", weight: 2, className: "nearest" }).addTo(nearest);
            });
            m.on("popupclose", () => nearest.clearLayers());
          }
          points.push(m.getLatLng());
        }
        const tr = document.createElement("tr");
        const td = document.createElement("td");
        const a = text("a", s.site); a.href = `/sites/${s.id}`; a.className = "site-link";
        td.append(a);
        const countsCell = text("td", counts);
        if (s.latest && Object.keys(s.latest.unvalidated_candidates || {}).length) {
          countsCell.append(text("span", ` (unvalidated candidates: ${countsText(s.latest.unvalidated_candidates)})`, "unvalidated"));
        }
        const kmCell = text("td", kmText, "num distance");
        tr.append(td, countsCell, kmCell);
        body.append(tr);
      }
      if (points.length && !fitted) { map.fitBounds(L.latLngBounds(points).pad(0.5), { maxZoom: 12 }); fitted = true; }
      document.body.dataset.line = code;
    };
    lineSelect.addEventListener("change", () => { remember("fw-line", lineSelect.value); draw(); });
    $("brief-all").addEventListener("click", () => download(`/api/brief?line=${encodeURIComponent(lineSelect.value)}`, $("brief-status")));
    await draw();
    for (const a of await get("/api/alerts")) $("alerts").append(text("li", `${a.site}: ${a.message}`));
  }

  // ---- a site: one view per map (the main one, and the left one of the side-by-side)
  function makeView(map, control, siteId, canSelect) {
    const groups = {
      Imagery: L.layerGroup(), Detections: L.layerGroup(), Labels: L.layerGroup(), Camps: L.layerGroup(), "New activity": L.layerGroup(),
    };
    for (const [name, g] of Object.entries(groups)) { g.addTo(map); control.addOverlay(g, name); }
    const view = { map, control, groups, index: -1, asked: 0, detections: null, onSelect: null };
    view.show = async (obs, index) => {
      const asked = ++view.asked;
      const scene = obs.scene_id;
      const [fc, over, labels] = await Promise.all([
        get(`/api/sites/${siteId}/detections?scene=${scene}`),
        get(`/api/sites/${siteId}/overlays?scene=${scene}`),
        get(`/api/scenes/${scene}/labels?geojson=true`),
      ]);
      if (asked !== view.asked) return;  // a later date was chosen meanwhile
      view.index = index; view.scene = scene; view.obs = obs;
      for (const g of Object.values(groups)) g.clearLayers();
      L.tileLayer(`/api/scenes/${scene}/tiles/{z}/{x}/{y}.png`, { maxZoom: 22, maxNativeZoom: 22, zIndex: 10, className: "imagery" }).addTo(groups.Imagery);
      view.detections = L.geoJSON(fc, {
        style: (f) => ({ color: CHANGE[f.properties.status] || "#ff7f0e", weight: 2, fillOpacity: 0.3,
          dashArray: f.properties.review === "rejected" ? "4" : null, className: `detection det-${f.properties.id}` }),
        onEachFeature: (f, l) => {
          l.bindTooltip(`${f.properties.class} ${f.properties.score ?? ""} ${f.properties.status || ""}${f.properties.review ? ` (${f.properties.review})` : ""}`);
          if (canSelect) l.on("click", () => view.onSelect && view.onSelect(f, l));
        },
      }).addTo(groups.Detections);
      L.geoJSON(over.camps, {
        style: (f) => ({ color: CAMP[f.properties.status] || "#7f7f7f", weight: 2, fillOpacity: 0.12,
          dashArray: f.properties.validated ? null : "2 6", className: `camp camp-${f.properties.status}` }),
        onEachFeature: (f, l) => l.bindTooltip(`${f.properties.kind}, ${f.properties.status}: ${f.properties.objects} objects`
          + ` (${f.properties.tents} tents, ${f.properties.vehicles} vehicles), ${f.properties.area_ha} ha`
          + (f.properties.validated ? "" : " — unvalidated candidates")),
      }).addTo(groups.Camps);
      L.geoJSON(over.activity, {
        style: { color: "#9467bd", weight: 1, fillColor: "#9467bd", fillOpacity: 0.35, className: "activity" },
        onEachFeature: (f, l) => l.bindTooltip(`new activity since ${f.properties.earlier.slice(0, 10)}: ${Math.round(f.properties.area_m2).toLocaleString("en")} m², confidence ${f.properties.confidence}`),
      }).addTo(groups["New activity"]);
      view.labels = L.geoJSON(labels, {
        style: (f) => ({ color: LABEL[f.properties.status] || "#e377c2", weight: f.properties.status === "added" ? 2.5 : 1,
          fill: false, dashArray: f.properties.status === "added" ? "5 3" : "1 3", className: `label label-${f.properties.status}` }),
        onEachFeature: (f, l) => l.bindTooltip(`${f.properties.status} ${f.properties.class} by ${f.properties.who}, ${String(f.properties.when).slice(0, 16)}`),
      }).addTo(groups.Labels);
      view.map.getContainer().dataset.scene = scene;
    };
    return view;
  }

  function legend(map) {  // what the colours of a site's map mean
    const box = L.control({ position: "bottomleft" });
    box.onAdd = () => {
      const div = L.DomUtil.create("div", "legend");
      const item = (colour, label, dashed, fill) => `<span><i style="border-color:${colour};${dashed ? "border-style:dashed;" : ""}${fill ? `background:${colour}55;` : ""}"></i>${label}</span>`;
      div.innerHTML = [
        item(CHANGE.arrived, "arrived"), item(CHANGE.stayed, "stayed"), item(CHANGE.departed, "departed"),
        item("#ff7f0e", "not compared"), item(CAMP.new, "camp (dashed: unvalidated)", true),
        item("#9467bd", "new activity", false, true), item(LABEL.added, "drawn", true),
      ].join("");
      return div;
    };
    box.addTo(map);
  }

  function syncMaps(a, b) {
    let busy = false;
    const follow = (from, to) => from.on("move zoom", () => {
      if (busy) return;
      busy = true;
      to.setView(from.getCenter(), from.getZoom(), { animate: false });
      busy = false;
    });
    follow(a, b); follow(b, a);
    const mirror = (from, to) => {  // an overlay or basemap toggled on one map is toggled on the other
      const find = (name, kind) => to._fwControl._layers.find((l) => l.name === name && (kind === "base" ? !l.overlay : l.overlay));
      from.on("overlayadd overlayremove baselayerchange", (e) => {
        if (busy) return;
        const other = find(e.name, e.type === "baselayerchange" ? "base" : "overlay");
        if (!other) return;
        busy = true;
        if (e.type === "overlayremove") other.layer.remove();
        else if (e.type === "overlayadd") other.layer.addTo(to);
        else { to._fwControl._layers.filter((l) => !l.overlay).forEach((l) => l.layer.remove()); other.layer.addTo(to); }
        to._fwControl._update();
        busy = false;
      });
    };
    mirror(a, b); mirror(b, a);
  }

  async function sitePage(siteId, canWrite) {
    const [borders, basemaps] = await loadBase();
    const main = await baseMap("map", borders, basemaps);
    main.map._fwControl = main.control;
    maps.main = main.map;
    const doc = await get(`/api/sites/${siteId}`);
    $("site-name").textContent = doc.site;
    if (doc.lat != null) main.map.setView([doc.lat, doc.lon], 15);
    const obs = doc.observations;
    const view = makeView(main.map, main.control, siteId, true);
    legend(main.map);
    let left = null;  // the left view of the side-by-side, made when first opened

    // the counts per date
    const table = $("timeline");
    const classes = [...new Set(obs.flatMap((o) => [...Object.keys(o.counts), ...Object.keys(o.unvalidated_candidates || {}), ...Object.keys(o.not_observable || {})]))].sort();
    const head = document.createElement("tr");
    head.append(text("th", "date"), ...classes.map((c) => text("th", c)));
    table.append(head);
    const rows = obs.map((o, i) => {
      const row = document.createElement("tr"); row.className = "date"; row.dataset.scene = o.scene_id;
      row.append(text("td", o.acquired.slice(0, 10)));
      for (const c of classes) {
        if (c in (o.not_observable || {})) row.append(text("td", "not observed", "unvalidated"));
        else if (c in o.counts) row.append(text("td", String(o.counts[c])));
        else if (c in (o.unvalidated_candidates || {})) row.append(text("td", `${o.unvalidated_candidates[c]} (unvalidated)`, "unvalidated"));
        else row.append(text("td", "0"));
      }
      row.addEventListener("click", (e) => (e.shiftKey && left ? goLeft(i) : go(i)));
      table.append(row);
      return row;
    });

    // the date slider(s)
    const slider = $("date-slider"), sliderLeft = $("date-slider-left");
    for (const s of [slider, sliderLeft]) { s.max = Math.max(obs.length - 1, 0); s.disabled = obs.length < 2; }
    let selected = null, fitted = false;
    const unselect = () => { selected = null; $("selected").textContent = ""; };
    const go = async (i) => {
      if (!obs.length) return;
      i = Math.max(0, Math.min(obs.length - 1, i));
      slider.value = i;
      $("date-label").textContent = obs[i].acquired.slice(0, 10);
      rows.forEach((r, k) => r.classList.toggle("current", k === i));
      unselect();
      await view.show(obs[i], i);
      document.body.dataset.date = obs[i].acquired.slice(0, 10);
      if (!fitted && view.detections && view.detections.getLayers().length) {
        main.map.fitBounds(view.detections.getBounds().pad(0.3));
        fitted = true;
      }
      refreshLabels();
    };
    const goLeft = async (i) => {
      if (!left || !obs.length) return;
      i = Math.max(0, Math.min(obs.length - 1, i));
      sliderLeft.value = i;
      $("date-label-left").textContent = obs[i].acquired.slice(0, 10);
      rows.forEach((r, k) => r.classList.toggle("left", k === i));
      await left.show(obs[i], i);
      document.body.dataset.leftDate = obs[i].acquired.slice(0, 10);
    };
    slider.addEventListener("input", () => go(Number(slider.value)));
    sliderLeft.addEventListener("input", () => goLeft(Number(sliderLeft.value)));
    $("date-prev").addEventListener("click", () => go(view.index - 1));
    $("date-next").addEventListener("click", () => go(view.index + 1));

    // side by side: the left map shows another date (the previous one first), both maps move together
    const sideBySide = async () => {
      const on = $("map2").hidden;
      $("map2").hidden = !on; $("left-dates").hidden = !on;
      $("side-by-side").classList.toggle("on", on);
      document.body.classList.toggle("side-by-side", on);
      if (!on) { rows.forEach((r) => r.classList.remove("left")); main.map.invalidateSize(); return; }
      if (!left) {
        const second = await baseMap("map2", borders, basemaps);
        second.map._fwControl = second.control;
        maps.left = second.map;
        left = makeView(second.map, second.control, siteId, false);
        for (const [name, g] of Object.entries(view.groups)) if (!main.map.hasLayer(g)) left.groups[name].remove();
        second.control._update();
        syncMaps(main.map, second.map);
      }
      main.map.invalidateSize(); left.map.invalidateSize();
      left.map.setView(main.map.getCenter(), main.map.getZoom(), { animate: false });
      await goLeft(left.index >= 0 ? left.index : Math.max(view.index - 1, 0));
    };
    $("side-by-side").addEventListener("click", sideBySide);

    // the brief of this site
    $("brief-site").addEventListener("click", () => download(`/api/sites/${siteId}/brief?line=${encodeURIComponent(remember("fw-line") || "UKR")}`, $("brief-status")));

    // labels of the site (what "train on my labels" learns from)
    const refreshLabels = async () => {
      const got = await get(`/api/sites/${siteId}/labels`);
      const parts = Object.entries(got.counts).map(([c, per]) => `${c}: ${Object.entries(per).map(([s, n]) => `${n} ${s}`).join(", ")}`);
      $("label-counts").textContent = parts.length ? parts.join("; ") : "none yet";
      return got;
    };

    // review: n selects the next detection, a accepts it, r rejects it
    const select = (f, l) => {
      if (selected) selected.l.setStyle({ weight: 2 });
      selected = { f, l }; l.setStyle({ weight: 5 });
      $("selected").textContent = `detection ${f.properties.id}: ${f.properties.class} ${f.properties.score} ${f.properties.status || ""} ${f.properties.review || "not reviewed"}`;
    };
    view.onSelect = select;
    // keys: not while typing in a field; arrows on a focused slider are the slider's own
    const typing = (e) => e.target && ["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName) && e.target.type !== "range";
    document.addEventListener("keydown", (e) => {
      if (typing(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
        if (e.target && e.target.type === "range") return;
        e.preventDefault();
        const step = e.key === "ArrowLeft" ? -1 : 1;
        if (e.shiftKey && left && !$("map2").hidden) goLeft(left.index + step); else go(view.index + step);
      } else if (e.key === "s") {
        sideBySide();
      } else if (e.key === "n" && view.detections) {
        const items = view.detections.getLayers().filter((l) => l.feature.properties.id != null);
        if (!items.length) return;
        const at = selected ? items.indexOf(selected.l) : -1;
        const next = items[(at + 1) % items.length];
        select(next.feature, next);
      }
    });
    if (obs.length) await go(obs.length - 1);
    else { $("date-label").textContent = "no dates scanned"; refreshLabels(); }
    if (!canWrite) return;

    document.addEventListener("keydown", async (e) => {
      if (typing(e) || !selected || selected.f.properties.id == null || !(e.key === "a" || e.key === "r")) return;
      const r = await post(`/api/detections/${selected.f.properties.id}/review`, { verdict: e.key === "a" ? "accept" : "reject" });
      if (r.ok) {
        const lab = await r.json();
        selected.f.properties.review = lab.status;
        $("selected").textContent = `detection ${selected.f.properties.id}: ${lab.status} by ${lab.who}`;
        $("selected").dataset.review = lab.status;
        selected.l.setStyle({ dashArray: lab.status === "rejected" ? "4" : null });
        refreshLabels();
      } else {
        $("selected").textContent = `not stored: ${await detail(r)}`;
      }
    });

    // draw a missed object: d (or the button), then drag a box on the main map
    const models = await get("/api/models");
    const known = [...new Set(models.flatMap((m) => m.classes))].sort();
    const seen = classes.filter((c) => known.includes(c));
    const drawClass = $("draw-class");
    for (const c of known) drawClass.append(new Option(c, c));
    drawClass.value = seen[0] || known[0];
    let drawing = null;
    const drawStatus = $("draw-status");
    const stopDrawing = (msg) => {
      if (drawing && drawing.box) drawing.box.remove();
      drawing = null;
      main.map.dragging.enable(); main.map.boxZoom.enable();
      document.body.classList.remove("drawing"); $("draw").classList.remove("on");
      if (msg !== undefined) drawStatus.textContent = msg;
    };
    const startDrawing = () => {
      if (view.scene == null) { drawStatus.textContent = "No imagery to draw on."; return; }
      if (drawing) { stopDrawing("Cancelled."); return; }
      drawing = { start: null, box: null };
      main.map.dragging.disable(); main.map.boxZoom.disable();
      document.body.classList.add("drawing"); $("draw").classList.add("on");
      drawStatus.textContent = `Drag a box around the missed ${drawClass.value} on ${obs[view.index].acquired.slice(0, 10)} (Esc cancels).`;
    };
    $("draw").addEventListener("click", startDrawing);
    document.addEventListener("keydown", (e) => {
      if (typing(e)) return;
      if (e.key === "d") startDrawing();
      else if (e.key === "Escape" && drawing) stopDrawing("Cancelled.");
    });
    main.map.on("mousedown", (e) => {
      if (!drawing) return;
      drawing.start = e.latlng;
      drawing.box = L.rectangle(L.latLngBounds(e.latlng, e.latlng), { color: LABEL.added, weight: 2, dashArray: "5 3", fill: false, className: "drawing-box" }).addTo(main.map);
    });
    main.map.on("mousemove", (e) => { if (drawing && drawing.box) drawing.box.setBounds(L.latLngBounds(drawing.start, e.latlng)); });
    main.map.on("mouseup", async (e) => {
      if (!drawing || !drawing.start) return;
      const a = main.map.latLngToContainerPoint(drawing.start), b = main.map.latLngToContainerPoint(e.latlng);
      if (Math.abs(a.x - b.x) < 3 || Math.abs(a.y - b.y) < 3) { stopDrawing("Too small: drag a box around the object."); return; }
      const bounds = L.latLngBounds(drawing.start, e.latlng);
      const scene = view.scene, cls = drawClass.value;
      stopDrawing();
      const r = await post(`/api/scenes/${scene}/labels`, { class: cls, box: [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()] });
      if (!r.ok) { drawStatus.textContent = `Not stored: ${await detail(r)}`; drawStatus.className = "status error"; return; }
      const lab = await r.json();
      drawStatus.className = "status";
      drawStatus.textContent = `Stored: ${lab.class} drawn by ${lab.who}.`;
      drawStatus.dataset.stored = String(Number(drawStatus.dataset.stored || 0) + 1);
      if (view.scene === scene) view.labels.addData({ type: "Feature", geometry: lab.geometry, properties: lab });
      refreshLabels();
    });

    await trainPanel(siteId, models, seen, refreshLabels);
  }

  // ---- train on my labels: start, follow (polling the status), stop
  async function trainPanel(siteId, models, seen, refreshLabels) {
    const init = $("train-init"), startBtn = $("train-start"), stopBtn = $("train-stop");
    for (const m of models) init.append(new Option(`${m.name} (${m.classes.join(", ")}${m.workspace ? ", this workspace's" : ""})`, m.name));
    const counts = (await refreshLabels()).counts;
    const fit = models.find((m) => m.classes.some((c) => (counts[c] || {}).accepted || (counts[c] || {}).added))
      || models.find((m) => m.classes.some((c) => seen.includes(c)));
    if (fit) init.value = fit.name;
    let timer = null;
    const show = (st) => {
      const job = st.job;
      $("train-why").textContent = st.available ? "" : `Training is not installed on this server: ${st.why}`;
      const running = job && (job.state === "starting" || job.state === "running");
      startBtn.disabled = !st.available || running;
      startBtn.textContent = st.available ? "Train on my labels" : "Train on my labels (needs pip install 'forcewatch[train]')";
      stopBtn.hidden = !running;
      const bar = $("train-progress");
      bar.hidden = !running;
      const stateEl = $("train-state");
      stateEl.dataset.state = job ? job.state : "none";
      $("train-messages").textContent = "";
      $("train-result").textContent = "";
      if (!job) { stateEl.textContent = "No run yet."; return running; }
      const p = job.progress;
      let line = `${job.state}: ${job.init} on the labels of ${job.site}, started by ${job.who} at ${String(job.started).slice(0, 16).replace("T", " ")}`;
      if (running && p) {
        bar.max = p.total; bar.value = p.done;
        line += ` — step ${p.done}/${p.total}` + (p.loss != null ? `, loss ${Number(p.loss).toFixed(3)}` : "") + (p.eta_min != null ? `, about ${Number(p.eta_min).toFixed(1)} min left` : "");
      }
      if (job.error) line += ` — ${job.error}`;
      if (job.stopped_by) line += ` (stopped by ${job.stopped_by})`;
      stateEl.textContent = line;
      for (const m of (job.messages || []).slice(-4)) $("train-messages").append(text("li", m));
      if (job.state === "done" && job.result) showResult(job.result);
      return running;
    };
    const showResult = (res) => {
      const box = $("train-result");
      const scores = (res.scores || {}).finetuned || {}, before = (res.scores || {}).init || {};
      if (Object.keys(scores).length) {
        const t = document.createElement("table"); t.className = "score-table";
        const h = document.createElement("tr");
        h.append(...["class", "AP50", "precision", "recall", "before (AP50)"].map((c) => text("th", c)));
        t.append(h);
        for (const [c, s] of Object.entries(scores)) {
          const tr = document.createElement("tr");
          const f = (v) => (v == null ? "–" : Number(v).toFixed(2));
          tr.append(text("td", c), text("td", f(s.ap50), "num"), text("td", f(s.precision), "num"), text("td", f(s.recall), "num"), text("td", f((before[c] || {}).ap50), "num"));
          t.append(tr);
        }
        box.append(text("p", `Score on labels held out from its training (${res.held_out}):`), t);
        box.append(text("p", res.validates ? "This score validates the model's counts." : "This score does NOT validate its counts (they stay unvalidated candidates).", res.validates ? "" : "unvalidated"));
      } else {
        box.append(text("p", `No held-out score: ${res.not_measured}. Its counts stay unvalidated candidates.`, "unvalidated"));
      }
      box.append(text("p", `${res.steps} steps, ${res.train_minutes} min of training; threshold ${res.threshold == null ? "–" : Number(res.threshold).toFixed(2)}.`));
      const where = text("p", "Model written to "); where.append(text("code", res.model, "model-path"));
      box.append(where);
      const add = text("p", "Use it: "); add.append(text("code", res.add_command));
      box.append(add);
    };
    const poll = async () => {
      clearTimeout(timer);
      const running = show(await get("/api/train"));
      if (running) timer = setTimeout(poll, 1500);
    };
    startBtn.addEventListener("click", async () => {
      const minutes = Number($("train-minutes").value) || undefined;
      const r = await post("/api/train", { site: siteId, init: init.value, minutes });
      if (!r.ok) { $("train-why").textContent = await detail(r); return; }
      poll();
    });
    stopBtn.addEventListener("click", async () => {
      const r = await post("/api/train/stop");
      if (!r.ok) $("train-why").textContent = await detail(r);
      poll();
    });
    await poll();
  }

  return { mapPage, sitePage, maps };
})();
