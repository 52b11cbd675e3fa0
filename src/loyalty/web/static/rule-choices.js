// A checklist of rules to try or backtest together: the rule in the editor, then every stored rule with its
// status, active ones first. The body of a request names them: stored ones by id, the editor's as a draft.
import { el, clear, tr } from "./common.js";
import { statusText } from "./rule-words.js";

const EDITOR = "__editor";

export function drawChoices(fieldset, rules, { editorRule = null, checkEditor = false, trigger = null } = {}) {
  const box = fieldset.querySelector("[data-choices]");
  const before = new Set([...box.querySelectorAll("input:checked")].map((input) => input.value));
  const fresh = !box.children.length;
  const order = { active: 0, draft: 1, stopped: 2 };
  const shown = rules
    .filter((rule) => !trigger || rule.trigger === trigger)
    .sort((a, b) => order[a.status] - order[b.status] || a.name.localeCompare(b.name));
  const prefix = fieldset.id;
  const choice = (value, text, status, checked) => el("label", { class: "choice" },
    el("input", { type: "checkbox", value, id: `${prefix}-${value}`, checked }),
    ` ${text} `, el("span", { class: `badge ${status}`, text: statusText(status) }));
  const items = [];
  if (editorRule) items.push(choice(EDITOR, editorRule.name || tr("The rule in the editor"), "editor", checkEditor || before.has(EDITOR)));
  for (const rule of shown) {
    const checked = checkEditor ? false : fresh ? rule.status === "active" : before.has(rule.id);
    items.push(choice(rule.id, rule.name, rule.status, checked));
  }
  clear(box, items.length ? items : el("p", { class: "muted", text: tr("No rules yet.") }));
}

export function chosenRules(fieldset, editorRule) {
  return [...fieldset.querySelectorAll("[data-choices] input:checked")].map((input) => (
    input.value === EDITOR ? editorRule : { id: input.value }));
}
