// "Backtest on past sales": the chosen rules replayed over the purchases of a period, with the progress as it
// streams, then the figures, a chart per day beside what the live rules gave, and the figures per rule.
import { ApiError, words, say, el, clear, money, points, tr } from "./common.js";
import { chosenRules } from "./rule-choices.js";
import { drawBars, drawDays } from "./figures.js";

const $ = (id) => document.getElementById(id);

// A moment's day in the business's time zone (the period's days are the business's, not the browser's).
function isoDay(date, timeZone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(date);
}

export function defaultPeriod(timeZone) {
  if ($("backtest-from").value && $("backtest-until").value) return;
  const today = new Date();
  const first = new Date(today.getTime() - 29 * 86400000);
  $("backtest-from").value = isoDay(first, timeZone);
  $("backtest-until").value = isoDay(today, timeZone);
}

function progress(done, total) {
  $("backtest-progress").hidden = false;
  $("backtest-bar").max = Math.max(1, total);
  $("backtest-bar").value = done;
  $("backtest-progress-text").textContent = total
    ? tr("{done} of {total} purchases replayed…", { done: points(String(done)), total: points(String(total)) })
    : tr("Reading the purchases…");
}

// POST /v1/rules/backtest, read as it streams (application/x-ndjson): progress lines, then the result.
async function stream(key, body, onProgress) {
  const response = await fetch("/v1/rules/backtest", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", Accept: "application/x-ndjson" },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => null))?.error || { code: `http_${response.status}`, message: "" };
    throw new ApiError(response.status, problem.code, problem.message, problem.details || {});
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!line) continue;
      const message = JSON.parse(line);
      if (message.progress) onProgress(message.progress.done, message.progress.total);
      if (message.error) throw new ApiError(500, message.error.code, message.error.message);
      if (message.result) return message.result;
    }
    if (done) throw new ApiError(0, "network", "The backtest stopped before its end. Try again.");
  }
}

export async function runBacktest(key, editorRule) {
  const region = $("backtest-message");
  const rules = chosenRules($("backtest-rules"), editorRule);
  if (!rules.length) return say(region, tr("Choose at least one rule to backtest."), "error");
  say(region, "");
  $("backtest-run").disabled = true;
  progress(0, 0);
  try {
    const result = await stream(key, { rules, from: $("backtest-from").value, until: $("backtest-until").value }, progress);
    $("backtest-progress-text").textContent = tr("Done: {count} purchases replayed.", { count: points(String(result.purchases)) });
    show(result);
  } catch (error) {
    $("backtest-progress").hidden = true;
    const field = error.details?.field;
    say(region, field && /^rules\.\d+/.test(field) ? tr("One of the chosen rules: {problem}", { problem: words(error) }) : words(error), "error");
  } finally {
    $("backtest-run").disabled = false;
  }
  return null;
}

function row(name, figure) {
  return el("tr", {},
    el("td", { class: "primary-text", text: name }),
    el("td", { class: "num", text: points(figure.points) }),
    el("td", { class: "num", text: money(figure.cost) }),
    el("td", { class: "num", text: String(figure.purchases) }),
    el("td", { class: "num", text: String(figure.members) }));
}

function show(result) {
  $("backtest-result").hidden = false;
  const actual = result.actual;
  $("bt-points").textContent = points(result.points);
  $("bt-points-note").textContent = tr("the live rules gave {points}", { points: points(actual.points) });
  $("bt-cost").textContent = tr("{currency} {amount}", { currency: result.currency, amount: money(result.cost) });
  $("bt-cost-note").textContent = tr("at {value} a point; the live rules cost {cost}", { value: money(result.point_value), cost: money(actual.cost) });
  $("bt-members").textContent = String(result.members);
  $("bt-members-note").textContent = tr("the live rules reached {count}", { count: actual.members });
  $("bt-purchases").textContent = points(String(result.purchases));
  $("bt-purchases-note").textContent = tr("{count} would earn points", { count: points(String(result.purchases_earning)) });
  drawDays($("backtest-chart"), {
    title: tr("Points per day: these rules and what the live rules gave"),
    days: result.by_day.map((day, index) => ({ day: day.day, values: [day.points, actual.by_day[index]?.points || "0"] })),
    series: [{ name: tr("these rules"), class: "bar-earned" }, { name: tr("live rules"), class: "bar-spent" }],
  });
  // Each rule beside what it actually gave (a stored rule by its id), then the live rules not backtested.
  const given = new Map(actual.by_rule.map((rule) => [rule.rule_id, rule]));
  const rows = result.by_rule.map((rule) => ({ label: rule.name, values: [points(rule.points), points(given.get(rule.rule_id)?.points || "0")] }));
  const tried = new Set(result.by_rule.map((rule) => rule.rule_id));
  for (const rule of actual.by_rule) if (!tried.has(rule.rule_id)) rows.push({ label: tr("{name} (not backtested)", { name: rule.name }), values: ["0", points(rule.points)] });
  drawBars($("backtest-rules-chart"), {
    title: tr("Points per rule: backtested and actually given"),
    rows,
    series: [{ name: tr("points backtested"), class: "bar-earned" }, { name: tr("points actually given"), class: "bar-spent" }],
  });
  clear($("backtest-rules-body"), result.by_rule.map((rule) => row(rule.name, rule)));
  clear($("backtest-actual-body"), actual.by_rule.length ? actual.by_rule.map((rule) => row(rule.name, rule))
    : el("tr", {}, el("td", { colspan: "5", class: "empty", text: tr("No rule gave points on these purchases.") })));
  $("backtest-result").scrollIntoView({ block: "nearest" });
}
