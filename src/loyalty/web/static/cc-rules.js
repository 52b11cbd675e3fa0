// Rules: the list with their state at the tills, activating and stopping them, and the editor (with JSON in and
// out); every change that reaches the tills is confirmed first.
import { words, say, el, clear, tr } from "./common.js";
import {
  clearErrors, formToRule, ruleToForm, setBranches, showFieldError, summary, triggerText,
} from "./rule-form.js";
import { conditionsText, statusText, validityText } from "./rule-words.js";
import { ruleProblems, sentence } from "./rule-checks.js";
import { call } from "./cc-api.js";
import { notice, go, refusal, save } from "./cc-page.js";
import { benefits, loadBenefitChoices } from "./cc-benefits.js";
import { handed } from "./cc-try.js";
import { confirmChange } from "./cc-confirm.js";

const $ = (id) => document.getElementById(id);
let editing = null; // the stored rule open in the editor, or null for a new one
let branches = [];

export async function loadRules() {
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
    el("td", {}, el("span", { class: `badge ${rule.status}`, text: statusText(rule.status) })),
    el("td", { class: "num col-revision", text: String(rule.revision) }),
    el("td", {}, el("div", { class: "row-actions" },
      rule.status === "active"
        ? el("button", { class: "button secondary small", type: "button", "aria-label": tr("Stop {name}", { name: rule.name }), text: tr("Stop"), onclick: () => setStatus(rule, "stop") })
        : el("button", { class: "button primary small", type: "button", "aria-label": tr("Activate {name}", { name: rule.name }), text: tr("Activate"), onclick: () => setStatus(rule, "activate") }),
      el("a", { class: "button ghost small", href: `#/rules/${rule.id}`, "aria-label": tr("Edit {name}", { name: rule.name }), text: tr("Edit") }))))) :
    el("tr", {}, el("td", { colspan: "5", class: "empty", text: tr("No rules yet. Create the first one.") })));
}

function tillWords(rule) {
  const when = [triggerText(rule), conditionsText(rule, branches)].filter(Boolean).join(", ");
  return tr("{when}: {what} ({validity}).", { when, what: summary(rule, benefits), validity: validityText(rule) });
}

function confirmActivation(rule) {
  return confirmChange(tr("Activate “{name}”?", { name: rule.name }), tr("Activate"),
    tr("From the moment you confirm, every till gives this to identified members:"), tillWords(rule),
    tr("Try it on a basket or backtest it first if you are not sure."));
}

async function setStatus(rule, action) {
  const sure = action === "activate"
    ? await confirmActivation(rule)
    : await confirmChange(tr("Stop “{name}”?", { name: rule.name }), tr("Stop"),
      tr("From the moment you confirm, the tills no longer give:"), tillWords(rule),
      tr("What it already gave stays with the members."));
  if (!sure) {
    notice(tr("Nothing changed: “{name}” is still {status}.", { name: rule.name, status: statusText(rule.status) }), "info");
    return;
  }
  try {
    await call("POST", `/v1/rules/${rule.id}/${action}`);
    await loadRules();
    notice(action === "activate" ? tr("\"{name}\" is active: it fires from now on.", { name: rule.name }) : tr("\"{name}\" is stopped.", { name: rule.name }));
  } catch (error) {
    notice(words(error), "error");
  }
}

export async function openRule(id) {
  // The benefits fill their selects when they arrive; the form itself is ready at once, so typing is never lost.
  const choices = Promise.all([
    loadBenefitChoices(),
    call("GET", "/v1/branches").then((found) => { branches = found; setBranches(found); }),
  ]).catch((error) => notice(words(error), "error"));
  clearErrors();
  say($("rule-message"), "");
  // Back from "try a basket": the editor shows the rule as it was left, not as it was stored.
  const unsaved = handed.draft && handed.from === id ? handed.draft : null;
  if (id === "new") {
    editing = null;
    ruleToForm(unsaved || { trigger: "purchase", actions: [{ type: "add_points", mode: "fixed" }] });
    $("rule-title").textContent = tr("New rule");
    clear($("rule-status"));
  } else {
    $("rule-title").textContent = tr("Loading…");
    editing = await call("GET", `/v1/rules/${id}`);
    ruleToForm(unsaved || editing);
    $("rule-title").textContent = editing.name;
    clear($("rule-status"), el("span", { class: `badge ${editing.status}`, text: statusText(editing.status) }), " ",
      el("span", { class: "muted", text: tr("revision {number}", { number: editing.revision }) }));
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
      : tr("{count} things to fix, each shown beside its field.", { count: problems.length }), "error");
    return;
  }
  const live = editing?.status === "active";
  const sure = status === "active" && !live ? await confirmActivation(rule)
    : live ? await confirmChange(tr("Change “{name}”?", { name: editing.name }), tr("Change"),
      tr("It is active: from the moment you confirm, every till gives this instead:"), tillWords(rule),
      tr("Purchases already made keep what they earned."))
      : true;
  if (!sure) {
    say($("rule-message"), tr("Not saved: nothing changed at the tills."), "info");
    return;
  }
  try {
    const saved = editing
      ? await call("PUT", `/v1/rules/${editing.id}`, { ...rule, revision: editing.revision })
      : await call("POST", "/v1/rules", rule);
    handed.draft = null;
    handed.from = null;
    $("basket-back").hidden = true;
    go("#/rules", tr("\"{name}\" saved (revision {revision}, {status}).", { name: saved.name, revision: saved.revision, status: statusText(saved.status) }));
  } catch (error) {
    const path = error.details?.field;
    const said = path ? sentence(labelOf(path), refusal(error.message.replace(/^[\w.]+: /, ""))) : words(error);
    const shown = path && showFieldError(path, said);
    say($("rule-message"), error.code === "rule_revision_conflict"
      ? tr("Someone changed this rule meanwhile. Reload it to see their change, then edit again.")
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

function fromEditor() {
  handed.draft = formToRule();
  handed.from = editing ? editing.id : "new";
  handed.chosen = true;
}

$("rule-try").addEventListener("click", () => {
  fromEditor();
  $("basket-back").href = `#/rules/${handed.from}`;
  $("basket-back").hidden = false;
  $("basket-trigger").value = handed.draft.trigger;
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
    say($("rule-message"), tr("The form now holds the imported rule. Check it, then save."), "ok");
  } catch {
    say($("rule-message"), tr("This is not the JSON of one rule. Paste an object like the one “Show the form as JSON” gives."), "error");
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
