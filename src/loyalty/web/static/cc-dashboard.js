// The dashboard: points outstanding and moved over the chosen days, what each rule, benefit and code did, the
// liability by expiry, and a warning when short codes make a guessed hit at a till likely.
import { words, say, el, clear, money, points, tr } from "./common.js";
import { statusText } from "./rule-words.js";
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
  $("stat-outstanding-value").textContent = tr("worth {value}", { value: tr("{currency} {amount}", { currency: report.currency, amount: money(report.outstanding_value) }) });
  $("stat-members").textContent = String(report.members);
  clear($("stat-app-link"), tr("Member app:"), " ", el("a", { href: `/app/${cc.business.id}`, text: tr("open") }));
  $("stat-earned").textContent = points(report.totals.earned);
  $("stat-earned-note").textContent = tr("{points} taken back", { points: points(report.totals.taken_back) });
  $("stat-spent").textContent = points(report.totals.spent);
  $("stat-spent-note").textContent = Number(report.totals.given_back)
    ? tr("{points} given back: points payments cancelled, alone or with their purchase", { points: points(report.totals.given_back) })
    : tr("none given back");
  drawChart($("chart"), report);
  await loadRuleFigures(report.from, report.until);
  const owed = await call("GET", "/v1/reports/liability");
  const worth = tr("{currency} {amount}", { currency: owed.currency, amount: money(owed.total_value) });
  $("liability-note").textContent = tr("{points} points worth {value}", { points: points(owed.total_points), value: worth })
    + (Number(owed.pending_points) > 0 ? ", " + tr("of which {points} still pending", { points: points(owed.pending_points) }) : "");
  drawLiability($("liability-chart"), owed);
  await loadTillDiscounts(days);
  // Short codes are guessable by design: warn when the live ones make a guessed hit at a till likely.
  const [risk, codeRisk] = await Promise.all([call("GET", "/v1/identification/risk"), call("GET", "/v1/codes/guessing-risk")]);
  const warnings = [
    risk.warning ? tr("Identification codes: {warning}", { warning: risk.warning }) : "",
    codeRisk.warning ? tr("Promo codes: {warning}", { warning: codeRisk.warning }) : "",
  ].filter(Boolean);
  say($("guess-warning"), warnings.join(" "), "error");
}
// What each rule, benefit and code did over the dashboard's days, from GET /v1/reports/rules.
async function loadRuleFigures(from, until) {
  const figures = await call("GET", `/v1/reports/rules?from=${from}&until=${until}`);
  // Cancels and returns both take points back; the figures say which did what.
  const cancels = Number(figures.taken_back_by_cancels);
  const returns = Number(figures.taken_back_by_returns);
  const back = [cancels ? tr("{points} by cancelled purchases", { points: points(figures.taken_back_by_cancels) }) : "",
    returns ? tr("{points} by returns", { points: points(figures.taken_back_by_returns) }) : ""].filter(Boolean);
  $("stat-earned-note").textContent = back.length ? tr("taken back: {how}", { how: back.join(", ") }) : tr("none taken back");
  $("rule-figures-note").textContent = tr("{points} points given by rules (worth {value}) to {count} members.", {
    points: points(figures.points), value: tr("{currency} {amount}", { currency: figures.currency, amount: money(figures.cost) }), count: figures.members,
  });
  const giving = figures.rules.filter((rule) => Number(rule.points) > 0 || rule.purchases > 0);
  drawBars($("rule-figures-chart"), {
    title: tr("Points given per rule"),
    rows: giving.map((rule) => ({ label: rule.name, values: [points(rule.points)] })),
    series: [{ name: tr("points"), class: "bar-earned" }],
    empty: tr("No rule gave points in this period."),
  });
  clear($("rule-figures-body"), figures.rules.length ? figures.rules.map((rule) => el("li", {},
    el("span", {}, el("a", { href: `#/rules/${rule.rule_id}`, class: "primary-text", text: rule.name }),
      el("span", { class: "secondary-text",
        text: tr("{status} · {purchases} purchases · {members} members · worth {value}", { status: statusText(rule.status), purchases: rule.purchases, members: rule.members, value: money(rule.cost) }) })),
    el("span", { class: "plus", text: points(rule.points) }))) :
    el("li", { class: "empty", text: tr("No rules yet.") }));
  drawBars($("benefit-figures"), {
    title: tr("Benefits granted and redeemed"),
    rows: figures.benefits.map((benefit) => ({ label: benefit.name, values: [benefit.granted, benefit.redeemed] })),
    series: [{ name: tr("granted"), class: "bar-earned" }, { name: tr("redeemed"), class: "bar-spent" }],
    empty: tr("No benefits yet."),
  });
  drawBars($("code-figures"), {
    title: tr("Promo code uses"),
    rows: figures.codes.map((code) => ({ label: code.code || tr("{count} one-time codes", { count: code.codes }), values: [code.uses] })),
    series: [{ name: tr("uses"), class: "bar-earned" }],
    empty: tr("No promo codes yet."),
  });
}

$("report-days").addEventListener("change", () => loadDashboard().catch((error) => notice(words(error), "error")));
