// The live graph view of tinygrad_lite: the front end of an anywidget widget.
//
// Everything it shows is computed in Python: the layout (node boxes, edge curves, cluster
// rectangles), the text of every row, the paths of a clicked node, the frames of the
// backward walk. This module only draws those numbers as SVG once per layout and then
// changes text and classes. It talks to Python through the widget model:
//
//   Python -> page: picture (the layout), values (rows and full numbers by box id, local
//                   derivatives by edge key), history (the loss curve), explanation,
//                   steps (the backward walk), error
//   page -> Python: selected (a clicked box), collapsed (the clusters folded away),
//                   want_steps (the step controls were opened)
//
// The exported HTML page runs this same file with a stand-in model that answers from
// tables computed in advance.

const SVG = "http://www.w3.org/2000/svg";
let instances = 0;

function svgEl(tag, attrs, parent) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (parent) parent.appendChild(el);
  return el;
}

function htmlEl(tag, cls, parent, text) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined) el.textContent = text;
  if (parent) parent.appendChild(el);
  return el;
}

class LiveGraph {
  constructor(model, el) {
    this.model = model;
    this.prefix = "tl-live-" + ++instances + "-";
    this.nodes = new Map(); // box id -> {g, rows: [text elements], data}
    this.edges = new Map(); // edge key -> {g, label, data}
    this.stepping = false;
    this.frame = 0;
    this.timer = null;
    this.listeners = [];
    this.build(el);
    this.listen("change:picture", () => this.drawPicture());
    this.listen("change:values", () => this.applyValues());
    this.listen("change:history", () => this.drawCurve());
    this.listen("change:explanation", () => this.applyExplanation());
    this.listen("change:steps", () => this.stepsArrived());
    this.listen("change:error", () => this.showError());
    this.drawPicture();
    this.drawCurve();
    this.showError();
  }

  listen(event, callback) {
    this.model.on(event, callback);
    this.listeners.push([event, callback]);
  }

  destroy() {
    this.pause();
    for (const [event, callback] of this.listeners) this.model.off(event, callback);
  }

  // ---- the page around the picture ---------------------------------------------------

  build(el) {
    const root = htmlEl("div", "tl-live", el);
    this.root = root;
    this.title = htmlEl("div", "tl-title", root, "");
    const bar = htmlEl("div", "tl-toolbar", root);
    this.stepButton = htmlEl("button", "tl-steps-toggle", bar, "step through backward");
    this.stepButton.type = "button";
    this.stepButton.addEventListener("click", () => this.toggleSteps());
    const controls = htmlEl("span", "tl-step-controls", bar);
    controls.hidden = true;
    this.controls = controls;
    const button = (cls, text, title, action) => {
      const b = htmlEl("button", cls, controls, text);
      b.type = "button";
      b.title = title;
      b.addEventListener("click", action);
      return b;
    };
    button("tl-first", "|\u25c0", "first frame", () => this.showFrame(0));
    button("tl-back", "\u25c0", "previous edge", () => this.showFrame(this.frame - 1));
    this.playButton = button("tl-play", "\u25b6 play", "play / pause", () => this.togglePlay());
    button("tl-next", "\u25b6|", "next edge", () => this.showFrame(this.frame + 1));
    this.slider = htmlEl("input", "tl-slider", controls);
    this.slider.type = "range";
    this.slider.min = "0";
    this.slider.value = "0";
    this.slider.addEventListener("input", () => this.showFrame(Number(this.slider.value)));
    this.speed = htmlEl("select", "tl-speed", controls);
    this.speed.title = "time per edge";
    for (const [ms, text] of [[1500, "slow"], [700, "normal"], [250, "fast"], [40, "fastest"]]) {
      const option = htmlEl("option", "", this.speed, text);
      option.value = String(ms);
      option.selected = ms === 700;
    }
    this.speed.addEventListener("change", () => {
      if (this.timer) {
        this.pause();
        this.play();
      }
    });
    this.where = htmlEl("span", "tl-where", controls, "");
    this.zoom = 0; // 0: fit the width of the page; else a scale factor
    const zoomButton = (text, title, next) => {
      const b = htmlEl("button", "tl-zoom", bar, text);
      b.type = "button";
      b.title = title;
      b.addEventListener("click", () => {
        this.zoom = next();
        this.applyZoom();
      });
    };
    zoomButton("fit", "fit the width", () => 0);
    zoomButton("−", "smaller", () => (this.currentScale() || 1) / 1.25);
    zoomButton("+", "larger", () => (this.currentScale() || 1) * 1.25);
    this.status = htmlEl("span", "tl-status", bar, "");
    this.caption = htmlEl("div", "tl-caption", root, "");
    const body = htmlEl("div", "tl-body", root);
    this.graph = htmlEl("div", "tl-graph", body);
    const side = htmlEl("div", "tl-side", body);
    htmlEl("div", "tl-heading", side, "loss");
    this.curve = svgEl("svg", { class: "tl-curve", width: 240, height: 110 }, side);
    this.curveText = htmlEl("div", "tl-curve-text", side, "");
    htmlEl("div", "tl-heading", side, "chain rule");
    this.explain = htmlEl("pre", "tl-explain", side, "click a value to light its paths");
    this.legend = htmlEl("div", "tl-legend", side);
    this.tooltip = htmlEl("pre", "tl-tooltip", root, "");
    this.tooltip.hidden = true;
  }

  currentScale() {
    const pic = this.model.get("picture");
    if (!this.svg || !pic || !pic.width) return 1;
    return this.svg.getBoundingClientRect().width / pic.width;
  }

  applyZoom() {
    const pic = this.model.get("picture");
    if (!this.svg || !pic) return;
    if (this.zoom) {
      this.svg.style.width = (pic.width * this.zoom).toFixed(0) + "px";
      this.svg.style.maxWidth = "none";
    } else {
      this.svg.style.width = "100%";
      this.svg.style.maxWidth = pic.width + "px";
    }
    this.svg.style.height = "auto";
  }

  showError() {
    this.status.textContent = this.model.get("error") || "";
  }

  // ---- drawing a layout ----------------------------------------------------------------

  drawPicture() {
    const pic = this.model.get("picture");
    this.unhover(); // the element under the pointer may be gone
    this.title.textContent = (pic && pic.title) || "";
    this.graph.textContent = "";
    this.nodes.clear();
    this.edges.clear();
    if (!pic || !pic.nodes) return;
    const svg = svgEl("svg", {
      class: "tl-svg",
      width: pic.width,
      height: pic.height,
      viewBox: `0 0 ${pic.width} ${pic.height}`,
      "font-family": pic.font,
      "font-size": 11,
    });
    this.svg = svg;
    const defs = svgEl("defs", {}, svg);
    for (const kind of ["plain", "lit", "current"]) {
      const m = svgEl(
        "marker",
        {
          id: this.prefix + kind,
          viewBox: "0 0 10 8",
          refX: 10,
          refY: 4,
          markerWidth: 8,
          markerHeight: 6.4,
          orient: "auto",
          markerUnits: "userSpaceOnUse",
        },
        defs,
      );
      svgEl("path", { d: "M0,0 L10,4 L0,8 z", class: "tl-arrow-" + kind }, m);
    }
    svgEl("rect", { x: 0, y: 0, width: pic.width, height: pic.height, fill: "#ffffff" }, svg);
    const clusters = svgEl("g", { class: "tl-clusters" }, svg);
    const sorted = [...pic.clusters].sort((a, b) => a.path.split("/").length - b.path.split("/").length);
    for (const c of sorted) this.drawCluster(clusters, c);
    const edges = svgEl("g", { class: "tl-edges" }, svg);
    for (const e of pic.edges) this.drawEdge(edges, e);
    const nodes = svgEl("g", { class: "tl-nodes" }, svg);
    for (const n of pic.nodes) this.drawNode(nodes, n);
    this.graph.appendChild(svg);
    this.applyZoom();
    this.drawLegend(pic.legend || []);
    this.applyValues();
    this.applyExplanation();
    if (this.stepping) this.enterSteps();
  }

  drawCluster(parent, c) {
    const g = svgEl("g", { class: "tl-cluster", "data-path": c.path }, parent);
    svgEl("rect", { x: c.x, y: c.y, width: c.w, height: c.h, rx: 6 }, g);
    const label = svgEl("text", { x: c.x + 6, y: c.y + 13, class: "tl-cluster-label" }, g);
    label.textContent = c.label + " \u2212";
    svgEl("title", {}, label).textContent = "click to collapse " + c.path;
    label.addEventListener("click", (ev) => {
      ev.stopPropagation();
      this.setCollapsed([...(this.model.get("collapsed") || []), c.path]);
    });
  }

  drawEdge(parent, e) {
    const g = svgEl("g", { class: "tl-edge", "data-key": e.key }, parent);
    svgEl("path", { d: e.d, class: "tl-line", "marker-end": `url(#${this.prefix}plain)` }, g);
    svgEl("path", { d: e.d, class: "tl-hit" }, g); // a wide invisible line to point at
    let label = null;
    if (e.lx !== null && e.lx !== undefined) {
      label = svgEl("text", { x: e.lx, y: e.ly, class: "tl-edge-label", "text-anchor": "middle", "dominant-baseline": "central" }, g);
      label.textContent = e.label || "";
    }
    g.addEventListener("mouseenter", (ev) => this.hover(ev, this.edgeTip(e)));
    g.addEventListener("mousemove", (ev) => this.moveTip(ev));
    g.addEventListener("mouseleave", () => this.unhover());
    this.edges.set(e.key, { g, label, data: e });
  }

  drawNode(parent, n) {
    const cls = `tl-node tl-${n.kind} tl-role-${n.role}`;
    const g = svgEl("g", { class: cls, "data-id": n.id }, parent);
    const stroke = n.border;
    if (n.kind === "op") {
      svgEl("ellipse", { cx: n.x + n.w / 2, cy: n.y + n.h / 2, rx: n.w / 2, ry: n.h / 2, fill: n.fill, stroke, class: "tl-shape" }, g);
    } else {
      svgEl("rect", { x: n.x, y: n.y, width: n.w, height: n.h, rx: n.kind === "summary" ? 5 : 0, fill: n.fill, stroke, class: "tl-shape" }, g);
    }
    const rows = [];
    const count = Math.max(1, n.rows.length);
    const step = n.h / count;
    const size = n.kind === "op" ? 10 : Math.min(11, step * 0.78);
    n.rows.forEach((text, k) => {
      const t = svgEl("text", { x: n.x + n.w / 2, y: n.y + (k + 0.5) * step, "text-anchor": "middle", "dominant-baseline": "central", "font-size": size.toFixed(1), "data-row": k }, g);
      if (k === 0 && n.kind !== "op" && n.role !== "constant") t.setAttribute("font-weight", "bold");
      t.textContent = text;
      rows.push(t);
      if (k > 0 && n.kind !== "op") {
        svgEl("line", { x1: n.x, x2: n.x + n.w, y1: n.y + k * step, y2: n.y + k * step, class: "tl-row-line" }, g);
      }
    });
    g.addEventListener("mouseenter", (ev) => this.hover(ev, this.nodeTip(n)));
    g.addEventListener("mousemove", (ev) => this.moveTip(ev));
    g.addEventListener("mouseleave", () => this.unhover());
    if (n.kind === "summary") {
      g.addEventListener("click", () => {
        const left = (this.model.get("collapsed") || []).filter((p) => p !== n.path);
        this.setCollapsed(left);
      });
    } else if (n.kind === "value" && n.role !== "constant") {
      g.addEventListener("click", () => this.select(n.id));
    }
    this.nodes.set(n.id, { g, rows, data: n });
  }

  drawLegend(items) {
    this.legend.textContent = "";
    for (const item of items) {
      const line = htmlEl("div", "tl-legend-item", this.legend);
      const mark = htmlEl("span", "tl-mark tl-mark-" + item.mark, line);
      if (item.mark === "line") mark.style.borderTopColor = item.fill;
      else mark.style.background = item.fill;
      htmlEl("span", "", line, item.text);
    }
  }

  // ---- numbers -------------------------------------------------------------------------

  applyValues() {
    const values = this.model.get("values") || {};
    const rows = values.rows || {};
    for (const [id, texts] of Object.entries(rows)) {
      const node = this.nodes.get(id);
      if (!node) continue;
      texts.forEach((text, k) => {
        const el = node.rows[k];
        if (el && el.textContent !== text) el.textContent = text;
      });
    }
    const labels = values.labels || {};
    for (const [key, text] of Object.entries(labels)) {
      const edge = this.edges.get(key);
      if (edge && edge.label && edge.label.textContent !== text) edge.label.textContent = text;
    }
    if (this.root) this.root.dataset.revision = String(values.revision ?? "");
    if (this.stepping) this.showFrame(this.frame);
  }

  drawCurve() {
    const history = this.model.get("history") || [];
    const svg = this.curve;
    svg.textContent = "";
    const W = 240, H = 110, L = 6, R = 6, T = 8, B = 8;
    svgEl("rect", { x: 0.5, y: 0.5, width: W - 1, height: H - 1, class: "tl-curve-frame" }, svg);
    if (history.length === 0) {
      this.curveText.textContent = "no values yet: call update()";
      return;
    }
    let lo = Math.min(...history), hi = Math.max(...history);
    if (hi === lo) { hi += 0.5; lo -= 0.5; }
    const x = (i) => L + (history.length === 1 ? 0 : (i * (W - L - R)) / (history.length - 1));
    const y = (v) => T + ((hi - v) * (H - T - B)) / (hi - lo);
    const points = history.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svgEl("polyline", { points, class: "tl-curve-line" }, svg);
    const last = history[history.length - 1];
    svgEl("circle", { cx: x(history.length - 1), cy: y(last), r: 2.5, class: "tl-curve-dot" }, svg);
    this.curveText.textContent = `${history.length} values, last ${last.toPrecision(6)} (min ${Math.min(...history).toPrecision(4)}, max ${Math.max(...history).toPrecision(4)})`;
  }

  // ---- pointing ------------------------------------------------------------------------

  nodeTip(n) {
    if (n.kind === "op") return n.tip;
    if (n.kind === "summary") return n.rows.join("\n") + "\nclick to expand " + n.path;
    if (n.role === "constant") return `${n.rows[0]}: ${n.tip}`;
    const full = ((this.model.get("values") || {}).full || {})[n.id] || {};
    const op = this.nodes.get(n.id + "_op");
    const lines = [n.tip];
    if (op) lines.push("rule " + op.data.tip);
    lines.push("data " + (full.data ?? ""));
    lines.push("grad " + (full.grad ?? ""));
    return lines.join("\n");
  }

  edgeTip(e) {
    if (!e.tip) return `${e.src} \u2192 ${e.dst}` + (e.label ? ` (${e.label})` : "");
    const local = ((this.model.get("values") || {}).locals || {})[e.key];
    return e.tip + "\nlocal derivative " + (local ?? "");
  }

  hover(ev, text) {
    this.tooltip.textContent = text;
    this.tooltip.hidden = false;
    this.moveTip(ev);
  }

  moveTip(ev) {
    const box = this.root.getBoundingClientRect();
    this.tooltip.style.left = ev.clientX - box.left + 14 + "px";
    this.tooltip.style.top = ev.clientY - box.top + 14 + "px";
  }

  unhover() {
    this.tooltip.hidden = true;
  }

  // ---- clicking: paths and clusters ----------------------------------------------------

  select(id) {
    const now = this.model.get("selected") === id ? "" : id;
    this.model.set("selected", now);
    this.model.save_changes();
    if (!now) {
      this.model.set("explanation", {});
      this.applyExplanation();
    }
  }

  setCollapsed(paths) {
    this.model.set("collapsed", [...new Set(paths)].sort());
    this.model.save_changes();
  }

  applyExplanation() {
    const ex = this.model.get("explanation") || {};
    const edges = new Set(ex.edges || []);
    const nodes = new Set(ex.nodes || []);
    for (const [key, edge] of this.edges) {
      const lit = edges.has(key);
      edge.g.classList.toggle("tl-lit", lit);
      this.setMarker(edge);
    }
    for (const [id, node] of this.nodes) {
      node.g.classList.toggle("tl-lit", nodes.has(id));
      node.g.classList.toggle("tl-selected", id === ex.id);
    }
    this.explain.textContent = ex.text || "click a value to light its paths";
  }

  setMarker(edge) {
    const kind = edge.g.classList.contains("tl-current") ? "current" : edge.g.classList.contains("tl-lit") ? "lit" : "plain";
    edge.g.querySelector(".tl-line").setAttribute("marker-end", `url(#${this.prefix}${kind})`);
  }

  // ---- backward, one edge at a time ----------------------------------------------------

  toggleSteps() {
    if (this.stepping) this.leaveSteps();
    else this.enterSteps();
  }

  enterSteps() {
    this.stepping = true;
    this.controls.hidden = false;
    this.stepButton.textContent = "leave step-through";
    this.root.classList.add("tl-stepping");
    const steps = this.model.get("steps") || {};
    if (!steps.frames) {
      this.caption.textContent = "recording the backward walk ...";
      this.model.set("want_steps", true);
      this.model.save_changes();
      return;
    }
    this.slider.max = String(steps.frames.length - 1);
    this.showFrame(Math.min(this.frame, steps.frames.length - 1));
  }

  stepsArrived() {
    const steps = this.model.get("steps") || {};
    if (!steps.frames) {
      if (this.stepping) this.leaveSteps();
      return;
    }
    if (this.stepping) {
      this.frame = 0;
      this.enterSteps();
    }
  }

  leaveSteps() {
    this.pause();
    this.stepping = false;
    this.controls.hidden = true;
    this.stepButton.textContent = "step through backward";
    this.root.classList.remove("tl-stepping");
    this.caption.textContent = "";
    for (const edge of this.edges.values()) {
      edge.g.classList.remove("tl-current");
      this.setMarker(edge);
    }
    for (const node of this.nodes.values()) node.g.classList.remove("tl-current");
    this.applyValues();
  }

  showFrame(k) {
    const steps = this.model.get("steps") || {};
    const frames = steps.frames || [];
    if (!frames.length) return;
    k = Math.max(0, Math.min(frames.length - 1, k));
    this.frame = k;
    const grads = Object.assign({}, steps.start || {});
    for (let i = 0; i <= k; i++) if (frames[i].id) grads[frames[i].id] = frames[i].grad;
    for (const [id, node] of this.nodes) {
      const row = node.data.grad_row;
      if (row >= 0 && grads[id] !== undefined && node.rows[row]) node.rows[row].textContent = grads[id];
      node.g.classList.toggle("tl-current", id === frames[k].node);
    }
    for (const [key, edge] of this.edges) {
      edge.g.classList.toggle("tl-current", key === frames[k].key);
      this.setMarker(edge);
    }
    this.slider.value = String(k);
    this.where.textContent = `${k} / ${frames.length - 1}`;
    this.caption.textContent = frames[k].text;
    this.root.dataset.frame = String(k);
    if (k === frames.length - 1) this.pause();
  }

  togglePlay() {
    if (this.timer) this.pause();
    else this.play();
  }

  play() {
    const frames = (this.model.get("steps") || {}).frames || [];
    if (!frames.length) return;
    if (this.frame >= frames.length - 1) this.showFrame(0);
    this.playButton.textContent = "\u275a\u275a pause";
    this.timer = setInterval(() => this.showFrame(this.frame + 1), Number(this.speed.value));
  }

  pause() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.playButton) this.playButton.textContent = "\u25b6 play";
  }
}

function render({ model, el }) {
  const view = new LiveGraph(model, el);
  return () => view.destroy();
}

export default { render };
