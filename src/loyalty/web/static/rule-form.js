// The rule editor: real form fields for every rule type of the Campaign Center, to and from the rule's JSON.
import { N_, tr, el, money, points, splitList } from "./common.js";
import { dealText } from "./rule-words.js";
import { addTranslations, fillNames, namesOf } from "./cc-names.js";

const form = document.getElementById("rule-form");
const actionsBox = document.getElementById("rule-actions");
const template = document.getElementById("action-template");
if (form) addTranslations(form);
let boxes = 0; // a counter for unique element ids, never reused

// --- one action ----------------------------------------------------------------------------------

function field(box, key) {
  return box.querySelector(`[data-key="${key}"]`);
}

function mode(box) {
  return box.querySelector('[data-key="mode"]:checked')?.value || "fixed";
}

export function addAction(action = null) {
  const box = template.content.firstElementChild.cloneNode(true);
  const n = ++boxes;
  for (const input of box.querySelectorAll("[data-key]")) {
    if (input.type === "radio") {
      input.name = `mode-${n}`;
      input.id = `action-${n}-mode-${input.value}`;
    } else {
      input.id = `action-${n}-${input.dataset.key.replace(".", "-")}`;
    }
  }
  for (const label of box.querySelectorAll("label[data-for]")) {
    label.htmlFor = `action-${n}-${label.dataset.for.replace(".", "-")}`;
  }
  box.querySelector("[data-remove]").addEventListener("click", () => {
    box.remove();
    renumber();
  });
  box.addEventListener("change", () => sync(box));
  actionsBox.append(box);
  fillBenefits(field(box, "benefit_id"));
  if (action) actionToBox(box, action);
  renumber();
  return box;
}

function renumber() {
  const all = [...actionsBox.children];
  all.forEach((box, index) => {
    box.querySelector('[data-slot="number"]').textContent = all.length > 1 ? String(index + 1) : "";
    box.querySelector("[data-remove]").hidden = all.length === 1;
    for (const input of box.querySelectorAll("[data-key]")) input.dataset.path = `actions.${index}.${input.dataset.key}`;
    sync(box);
  });
}

// Show only the fields of the chosen action type and mode; modes other than fixed need a purchase.
function sync(box) {
  const type = field(box, "type").value;
  const trigger = form.elements.trigger.value;
  if (trigger !== "purchase" && mode(box) !== "fixed") box.querySelector('[data-key="mode"][value="fixed"]').checked = true;
  const current = mode(box);
  for (const part of box.querySelectorAll("[data-show]")) part.hidden = !part.dataset.show.split(" ").includes(type);
  for (const part of box.querySelectorAll("[data-modes]")) {
    const counted = type === "add_points" && part.dataset.modes.split(" ").includes(current);
    part.hidden = !counted && !(type === "discount" && part.hasAttribute("data-deal"));
  }
  for (const part of box.querySelectorAll("[data-purchase-only]")) part.hidden = trigger !== "purchase";
}

function selector(box, prefix) {
  const result = {};
  for (const name of ["codes", "departments", "tags"]) {
    const list = splitList(field(box, `${prefix}.${name}`).value);
    if (list.length) result[name] = list;
  }
  return Object.keys(result).length ? result : null;
}

function boxToAction(box) {
  const type = field(box, "type").value;
  if (type === "grant_benefit") return { type, benefit_id: field(box, "benefit_id").value };
  if (type === "tag_member" || type === "untag_member") return { type, tag: field(box, "tag").value.trim() };
  if (type === "discount") return boxToDeal(box);
  const chosen = mode(box);
  const action = { type, mode: chosen };
  const text = (key) => field(box, key).value.trim();
  // An empty field is left out, so the server says "is required" rather than "not ''".
  const put = (key) => {
    if (text(key)) action[key] = text(key);
  };
  if (chosen !== "percent") put("points");
  if (chosen === "repeat") put("every");
  if (chosen === "rate") put("per");
  if (chosen === "percent") put("percent");
  if (chosen !== "fixed") {
    const items = selector(box, "items");
    const exclude = selector(box, "exclude_items");
    if (items) action.items = items;
    if (exclude) action.exclude_items = exclude;
  }
  if (chosen === "rate" || chosen === "percent") {
    const mops = splitList(text("exclude_mops"));
    if (mops.length) action.exclude_mops = mops;
  }
  return action;
}

// A deal: a percentage (with an optional cap) or money off, on the items named or the whole purchase. Both
// typed are both sent, so the server's refusal names them rather than one being dropped.
function boxToDeal(box) {
  const text = (key) => field(box, key).value.trim();
  const discount = {};
  for (const key of ["percent", "max", "amount"]) if (text(`discount.${key}`)) discount[key] = text(`discount.${key}`);
  const action = { type: "discount", discount };
  const items = selector(box, "items");
  if (items) action.items = items;
  return action;
}

function actionToBox(box, action) {
  field(box, "type").value = action.type;
  if (action.type === "grant_benefit") {
    const select = field(box, "benefit_id");
    if (![...select.options].some((option) => option.value === action.benefit_id)) {
      select.append(el("option", { value: action.benefit_id, text: tr("Benefit {id}", { id: action.benefit_id }) }));
    }
    select.value = action.benefit_id;
  }
  if (action.tag !== undefined) field(box, "tag").value = action.tag;
  if (action.type === "discount") {
    for (const key of ["percent", "max", "amount"]) field(box, `discount.${key}`).value = action.discount?.[key] ?? "";
    for (const name of ["codes", "departments", "tags"]) field(box, `items.${name}`).value = (action.items?.[name] || []).join(", ");
    return;
  }
  if (action.type !== "add_points") return;
  box.querySelector(`[data-key="mode"][value="${action.mode || "fixed"}"]`).checked = true;
  for (const key of ["points", "every", "per", "percent"]) if (action[key] !== undefined) field(box, key).value = action[key];
  for (const prefix of ["items", "exclude_items"]) {
    for (const name of ["codes", "departments", "tags"]) {
      field(box, `${prefix}.${name}`).value = (action[prefix]?.[name] || []).join(", ");
    }
  }
  const mops = action.exclude_mops;
  if (mops) field(box, "exclude_mops").value = Array.isArray(mops) ? mops.join(", ") : mops;
}

// --- benefits offered by grant_benefit actions ---------------------------------------------------

let benefitChoices = [];

export function setBenefits(benefits) {
  benefitChoices = benefits;
  for (const select of actionsBox.querySelectorAll('[data-key="benefit_id"]')) fillBenefits(select);
}

function fillBenefits(select) {
  const chosen = select.value;
  select.replaceChildren(...benefitChoices.map((benefit) => el("option", { value: benefit.id, text: benefit.name })));
  if (!benefitChoices.length) select.append(el("option", { value: "", text: tr("Create a benefit first") }));
  if (chosen) select.value = chosen;
}

// --- branches, offered when the business has more than one ----------------------------------------

let branchChoices = [];

export function setBranches(branches) {
  branchChoices = branches;
  drawBranches(checkedBranches());
}

function checkedBranches() {
  return [...form.querySelectorAll('input[name="branch"]:checked')].map((box) => box.value);
}

function drawBranches(checked) {
  const known = branchChoices.map((branch) => [branch.id, branch.name]);
  const unknown = checked.filter((id) => !branchChoices.some((branch) => branch.id === id)).map((id) => [id, id]);
  document.getElementById("rule-branches").replaceChildren(...[...known, ...unknown].map(([id, name]) => el("label", {},
    el("input", { type: "checkbox", name: "branch", value: id, checked: checked.includes(id) }), ` ${name}`)));
  document.getElementById("branches-field").hidden = known.length + unknown.length < 2 && !checked.length;
}

// --- the whole rule ------------------------------------------------------------------------------

function toIso(local) {
  return local ? new Date(local).toISOString() : null;
}

function toLocal(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function formToRule() {
  const value = (name) => form.elements[name].value.trim();
  const trigger = value("trigger");
  const conditions = {};
  if (trigger === "lifetime_points") conditions.lifetime_points_at_least = value("lifetime_points_at_least");
  if (trigger === "code_used") conditions.code = value("code");
  if (trigger === "event") conditions.event = value("event");
  if (trigger === "purchase") {
    if (value("min_spend")) conditions.min_spend = value("min_spend");
    const contains = {};
    for (const name of ["departments", "codes", "tags"]) {
      const list = splitList(value(`contains_${name}`));
      if (list.length) contains[name] = list;
    }
    if (Object.keys(contains).length) {
      if (value("contains_min_quantity")) contains.min_quantity = value("contains_min_quantity");
      conditions.contains = contains;
    }
  }
  const tags = splitList(value("member_tags"));
  if (tags.length) conditions.member_tags = tags;
  const branches = checkedBranches();
  if (branches.length) conditions.branches = branches;
  const weekdays = [...form.querySelectorAll('input[name="weekday"]:checked')].map((box) => box.value);
  if (weekdays.length) conditions.weekdays = weekdays;
  if (value("time_from")) conditions.time_from = value("time_from");
  if (value("time_until")) conditions.time_until = value("time_until");
  const rule = {
    name: value("name"),
    names: namesOf(form),
    trigger,
    valid_from: toIso(value("valid_from")),
    valid_until: toIso(value("valid_until")),
    conditions,
    limits: value("per_member") ? { per_member: Number(value("per_member")), period: value("period") } : null,
    actions: [...actionsBox.children].map(boxToAction),
  };
  return rule;
}

export function ruleToForm(rule) {
  form.reset();
  const set = (name, text) => {
    form.elements[name].value = text ?? "";
  };
  const conditions = rule.conditions || {};
  set("name", rule.name);
  fillNames(form, rule.names);
  set("trigger", rule.trigger || "purchase");
  set("lifetime_points_at_least", conditions.lifetime_points_at_least);
  set("code", conditions.code);
  set("event", conditions.event);
  set("min_spend", conditions.min_spend);
  for (const name of ["departments", "codes", "tags"]) set(`contains_${name}`, (conditions.contains?.[name] || []).join(", "));
  set("contains_min_quantity", conditions.contains?.min_quantity);
  set("member_tags", (conditions.member_tags || []).join(", "));
  for (const box of form.querySelectorAll('input[name="weekday"]')) box.checked = (conditions.weekdays || []).includes(box.value);
  drawBranches(conditions.branches || []);
  set("time_from", conditions.time_from);
  set("time_until", conditions.time_until);
  set("per_member", rule.limits?.per_member);
  set("period", rule.limits?.period || "ever");
  set("valid_from", toLocal(rule.valid_from));
  set("valid_until", toLocal(rule.valid_until));
  actionsBox.replaceChildren();
  const actions = rule.actions?.length ? rule.actions : [{ type: "add_points", mode: "fixed" }];
  for (const action of actions) addAction(action);
  syncTrigger();
}

export function syncTrigger() {
  const trigger = form.elements.trigger.value;
  for (const part of form.querySelectorAll("[data-trigger]")) part.hidden = part.dataset.trigger !== trigger;
  for (const box of actionsBox.children) sync(box);
}

// --- errors that name a field (actions.0.per) are shown next to it --------------------------------

export function clearErrors() {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

export function showFieldError(path, message, focus = true) {
  let target = null;
  for (let probe = path; probe && !target; probe = probe.includes(".") ? probe.slice(0, probe.lastIndexOf(".")) : "") {
    target = form.querySelector(`[data-path="${probe}"]`);
  }
  if (!target) return false;
  const control = target.matches("input, select, textarea") ? target : target.querySelector("input, select");
  control?.setAttribute("aria-invalid", "true");
  const note = el("span", { class: "field-error", id: `error-${path.replace(/\W/g, "-")}`, text: message });
  control?.setAttribute("aria-describedby", note.id);
  (target.closest(".field") || target).append(note);
  if (focus && target.closest("[hidden]") === null) control?.focus();
  return true;
}

// A one-line reading of a rule for the list: what it gives and on what.
export function summary(rule, benefits = []) {
  const limit = rule.limits ? ` · ${tr(LIMITS[rule.limits.period] || LIMITS.ever, { count: rule.limits.per_member })}` : "";
  return rule.actions.map((action) => {
    if (action.type === "grant_benefit") {
      return tr("gives {benefit}", { benefit: benefits.find((benefit) => benefit.id === action.benefit_id)?.name || tr("a benefit") });
    }
    if (action.type === "tag_member") return tr("tags \"{tag}\"", { tag: action.tag });
    if (action.type === "untag_member") return tr("removes the tag \"{tag}\"", { tag: action.tag });
    if (action.type === "discount") return tr("deal: {deal}", { deal: dealText(action) });
    const on = action.items ? " " + tr("on {items}", { items: Object.values(action.items).flat().join(", ") }) : "";
    const but = action.exclude_items ? ", " + tr("not {items}", { items: Object.values(action.exclude_items).flat().join(", ") }) : "";
    const mops = action.exclude_mops?.length ? ", " + tr("not paid by {means}", { means: [].concat(action.exclude_mops).join(", ") }) : "";
    const one = /^1(\.0+)?$/.test(String(action.points));
    const pts = one ? tr("{count} point", { count: points(action.points) }) : tr("{count} points", { count: points(action.points) });
    if (action.mode === "fixed") return pts;
    const every = String(action.every || "1");
    if (action.mode === "repeat") {
      const each = /^1(\.0+)?$/.test(every) ? tr("{points} per item", { points: pts }) : tr("{points} per {count} items", { points: pts, count: every });
      return each + on + but;
    }
    if (action.mode === "rate") return tr("{points} per {amount} spent", { points: pts, amount: money(action.per) }) + on + but + mops;
    return tr("{percent}% of the spend in points", { percent: action.percent }) + on + but + mops;
  }).join(" · ") + limit;
}

// "at most 1× per member a day", by the limit's period.
const LIMITS = {
  ever: N_("at most {count}× per member"),
  day: N_("at most {count}× per member a day"),
  week: N_("at most {count}× per member a week"),
  month: N_("at most {count}× per member a month"),
  year: N_("at most {count}× per member a year"),
};

export const TRIGGERS = {
  purchase: N_("Purchase"),
  joined: N_("Joining"),
  lifetime_points: N_("Lifetime points"),
  code_used: N_("Promo code"),
  event: N_("Custom event"),
};

export function triggerText(rule) {
  const conditions = rule.conditions || {};
  if (rule.trigger === "lifetime_points") return tr("Lifetime points reach {points}", { points: points(conditions.lifetime_points_at_least) });
  if (rule.trigger === "code_used") return tr("Code {code}", { code: conditions.code });
  if (rule.trigger === "event") return tr("Event \"{event}\"", { event: conditions.event });
  const trigger = TRIGGERS[rule.trigger] ? tr(TRIGGERS[rule.trigger]) : rule.trigger;
  return conditions.min_spend ? tr("{trigger} of at least {amount}", { trigger, amount: money(conditions.min_spend) }) : trigger;
}

form.elements.trigger.addEventListener("change", syncTrigger);
document.getElementById("add-action").addEventListener("click", () => {
  const box = addAction();
  box.querySelector("select").focus();
});
