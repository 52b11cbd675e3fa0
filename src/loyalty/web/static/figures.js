// Charts of figures as inline SVG: bars per day for one or two series, and horizontal bars per named thing.
// Pixel geometry may use floats: nothing drawn here is recorded.
import { chartWidth, localDay, points, tr } from "./common.js";

const NS = "http://www.w3.org/2000/svg";

function node(tag, attrs = {}, text = null) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

function niceMax(value) {
  if (value <= 0) return 10;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 2.5, 5, 10].map((step) => step * power).find((candidate) => candidate >= value);
}

let charts = 0;

// days: [{day, values: [a, b]}]; series: [{name, class}], one per value.
export function drawDays(container, { title, days, series }) {
  const width = chartWidth(container);
  const height = 240;
  const margin = { top: 12, right: 12, bottom: 28, left: 56 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const top = niceMax(Math.max(0, ...days.flatMap((day) => day.values.map(Number))));
  const y = (value) => margin.top + plotHeight - (Number(value) / top) * plotHeight;
  const slot = plotWidth / Math.max(1, days.length);
  const bar = Math.max(2, Math.min(14, (slot * 0.72) / series.length));
  const id = `figures-${++charts}`;
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-title ${id}-desc` });
  svg.append(node("title", { id: `${id}-title` }, title));
  const totals = series.map((one, index) => `${points(String(days.reduce((sum, day) => sum + Number(day.values[index]), 0)))} ${one.name}`);
  svg.append(node("desc", { id: `${id}-desc` }, tr("{count} days: {totals}.", { count: days.length, totals: totals.join(", ") })));
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (top / 4) * tick;
    svg.append(node("line", { class: "axis", x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value) }));
    svg.append(node("text", { x: margin.left - 8, y: y(value) + 4, "text-anchor": "end" }, String(Math.round(value))));
  }
  const every = Math.ceil(days.length / Math.max(2, Math.floor(plotWidth / 56))); // a date label needs ~50 px
  days.forEach((day, index) => {
    const x = margin.left + slot * index + slot / 2 - (bar * series.length) / 2;
    series.forEach((one, which) => {
      const value = day.values[which];
      const rect = node("rect", {
        class: one.class, x: x + which * bar, y: y(value), width: Math.max(1, bar - 1), height: Math.max(0, y(0) - y(value)), rx: 2,
      });
      rect.append(node("title", {}, tr("{date}: {points} points, {series}", { date: localDay(day.day, { dateStyle: "medium" }), points: points(value), series: one.name })));
      svg.append(rect);
    });
    if (index % every === 0) svg.append(node("text", { x: x + (bar * series.length) / 2, y: height - 8, "text-anchor": "middle" }, localDay(day.day)));
  });
  container.replaceChildren(svg);
}

// rows: [{label, values: [a, b?], note}]; series as above. Longest bar = the largest value.
export function drawBars(container, { title, rows, series, empty = tr("Nothing yet.") }) {
  if (!rows.length) {
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = empty;
    container.replaceChildren(note);
    return;
  }
  const width = chartWidth(container);
  const label = 260;
  const row = 16 * series.length + 12;
  const height = rows.length * row + 8;
  const top = niceMax(Math.max(0, ...rows.flatMap((one) => one.values.map(Number))));
  const x = (value) => ((width - label - 90) * Number(value)) / top;
  const id = `figures-${++charts}`;
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": `${id}-title` });
  svg.append(node("title", { id: `${id}-title` }, title));
  rows.forEach((one, index) => {
    const y0 = 4 + index * row;
    const name = one.label.length > 38 ? `${one.label.slice(0, 37)}…` : one.label;
    svg.append(node("text", { x: label - 10, y: y0 + (row - 12) / 2 + 5, "text-anchor": "end", class: "bar-label" }, name));
    series.forEach((kind, which) => {
      const value = one.values[which];
      const rect = node("rect", { class: kind.class, x: label, y: y0 + which * 16, width: Math.max(1, x(value)), height: 13, rx: 2 });
      rect.append(node("title", {}, `${one.label}: ${value} ${kind.name}`));
      svg.append(rect);
      svg.append(node("text", { x: label + x(value) + 6, y: y0 + which * 16 + 11, class: "bar-value" }, String(value)));
    });
  });
  container.replaceChildren(svg);
}
