// Small, dependency-free SVG charts: grouped bars, a histogram with markers, a heatmap, a sparkline.
const NS = "http://www.w3.org/2000/svg";

type Attrs = Record<string, string | number>;

/** Creates an SVG element with attributes (and optional text). */
export function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function frame(host: Element, width: number, height: number, label: string, fixed = false): SVGSVGElement {
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, width: fixed ? width : "100%", role: "img", "aria-label": label });
  host.replaceChildren(svg);
  return svg;
}

function titled<T extends SVGElement>(el: T, title: string): T {
  el.appendChild(svgEl("title", {}, title));
  return el;
}

/** A "nice" tick step for a range. */
function step(range: number, ticks: number): number {
  const raw = range / Math.max(1, ticks);
  const mag = 10 ** Math.floor(Math.log10(raw || 1));
  const n = raw / mag;
  return (n < 1.5 ? 1 : n < 3 ? 2 : n < 7 ? 5 : 10) * mag;
}

export interface BarSeries {
  name: string;
  color: string;
  values: number[];
}

/** Grouped vertical bars: one group per category, one bar per series. */
export function groupedBars(host: Element, categories: string[], series: BarSeries[], opts: { format?: (v: number) => string; highlight?: string } = {}): void {
  const W = 760;
  const H = 260;
  const m = { l: 44, r: 8, t: 10, b: 58 };
  const svg = frame(host, W, H, "target weights by optimizer");
  const fmt = opts.format ?? ((v: number) => v.toFixed(2));
  const max = Math.max(0.05, ...series.flatMap((s) => s.values));
  const s = step(max, 4);
  const top = Math.ceil(max / s) * s;
  const y = (v: number) => m.t + (H - m.t - m.b) * (1 - v / top);
  for (let v = 0; v <= top + 1e-12; v += s) {
    svg.appendChild(svgEl("line", { x1: m.l, x2: W - m.r, y1: y(v), y2: y(v), class: "grid" }));
    svg.appendChild(svgEl("text", { x: m.l - 6, y: y(v) + 4, class: "tick", "text-anchor": "end" }, fmt(v)));
  }
  const gw = (W - m.l - m.r) / Math.max(1, categories.length);
  const bw = Math.max(1, (gw * 0.8) / Math.max(1, series.length));
  categories.forEach((c, i) => {
    const x0 = m.l + i * gw + gw * 0.1;
    series.forEach((se, k) => {
      const v = se.values[i] ?? 0;
      const rect = svgEl("rect", {
        x: x0 + k * bw,
        y: y(Math.max(0, v)),
        width: Math.max(0.5, bw - 1),
        height: Math.max(0, y(0) - y(Math.max(0, v))),
        fill: se.color,
        opacity: opts.highlight === undefined || opts.highlight === se.name ? 1 : 0.35,
        "data-series": se.name,
      });
      svg.appendChild(titled(rect, `${se.name} · ${c}: ${fmt(v)}`));
    });
    const tx = m.l + i * gw + gw / 2;
    svg.appendChild(svgEl("text", { x: tx, y: H - m.b + 12, class: "tick", "text-anchor": "end", transform: `rotate(-40 ${tx} ${H - m.b + 12})` }, c));
  });
  svg.appendChild(svgEl("line", { x1: m.l, x2: W - m.r, y1: y(0), y2: y(0), class: "axis" }));
}

export interface Marker {
  x: number;
  label: string;
  color: string;
}

/** A histogram from bin edges and counts, with vertical markers (e.g. −VaR, −CVaR). */
export function histogram(host: Element, edges: number[], counts: number[], markers: Marker[], opts: { format?: (v: number) => string } = {}): void {
  const W = 520;
  const H = 230;
  const m = { l: 48, r: 10, t: 34, b: 30 };
  const svg = frame(host, W, H, "scenario P&L histogram");
  if (counts.length === 0) {
    svg.appendChild(svgEl("text", { x: W / 2, y: H / 2, class: "empty", "text-anchor": "middle" }, "no positions"));
    return;
  }
  const fmt = opts.format ?? ((v: number) => v.toFixed(0));
  const lo = Math.min(edges[0]!, ...markers.map((k) => k.x));
  const hi = Math.max(edges[edges.length - 1]!, ...markers.map((k) => k.x));
  const span = hi - lo || 1;
  const x = (v: number) => m.l + ((W - m.l - m.r) * (v - lo)) / span;
  const cmax = Math.max(1, ...counts);
  const y = (c: number) => m.t + (H - m.t - m.b) * (1 - c / cmax);
  counts.forEach((c, i) => {
    const a = edges[i]!;
    const b = edges[i + 1]!;
    const bar = svgEl("rect", { x: x(a), y: y(c), width: Math.max(0.5, x(b) - x(a) - 0.5), height: y(0) - y(c), class: (a + b) / 2 < 0 ? "loss" : "gain" });
    svg.appendChild(titled(bar, `[${fmt(a)}, ${fmt(b)}): ${c} scenarios`));
  });
  const s = step(span, 6);
  for (let v = Math.ceil(lo / s) * s; v <= hi; v += s) {
    svg.appendChild(svgEl("line", { x1: x(v), x2: x(v), y1: y(0), y2: y(0) + 4, class: "axis" }));
    svg.appendChild(svgEl("text", { x: x(v), y: H - m.b + 16, class: "tick", "text-anchor": "middle" }, fmt(v)));
  }
  svg.appendChild(svgEl("line", { x1: m.l, x2: W - m.r, y1: y(0), y2: y(0), class: "axis" }));
  svg.appendChild(svgEl("text", { x: m.l - 6, y: m.t + 4, class: "tick", "text-anchor": "end" }, String(cmax)));
  svg.appendChild(svgEl("text", { x: W - m.r, y: H - 2, class: "tick", "text-anchor": "end" }, "P&L at resolution"));
  // Labels on their own rows: the leftmost marker's label left of its line (when there is room), the others right.
  const leftmost = Math.min(...markers.map((k) => k.x));
  markers.forEach((k, i) => {
    const px = x(k.x);
    const right = !(k.x === leftmost && px - m.l > 110) && W - m.r - px > 110;
    svg.appendChild(svgEl("line", { x1: px, x2: px, y1: 6 + 13 * i, y2: y(0), stroke: k.color, "stroke-width": 2, "stroke-dasharray": "4 3" }));
    svg.appendChild(svgEl("text", { x: px + (right ? 4 : -4), y: 14 + 13 * i, class: "marker", fill: k.color, "text-anchor": right ? "start" : "end" }, k.label));
  });
}

/** Diverging colour for a correlation in [−1, 1]: blue (−1) – white (0) – red (+1). */
export function corrColor(r: number): string {
  const t = Math.max(-1, Math.min(1, r));
  const mix = (a: number, b: number, f: number) => Math.round(a + (b - a) * f);
  const [R, G, B] = t >= 0 ? [mix(255, 200, t), mix(255, 40, t), mix(255, 40, t)] : [mix(255, 40, -t), mix(255, 90, -t), mix(255, 200, -t)];
  return `rgb(${R},${G},${B})`;
}

/** A square heatmap of a symmetric matrix with row/column labels. */
export function heatmap(host: Element, labels: string[], matrix: number[][] | null): void {
  const n = labels.length;
  const cell = n > 14 ? 21 : 26;
  const pad = 78;
  const W = pad + n * cell + 6;
  const H = pad + n * cell + 6;
  const svg = frame(host, Math.max(W, 200), Math.max(H, 120), "correlation heatmap", true);
  if (!matrix || n === 0) {
    svg.appendChild(svgEl("text", { x: 100, y: 60, class: "empty", "text-anchor": "middle" }, "independent outcomes"));
    return;
  }
  labels.forEach((l, i) => {
    svg.appendChild(svgEl("text", { x: pad - 4, y: pad + i * cell + cell / 2 + 4, class: "tick", "text-anchor": "end" }, l));
    const tx = pad + i * cell + cell / 2;
    svg.appendChild(svgEl("text", { x: tx, y: pad - 4, class: "tick", transform: `rotate(-60 ${tx} ${pad - 4})` }, l));
    labels.forEach((l2, j) => {
      const r = matrix[i]![j]!;
      const rect = svgEl("rect", { x: pad + j * cell, y: pad + i * cell, width: cell - 1, height: cell - 1, fill: corrColor(r) });
      svg.appendChild(titled(rect, `${l} · ${l2}: ${r.toFixed(3)}`));
    });
  });
}

/** A line through the points (equity over time). */
export function sparkline(host: Element, values: number[], opts: { format?: (v: number) => string } = {}): void {
  const W = 300;
  const H = 60;
  const svg = frame(host, W, H, "equity");
  if (values.length < 2) return;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const pts = values.map((v, i) => `${(2 + (i * (W - 4)) / (values.length - 1)).toFixed(1)},${(4 + (H - 16) * (1 - (v - lo) / span)).toFixed(1)}`);
  svg.appendChild(svgEl("polyline", { points: pts.join(" "), class: "spark" }));
  const fmt = opts.format ?? ((v: number) => v.toFixed(0));
  svg.appendChild(svgEl("text", { x: 2, y: H - 1, class: "tick" }, `min ${fmt(lo)}`));
  svg.appendChild(svgEl("text", { x: W - 2, y: H - 1, class: "tick", "text-anchor": "end" }, `max ${fmt(hi)}`));
}
