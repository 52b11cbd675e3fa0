// What the business owes its members, by the month the points expire: an inline SVG bar per month (and one for
// points that never expire). Pixel geometry may use floats: nothing here is recorded.
import { chartWidth, localMonth, points, money, tr } from "./common.js";

const NS = "http://www.w3.org/2000/svg";

function node(tag, attrs = {}, text = null) {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  if (text !== null) element.textContent = text;
  return element;
}

function monthName(month) {
  return month === "never" ? tr("Never") : localMonth(month);
}

export function drawLiability(container, report) {
  const rows = [...report.months, ...(report.never_expiring ? [report.never_expiring] : [])];
  container.replaceChildren();
  if (!rows.length) {
    container.textContent = tr("No points are owed: members hold none.");
    return;
  }
  const width = chartWidth(container);
  const rowHeight = 26;
  const left = 96;
  const right = 220;
  const height = rows.length * rowHeight + 8;
  const top = Math.max(...rows.map((row) => Number(row.points)), 1);
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "liability-chart",
    "aria-label": tr("Points owed by month of expiry: {points} in all, worth {value}", {
      points: points(report.total_points), value: tr("{currency} {amount}", { currency: report.currency, amount: money(report.total_value) }),
    }) });
  rows.forEach((row, index) => {
    const y = 4 + index * rowHeight;
    const length = ((width - left - right) * Number(row.points)) / top;
    const group = node("g", { "data-month": row.month });
    group.append(
      node("text", { x: left - 8, y: y + 16, "text-anchor": "end", class: "month" }, monthName(row.month)),
      node("rect", { x: left, y: y + 3, width: Math.max(length, 1), height: rowHeight - 8, rx: 3,
        class: row.month === "never" ? "bar never" : "bar owed" }),
      node("text", { x: left + Math.max(length, 1) + 8, y: y + 16, class: "value" },
        tr("{points} points · {value}", { points: points(row.points), value: tr("{currency} {amount}", { currency: report.currency, amount: money(row.value) }) })),
    );
    svg.append(group);
  });
  container.append(svg);
}
