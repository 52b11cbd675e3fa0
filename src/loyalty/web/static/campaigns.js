// The Campaign Center: dashboard, rules, try a basket, benefits, promo codes and members, over the admin API.
import {
  api, words, say, el, clear, money, points, signedPoints, keyFromFragment, localDate, localDateTime, splitList,
} from "./common.js";
import {
  clearErrors, formToRule, ruleToForm, setBenefits, setBranches, showFieldError, summary, triggerText,
} from "./rule-form.js";
import { setupBasket, tryBasket } from "./basket.js";
import { drawChart } from "./chart.js";
import { loadSettings } from "./cc-settings.js";
import { loadPrograms } from "./programs.js";
import { drawChoices } from "./rule-choices.js";
import { defaultPeriod, runBacktest } from "./backtest.js";
import { conditionsText, validityText } from "./rule-words.js";
import { ruleProblems, sentence } from "./rule-checks.js";
import { drawBars } from "./figures.js";
import { drawLiability } from "./liability-chart.js";

const KEY = "loyalty.admin.key";
const $ = (id) => document.getElementById(id);
const TRIGGER_CODE = "__trigger"; // the "fires the promo code rules" choice of a code's benefit select

let key = keyFromFragment(KEY);
let business = null;
let benefits = [];
let editing = null; // the stored rule open in the editor, or null for a new one
let draft = null; // the editor's rule, handed to "try a basket"
let draftFrom = null; // which editor it came from ("new" or a rule id), to bring it back there
let memberCursor = null;
let basketReady = false;
let branches = [];

// --- the key --------------------------------------------------------------------------------------

function showSetup(message = "", kind = "error") {
  $("cc").hidden = true;
  $("cc-setup").hidden = false;
  say($("cc-setup-message"), message, kind);
  $("cc-setup-key").focus();
}

async function call(method, path, body) {
  try {
    return await api(key, method, path, body);
  } catch (error) {
    if (error.status === 401 || (error.status === 403 && !business)) showSetup(words(error));
    throw error;
  }
}

$("cc-setup-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const candidate = $("cc-setup-key").value.trim();
  try {
    business = await api(candidate, "GET", "/v1/business");
  } catch (error) {
    say($("cc-setup-message"), words(error), "error");
    return;
  }
  key = candidate;
  localStorage.setItem(KEY, key);
  $("cc-setup-key").value = "";
  start();
});
$("cc-settings").addEventListener("click", () => showSetup("Paste another admin key to switch business.", "info"));

// --- routing --------------------------------------------------------------------------------------

const loaders = {
  dashboard: loadDashboard,
  rules: loadRules,
  rule: openRule,
  basket: openBasket,
  backtest: openBacktest,
  benefits: loadBenefits,
  codes: loadCodes,
  members: () => searchMembers(false),
  settings: () => Promise.all([loadSettings(call), loadPaymentSettings()]),
  programs: () => loadPrograms(call),
};

async function route() {
  const [name, arg] = window.location.hash.replace(/^#\/?/, "").split("/");
  const view = name === "rules" && arg ? "rule" : loaders[name] ? name : "dashboard";
  for (const section of document.querySelectorAll("[data-view]")) section.hidden = section.dataset.view !== view;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === (view === "rule" ? "rules" : view)) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  say($("cc-message"), nextNotice || "", "ok");
  nextNotice = null;
  try {
    await loaders[view](arg);
  } catch (error) {
    say($("cc-message"), words(error), "error");
  }
}

function notice(text, kind = "ok") {
  say($("cc-message"), text, kind);
}

let nextNotice = null; // said once the next view is shown

function go(hash, message = null) {
  nextNotice = message;
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

// Server refusals that name a field (422 details.field) are shown beside it.
function fieldErrors(form, error, region) {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  const path = error.details?.field;
  let target = null;
  for (let probe = path; probe && !target; probe = probe.includes(".") ? probe.slice(0, probe.lastIndexOf(".")) : "") {
    target = form.querySelector(`[data-path="${probe}"]`);
  }
  if (target) {
    target.setAttribute("aria-invalid", "true");
    target.closest(".field")?.append(el("span", { class: "field-error", text: error.message.replace(/^[\w.]+: /, "") }));
    target.focus();
  }
  say(region, words(error), "error");
}

// --- dashboard ------------------------------------------------------------------------------------

async function loadDashboard() {
  const days = $("report-days").value;
  const report = await call("GET", `/v1/reports/points?days=${days}`);
  $("stat-outstanding").textContent = points(report.outstanding);
  $("stat-outstanding-value").textContent = `worth ${report.currency} ${money(report.outstanding_value)}`;
  $("stat-members").textContent = String(report.members);
  clear($("stat-app-link"), "Member app: ", el("a", { href: `/app/${business.id}`, text: "open" }));
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

// --- rules ----------------------------------------------------------------------------------------

async function loadRules() {
  const [rules] = await Promise.all([
    call("GET", "/v1/rules"),
    benefits.length ? null : loadBenefitChoices(),
    branches.length ? null : call("GET", "/v1/branches").then((found) => { branches = found; }),
  ]);
  clear($("rules-body"), rules.length ? rules.map((rule) => el("tr", { "data-rule": rule.name },
    el("td", {}, el("a", { href: `#/rules/${rule.id}`, class: "primary-text", text: rule.name }),
      el("div", { class: "summary", text: summary(rule, benefits) })),
    el("td", {}, el("span", { text: triggerText(rule) }),
      conditionsText(rule, branches) ? el("div", { class: "summary", text: conditionsText(rule, branches) }) : null,
      el("div", { class: "summary", text: validityText(rule) })),
    el("td", {}, el("span", { class: `badge ${rule.status}`, text: rule.status })),
    el("td", { class: "num col-revision", text: String(rule.revision) }),
    el("td", {}, el("div", { class: "row-actions" },
      rule.status === "active"
        ? el("button", { class: "button secondary small", type: "button", "aria-label": `Stop ${rule.name}`, text: "Stop", onclick: () => setStatus(rule, "stop") })
        : el("button", { class: "button primary small", type: "button", "aria-label": `Activate ${rule.name}`, text: "Activate", onclick: () => setStatus(rule, "activate") }),
      el("a", { class: "button ghost small", href: `#/rules/${rule.id}`, "aria-label": `Edit ${rule.name}`, text: "Edit" }))))) :
    el("tr", {}, el("td", { colspan: "5", class: "empty", text: "No rules yet. Create the first one." })));
}

// Asks before anything changes at the tills; resolves true when the marketer confirms.
function confirmChange(title, ...paragraphs) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = title;
  clear($("confirm-text"), paragraphs.filter(Boolean).map((text) => el("p", { text })));
  $("confirm-yes").textContent = title.split(" ")[0];
  dialog.returnValue = "";
  dialog.showModal();
  $("confirm-no").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}

function tillWords(rule) {
  const when = [triggerText(rule), conditionsText(rule, branches)].filter(Boolean).join(", ");
  return `${when}: ${summary(rule, benefits)} (${validityText(rule)}).`;
}

function confirmActivation(rule) {
  return confirmChange(`Activate “${rule.name}”?`,
    "From the moment you confirm, every till gives this to identified members:", tillWords(rule),
    "Try it on a basket or backtest it first if you are not sure.");
}

async function setStatus(rule, action) {
  const sure = action === "activate"
    ? await confirmActivation(rule)
    : await confirmChange(`Stop “${rule.name}”?`,
      "From the moment you confirm, the tills no longer give:", tillWords(rule),
      "What it already gave stays with the members.");
  if (!sure) {
    notice(`Nothing changed: “${rule.name}” is still ${rule.status}.`, "info");
    return;
  }
  try {
    await call("POST", `/v1/rules/${rule.id}/${action}`);
    await loadRules();
    notice(action === "activate" ? `"${rule.name}" is active: it fires from now on.` : `"${rule.name}" is stopped.`);
  } catch (error) {
    notice(words(error), "error");
  }
}

async function loadBenefitChoices() {
  benefits = await call("GET", "/v1/benefits");
  setBenefits(benefits);
  for (const select of [$("code-benefit"), $("bulk-benefit")]) {
    const chosen = select.value;
    clear(select, benefits.map((benefit) => el("option", { value: benefit.id, text: benefit.name })),
      el("option", { value: TRIGGER_CODE, text: "No benefit: fires the promo code rules" }));
    if (chosen) select.value = chosen;
  }
}

async function openRule(id) {
  // The benefits fill their selects when they arrive; the form itself is ready at once, so typing is never lost.
  const choices = Promise.all([
    loadBenefitChoices(),
    call("GET", "/v1/branches").then((found) => { branches = found; setBranches(found); }),
  ]).catch((error) => notice(words(error), "error"));
  clearErrors();
  say($("rule-message"), "");
  // Back from "try a basket": the editor shows the rule as it was left, not as it was stored.
  const unsaved = draft && draftFrom === id ? draft : null;
  if (id === "new") {
    editing = null;
    ruleToForm(unsaved || { trigger: "purchase", actions: [{ type: "add_points", mode: "fixed" }] });
    $("rule-title").textContent = "New rule";
    clear($("rule-status"));
  } else {
    $("rule-title").textContent = "Loading…";
    editing = await call("GET", `/v1/rules/${id}`);
    ruleToForm(unsaved || editing);
    $("rule-title").textContent = editing.name;
    clear($("rule-status"), el("span", { class: `badge ${editing.status}`, text: editing.status }), " ",
      el("span", { class: "muted", text: `revision ${editing.revision}` }));
  }
  $("rule-save").hidden = !editing;
  $("rule-save-draft").hidden = Boolean(editing);
  $("rule-save-active").hidden = Boolean(editing) && editing.status === "active";
  $("rule-name").focus();
  await choices;
}

$("rule-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const status = event.submitter?.dataset.status;
  const rule = formToRule();
  if (status) rule.status = status;
  const problems = ruleProblems(rule);
  if (problems.length) {
    problems.forEach((problem, index) => showFieldError(problem.path, problem.message, index === 0));
    say($("rule-message"), problems.length === 1 ? problems[0].message
      : `${problems.length} things to fix, each shown beside its field.`, "error");
    return;
  }
  const live = editing?.status === "active";
  const sure = status === "active" && !live ? await confirmActivation(rule)
    : live ? await confirmChange(`Change “${editing.name}”?`,
      "It is active: from the moment you confirm, every till gives this instead:", tillWords(rule),
      "Purchases already made keep what they earned.")
      : true;
  if (!sure) {
    say($("rule-message"), "Not saved: nothing changed at the tills.", "info");
    return;
  }
  try {
    const saved = editing
      ? await call("PUT", `/v1/rules/${editing.id}`, { ...rule, revision: editing.revision })
      : await call("POST", "/v1/rules", rule);
    draft = null;
    draftFrom = null;
    $("basket-back").hidden = true;
    go("#/rules", `"${saved.name}" saved (revision ${saved.revision}, ${saved.status}).`);
  } catch (error) {
    const path = error.details?.field;
    const said = path ? sentence(labelOf(path), error.message) : words(error);
    const shown = path && showFieldError(path, said);
    say($("rule-message"), error.code === "rule_revision_conflict"
      ? "Someone changed this rule meanwhile. Reload it to see their change, then edit again."
      : shown ? said : words(error), "error");
  }
});

// The field's own label, so a refusal reads "Per amount spent: is required…" rather than "actions.0.per: …".
function labelOf(path) {
  for (let probe = path; probe; probe = probe.includes(".") ? probe.slice(0, probe.lastIndexOf(".")) : "") {
    const target = $("rule-form").querySelector(`[data-path="${probe}"]`);
    const label = target?.labels?.[0] || target?.closest(".field")?.querySelector("label, .label");
    if (label) return label.textContent.trim();
  }
  return "";
}

let editorChosen = false; // the next basket or backtest opens with the editor's rule chosen alone

function fromEditor() {
  draft = formToRule();
  draftFrom = editing ? editing.id : "new";
  editorChosen = true;
}

$("rule-try").addEventListener("click", () => {
  fromEditor();
  $("basket-back").href = `#/rules/${draftFrom}`;
  $("basket-back").hidden = false;
  $("basket-trigger").value = draft.trigger;
  $("basket-trigger").dispatchEvent(new Event("change"));
  go("#/basket");
});

$("rule-backtest").addEventListener("click", () => {
  fromEditor();
  go("#/backtest");
});

$("json-export").addEventListener("click", () => {
  $("rule-json").value = JSON.stringify(formToRule(), null, 2);
});
$("json-import").addEventListener("click", () => {
  try {
    const rule = JSON.parse($("rule-json").value);
    if (!rule || typeof rule !== "object" || Array.isArray(rule)) throw new Error("not one rule");
    ruleToForm(rule);
    say($("rule-message"), "The form now holds the imported rule. Check it, then save.", "ok");
  } catch {
    say($("rule-message"), "This is not the JSON of one rule. Paste an object like the one “Show the form as JSON” gives.", "error");
  }
});
$("json-download").addEventListener("click", async () => {
  try {
    const rules = await call("GET", "/v1/rules");
    const blob = new Blob([JSON.stringify({ rules }, null, 2)], { type: "application/json" });
    save(blob, "rules.json");
  } catch (error) {
    say($("rule-message"), words(error), "error");
  }
});

function save(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

// --- try a basket ---------------------------------------------------------------------------------

async function openBasket() {
  if (!basketReady) {
    await setupBasket(call);
    basketReady = true;
  }
  const rules = await call("GET", "/v1/rules");
  drawChoices($("basket-rules"), rules, { editorRule: draft, checkEditor: editorChosen });
  editorChosen = false;
}

async function openBacktest() {
  defaultPeriod();
  const rules = await call("GET", "/v1/rules");
  const purchaseDraft = draft?.trigger === "purchase" ? draft : null;
  drawChoices($("backtest-rules"), rules, { editorRule: purchaseDraft, checkEditor: editorChosen && Boolean(purchaseDraft), trigger: "purchase" });
  editorChosen = false;
}

$("backtest-form").addEventListener("submit", (event) => {
  event.preventDefault();
  runBacktest(key, draft);
});

$("basket-form").addEventListener("submit", (event) => {
  event.preventDefault();
  tryBasket(key, draft);
});

// --- benefits -------------------------------------------------------------------------------------

function gives(benefit) {
  if (benefit.kind === "free_item") return `${benefit.max_units || 1} free`;
  if (benefit.discount?.percent) return `${benefit.discount.percent}% off${benefit.discount.max ? ` (at most ${benefit.discount.max})` : ""}`;
  return `${benefit.discount?.amount} off`;
}

function on(benefit) {
  const parts = benefit.items ? Object.values(benefit.items).flat() : [];
  const min = benefit.conditions?.min_spend ? ` · from ${benefit.conditions.min_spend} spent` : "";
  return `${parts.length ? parts.join(", ") : "any item"}${min}`;
}

async function loadBenefits() {
  await loadBenefitChoices();
  clear($("benefits-body"), benefits.length ? benefits.map((benefit) => el("tr", {},
    el("td", { class: "primary-text", text: benefit.name }),
    el("td", { text: gives(benefit) }),
    el("td", { text: on(benefit) }),
    el("td", { text: benefit.valid_days ? `${benefit.valid_days} days` : "no end" }))) :
    el("tr", {}, el("td", { colspan: "4", class: "empty", text: "No benefits yet." })));
  syncBenefitKind();
}

function syncBenefitKind() {
  const kind = $("benefit-kind").value;
  for (const part of document.querySelectorAll("[data-benefit]")) part.hidden = part.dataset.benefit !== kind;
}
$("benefit-kind").addEventListener("change", syncBenefitKind);

$("benefit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const value = (name) => form.elements[name].value.trim();
  const kind = value("kind");
  const body = { name: value("name"), kind: kind === "free_item" ? "free_item" : "discount" };
  if (kind === "discount_percent") body.discount = { percent: value("percent"), ...(value("max") ? { max: value("max") } : {}) };
  if (kind === "discount_amount") body.discount = { amount: value("amount") };
  if (kind === "free_item" && value("max_units")) body.max_units = Number(value("max_units"));
  const items = {};
  for (const name of ["departments", "codes", "tags"]) if (splitList(value(name)).length) items[name] = splitList(value(name));
  if (Object.keys(items).length) body.items = items;
  if (value("valid_days")) body.valid_days = Number(value("valid_days"));
  if (value("min_spend")) body.conditions = { min_spend: value("min_spend") };
  try {
    const made = await call("POST", "/v1/benefits", body);
    form.reset();
    await loadBenefits();
    say($("benefit-message"), `"${made.name}" created. Give it through a rule, a promo code or a member's page.`, "ok");
  } catch (error) {
    fieldErrors(form, error, $("benefit-message"));
  }
});

// --- promo codes ----------------------------------------------------------------------------------

function benefitName(id) {
  return benefits.find((benefit) => benefit.id === id)?.name || "a benefit";
}

async function loadCodes() {
  await loadBenefitChoices();
  const page = await call("GET", "/v1/codes?limit=100");
  clear($("codes-body"), page.items.length ? page.items.map((code) => el("tr", {},
    el("td", { class: "primary-text", text: code.code }),
    el("td", { text: code.effect === "trigger" ? "Fires the promo code rules" : benefitName(code.benefit_id) }),
    el("td", { class: "num", text: `${code.uses}${code.max_uses ? ` / ${code.max_uses}` : ""}` }),
    el("td", { text: code.valid_until ? `until ${localDate(code.valid_until)}` : "no end" }))) :
    el("tr", {}, el("td", { colspan: "4", class: "empty", text: "No shared codes yet." })));
}

function codeTarget(select) {
  return select.value === TRIGGER_CODE ? { effect: "trigger" } : { benefit_id: select.value };
}

$("code-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const value = (name) => form.elements[name].value.trim();
  const body = { code: value("code"), ...codeTarget(form.elements.benefit) };
  for (const name of ["max_uses", "max_uses_per_member"]) if (value(name)) body[name] = Number(value(name));
  for (const name of ["valid_from", "valid_until"]) if (value(name)) body[name] = new Date(value(name)).toISOString();
  try {
    const made = await call("POST", "/v1/codes", body);
    form.reset();
    await loadCodes();
    say($("code-message"), `Code ${made.code} is ready to use at the till.`, "ok");
  } catch (error) {
    fieldErrors(form, error, $("code-message"));
  }
});

$("bulk-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const body = { count: Number(form.elements.count.value), length: Number(form.elements.length.value || 8), ...codeTarget(form.elements.benefit) };
  try {
    const batch = await call("POST", "/v1/codes", body);
    say($("bulk-message"), `${batch.count} one-time codes made.`, "ok");
    const download = el("button", { class: "button secondary", type: "button", text: `Download the ${batch.count} codes (CSV)` });
    download.addEventListener("click", async () => {
      const response = await fetch(batch.csv, { headers: { Authorization: `Bearer ${key}` } });
      if (!response.ok) return say($("bulk-message"), "The CSV could not be downloaded. Try again.", "error");
      save(await response.blob(), `codes-${batch.batch_id}.csv`);
      return null;
    });
    const result = $("bulk-result");
    result.hidden = false;
    clear(result, el("ul", { class: "codes-out", "aria-label": "The first codes" }, batch.codes.slice(0, 12).map((code) => el("li", { text: code }))),
      batch.codes.length > 12 ? el("p", { class: "muted small", text: `…and ${batch.codes.length - 12} more in the CSV.` }) : null,
      download);
  } catch (error) {
    fieldErrors(form, error, $("bulk-message"));
  }
});

// --- members --------------------------------------------------------------------------------------

async function searchMembers(more) {
  const query = new URLSearchParams({ limit: "25" });
  const q = $("member-q").value.trim();
  if (q) query.set("q", q);
  if (more && memberCursor) query.set("cursor", memberCursor);
  const page = await call("GET", `/v1/members?${query}`);
  memberCursor = page.next_cursor;
  const rows = page.items.map((member) => {
    const name = `${member.first_name} ${member.last_name}`.trim() || "(no name)";
    return el("tr", { class: "clickable", onclick: () => openMember(member.id) },
      el("td", {}, el("button", { class: "link-button", type: "button", text: name,
        onclick: (clicked) => { clicked.stopPropagation(); openMember(member.id); } })),
      el("td", { text: member.phone }),
      el("td", { text: member.email || "" }),
      el("td", { class: "num", text: points(member.points_balance) }),
      el("td", { class: "num", text: points(member.lifetime_points) }),
      el("td", { text: member.tags.join(", ") }));
  });
  if (more) $("members-body").append(...rows);
  else clear($("members-body"), rows.length ? rows : el("tr", {}, el("td", { colspan: "6", class: "empty", text: q ? "No member matches." : "No members yet." })));
  $("members-more").hidden = !memberCursor;
}

$("member-search").addEventListener("submit", (event) => {
  event.preventDefault();
  searchMembers(false).catch((error) => notice(words(error), "error"));
});
$("members-more").addEventListener("click", () => searchMembers(true).catch((error) => notice(words(error), "error")));

async function openMember(id) {
  if (!benefits.length) await loadBenefitChoices();
  const [member, history] = await Promise.all([call("GET", `/v1/members/${id}`), call("GET", `/v1/members/${id}/history?limit=20`)]);
  const box = $("member-detail");
  const message = el("div", { class: "message", role: "status", "aria-live": "polite", hidden: true });
  const grant = el("form", { class: "inline-form" },
    el("label", { for: "grant-benefit", class: "visually-hidden", text: "Benefit to give" }),
    el("select", { id: "grant-benefit" }, benefits.map((benefit) => el("option", { value: benefit.id, text: benefit.name }))),
    el("button", { class: "button secondary", type: "submit", text: "Give benefit", disabled: !benefits.length }));
  grant.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await call("POST", `/v1/members/${id}/benefits`, { benefit_id: $("grant-benefit").value });
      await openMember(id);
      notice("Benefit given.");
    } catch (error) {
      say(message, words(error), "error");
    }
  });
  const adjust = el("form", { class: "inline-form" },
    el("label", { for: "adjust-points", class: "visually-hidden", text: "Points to add or take away" }),
    el("input", { id: "adjust-points", inputmode: "decimal", placeholder: "+10 or -5", required: true }),
    el("label", { for: "adjust-reason", class: "visually-hidden", text: "Reason" }),
    el("input", { id: "adjust-reason", placeholder: "Reason (required)", required: true }),
    el("button", { class: "button secondary", type: "submit", text: "Correct points" }));
  adjust.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await call("POST", `/v1/members/${id}/adjustments`, {
        points: $("adjust-points").value.trim().replace(/^\+/, ""), reason: $("adjust-reason").value.trim(),
      });
      await openMember(id);
      await searchMembers(false);
      notice("Points corrected.");
    } catch (error) {
      say(message, words(error), "error");
    }
  });
  const name = `${member.first_name} ${member.last_name}`.trim() || "(no name)";
  box.hidden = false;
  clear(box,
    el("div", { class: "cc-head" }, el("h2", { text: name }),
      el("span", { class: "balance" }, el("span", { class: "balance-value", text: points(member.points_balance) }), el("span", { class: "balance-label", text: "points" }))),
    el("p", { class: "muted", text: [member.phone, member.email, `joined ${localDate(member.created_at)}`].filter(Boolean).join(" · ") }),
    message,
    el("div", { class: "two-col" },
      el("div", {}, el("h3", { text: "Wallet" }),
        member.benefits.length ? el("ul", { class: "list" }, member.benefits.map((benefit) => el("li", {},
          el("span", {}, el("span", { class: "primary-text", text: benefit.name }),
            el("span", { class: "secondary-text", text: benefit.reason || (benefit.valid_until ? `until ${localDate(benefit.valid_until)}` : "no end") })),
          el("span", { class: `badge ${benefit.status === "active" ? "ok" : ""}`, text: benefit.status })))) : el("p", { class: "muted", text: "Empty." }),
        grant),
      el("div", {}, el("h3", { text: "History" }),
        history.items.length ? el("ul", { class: "list" }, history.items.map((item) => el("li", {},
          el("span", {}, el("span", { class: "primary-text", text: item.reason || item.kind }),
            el("span", { class: "secondary-text", text: `${item.kind} · ${localDateTime(item.at)}` })),
          el("span", { class: item.points.startsWith("-") ? "minus" : "plus", text: signedPoints(item.points) })))) : el("p", { class: "muted", text: "Nothing yet." }),
        adjust)));
  box.focus();
}

// --- settings -------------------------------------------------------------------------------------

async function loadPaymentSettings() {
  // Disabled while loading: a value typed before the answer arrives would be overwritten by it.
  const fields = $("payment-settings").querySelectorAll("input, select, button");
  for (const field of fields) field.disabled = true;
  try {
    business = await call("GET", "/v1/business");
  } finally {
    for (const field of fields) field.disabled = false;
  }
  $("payment-wallet").value = business.payment_wallet;
  $("payment-verification").checked = business.payment_verification;
  $("payment-min").value = business.payment_min ?? "";
  $("payment-max").value = business.payment_max ?? "";
}

$("payment-settings").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const limit = (id) => $(id).value.trim() || null; // empty: no limit
  try {
    business = await call("PATCH", "/v1/business", {
      payment_wallet: $("payment-wallet").value,
      payment_verification: $("payment-verification").checked,
      payment_min: limit("payment-min"),
      payment_max: limit("payment-max"),
    });
    for (const node of form.querySelectorAll(".field-error")) node.remove();
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    await loadPaymentSettings();
    say($("settings-message"), "Settings saved.", "ok");
  } catch (error) {
    fieldErrors(form, error, $("settings-message"));
  }
});

// --- start ----------------------------------------------------------------------------------------

async function start() {
  $("cc-setup").hidden = true;
  try {
    business = business || (await api(key, "GET", "/v1/business"));
  } catch (error) {
    showSetup(words(error));
    return;
  }
  $("business-name").textContent = business.name;
  $("cc").hidden = false;
  await route();
}

window.addEventListener("hashchange", route);
if (key) start();
else showSetup();
