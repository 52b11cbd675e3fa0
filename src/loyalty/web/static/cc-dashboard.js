// The dashboard: points outstanding and moved over the chosen days, what each rule, benefit and code did, the
// liability by expiry, and a warning when short codes make a guessed hit at a till likely.
import { words, say, el, clear, money, points } from "./common.js";
import { drawChart } from "./chart.js";
import { drawBars } from "./figures.js";
import { drawLiability } from "./liability-chart.js";
import { call, cc } from "./cc-api.js";
import { notice } from "./cc-page.js";
import { loadTillDiscounts } from "./cc-till-discounts.js";

const $ = (id) => document.getElementById(id);

export async function loadDashboard() {
  const days = $("report-days").value;
  const report = await call("GET", `/v1/reports/points?days=${days}`);
  $("stat-outstanding").textContent = points(report.outstanding);
  $("stat-outstanding-value").textContent = `worth ${report.currency} ${money(report.outstanding_value)}`;
  $("stat-members").textContent = String(report.members);
  clear($("stat-app-link"), "Member app: ", el("a", { href: `/app/${cc.business.id}`, text: "open" }));
  $("stat-earned").textContent = points(report.totals.earned);
  $("stat-earned-note").textContent = `${points(report.totals.taken_back)} taken back`;
  $("stat-spent").textContent = points(report.totals.spent);
  $("stat-spent-note").textContent = Number(report.totals.given_back)
    ? `${points(report.totals.given_back)} given back: points payments cancelled, alone or with their purchase`
    : "none given back";
  drawChart($("chart"), report);
  await loadRuleFigures(report.from, report.until);
  const owed = await call("GET", "/v1/reports/liability");
  $("liability-note").textContent = `${points(owed.total_points)} points worth ${owed.currency} ${money(owed.total_value)}`
    + (Number(owed.pending_points) > 0 ? `, of which ${points(owed.pending_points)} still pending` : "");
  drawLiability($("liability-chart"), owed);
  await loadTillDiscounts(days);
  // Short codes are guessable by design: warn when the live ones make a guessed hit at a till likely.
  const [risk, codeRisk] = await Promise.all([call("GET", "/v1/identification/risk"), call("GET", "/v1/codes/guessing-risk")]);
  const warnings = [
    risk.warning ? `Identification codes: ${risk.warning}` : "",
    codeRisk.warning ? `Promo codes: ${codeRisk.warning}` : "",
  ].filter(Boolean);
  say($("guess-warning"), warnings.join(" "), "error");
}
// What each rule, benefit and code did over the dashboard's days, from GET /v1/reports/rules.
async function loadRuleFigures(from, until) {
  const figures = await call("GET", `/v1/reports/rules?from=${from}&until=${until}`);
  // Cancels and returns both take points back; the figures say which did what.
  const cancels = Number(figures.taken_back_by_cancels);
  const returns = Number(figures.taken_back_by_returns);
  const back = [cancels ? `${points(figures.taken_back_by_cancels)} by cancelled purchases` : "",
    returns ? `${points(figures.taken_back_by_returns)} by returns` : ""].filter(Boolean);
  $("stat-earned-note").textContent = back.length ? `taken back: ${back.join(", ")}` : "none taken back";
  $("rule-figures-note").textContent = `${points(figures.points)} points given by rules (worth ${figures.currency} ${money(figures.cost)}) to ${figures.members} members.`;
  const giving = figures.rules.filter((rule) => Number(rule.points) > 0 || rule.purchases > 0);
  drawBars($("rule-figures-chart"), {
    title: "Points given per rule",
    rows: giving.map((rule) => ({ label: rule.name, values: [points(rule.points)] })),
    series: [{ name: "points", class: "bar-earned" }],
    empty: "No rule gave points in this period.",
  });
  clear($("rule-figures-body"), figures.rules.length ? figures.rules.map((rule) => el("li", {},
    el("span", {}, el("a", { href: `#/rules/${rule.rule_id}`, class: "primary-text", text: rule.name }),
      el("span", { class: "secondary-text",
        text: `${rule.status} · ${rule.purchases} purchases · ${rule.members} members · worth ${money(rule.cost)}` })),
    el("span", { class: "plus", text: points(rule.points) }))) :
    el("li", { class: "empty", text: "No rules yet." }));
  drawBars($("benefit-figures"), {
    title: "Benefits granted and redeemed",
    rows: figures.benefits.map((benefit) => ({ label: benefit.name, values: [benefit.granted, benefit.redeemed] })),
    series: [{ name: "granted", class: "bar-earned" }, { name: "redeemed", class: "bar-spent" }],
    empty: "No benefits yet.",
  });
  drawBars($("code-figures"), {
    title: "Promo code uses",
    rows: figures.codes.map((code) => ({ label: code.code || `${code.codes} one-time codes`, values: [code.uses] })),
    series: [{ name: "uses", class: "bar-earned" }],
    empty: "No promo codes yet.",
  });
}

$("report-days").addEventListener("change", () => loadDashboard().catch((error) => notice(words(error), "error")));
