// Points earned and spent per day as an inline SVG bar chart. Pixel geometry may use floats: nothing here is recorded.
import { N_, chartWidth, localDay, points, tr } from "./common.js";

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
  const steps = [1, 2, 2.5, 5, 10];
  return steps.map((step) => step * power).find((candidate) => candidate >= value);
}

export function drawChart(container, report) {
  const width = chartWidth(container);
  const height = 260;
  const margin = { top: 12, right: 12, bottom: 28, left: 48 };
  const days = report.days;
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const top = niceMax(Math.max(...days.flatMap((day) => [Number(day.earned), Number(day.spent)]), 0));
  const y = (value) => margin.top + plotHeight - (Number(value) / top) * plotHeight;
  const slot = plotWidth / days.length;
  const bar = Math.max(2, Math.min(14, slot * 0.36));

  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "chart-title chart-desc" });
  svg.append(node("title", { id: "chart-title" }, tr("Points earned and spent per day")));
  const earned = points(report.totals.earned);
  const spent = points(report.totals.spent);
  svg.append(node("desc", { id: "chart-desc" }, tr("From {from} to {until}: {earned} points earned and {spent} spent.", {
    from: localDay(report.from, { dateStyle: "medium" }), until: localDay(report.until, { dateStyle: "medium" }), earned, spent,
  })));
  for (let tick = 0; tick <= 4; tick += 1) {
    const value = (top / 4) * tick;
    svg.append(node("line", { class: "axis", x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value) }));
    svg.append(node("text", { x: margin.left - 8, y: y(value) + 4, "text-anchor": "end" }, String(Math.round(value))));
  }
  const every = Math.ceil(days.length / Math.max(2, Math.floor(plotWidth / 56))); // a date label needs ~50 px
  days.forEach((day, index) => {
    const x = margin.left + slot * index + slot / 2;
    const pairs = [["bar-earned", day.earned, -bar - 1, N_("{date}: {points} points earned")], ["bar-spent", day.spent, 1, N_("{date}: {points} points spent")]];
    for (const [kind, value, offset, label] of pairs) {
      const rect = node("rect", {
        class: kind, x: x + offset, y: y(value), width: bar, height: Math.max(0, y(0) - y(value)), rx: 2,
      });
      rect.append(node("title", {}, tr(label, { date: localDay(day.date, { dateStyle: "medium" }), points: points(value) })));
      svg.append(rect);
    }
    if (index % every === 0) {
      svg.append(node("text", { x, y: height - 8, "text-anchor": "middle" }, localDay(day.date)));
    }
  });
  container.replaceChildren(svg);
}
