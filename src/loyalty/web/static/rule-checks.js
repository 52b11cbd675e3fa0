// Every mistake of a rule form at once, each as a sentence naming its field (tr("Points: enter how many points,
// like 10.")), before anything is sent. The server checks again; what it refuses is shown the same way.
import { tr } from "./common.js";

const NUMBER = /^\d+(\.\d+)?$/;
const MONEY = /^\d+(\.\d{1,4})?$/;

function blank(value) {
  return value === undefined || value === null || String(value).trim() === "";
}

export function ruleProblems(rule) {
  const problems = [];
  const add = (path, message) => problems.push({ path, message });
  if (blank(rule.name)) add("name", tr("Name: give the rule a name, like “Tickets: 1 point per 1.00”."));
  const c = rule.conditions || {};
  if (rule.trigger === "lifetime_points" && !NUMBER.test(String(c.lifetime_points_at_least ?? "").trim())) {
    add("conditions.lifetime_points_at_least", tr("Lifetime points at least: enter the threshold, like 500."));
  }
  if (rule.trigger === "code_used" && blank(c.code)) add("conditions.code", tr("Promo code: enter the code that fires the rule, like WELCOME."));
  if (rule.trigger === "event" && blank(c.event)) add("conditions.event", tr("Event name: enter the event's name, like reviewed_a_film."));
  if (!blank(c.min_spend) && !MONEY.test(String(c.min_spend).trim())) add("conditions.min_spend", tr("Minimum spend: enter an amount, like 20.00."));
  if (c.contains && !blank(c.contains.min_quantity) && !NUMBER.test(String(c.contains.min_quantity).trim())) {
    add("conditions.contains.min_quantity", tr("At least this many: enter a quantity, like 2."));
  }
  if (rule.limits && !(Number.isInteger(rule.limits.per_member) && rule.limits.per_member >= 1)) {
    add("limits.per_member", tr("At most, per member: enter a whole number of times, like 1, or leave it empty for no limit."));
  }
  if (rule.valid_from && rule.valid_until && new Date(rule.valid_until) <= new Date(rule.valid_from)) {
    add("valid_until", tr("Ends: choose a moment after the start."));
  }
  (rule.actions || []).forEach((action, index) => {
    const at = (key) => `actions.${index}.${key}`;
    if (action.type === "grant_benefit" && blank(action.benefit_id)) add(at("benefit_id"), tr("Benefit: create a benefit first, then choose it here."));
    if ((action.type === "tag_member" || action.type === "untag_member") && blank(action.tag)) add(at("tag"), tr("Tag: enter the tag, like VIP."));
    if (action.type === "discount") {
      const deal = action.discount || {};
      if (blank(deal.percent) === blank(deal.amount)) {
        add(at(blank(deal.percent) ? "discount.percent" : "discount.amount"),
          blank(deal.percent) ? tr("Deal percentage: enter a percentage (like 20) or money off (like 2.00).")
            : tr("Or money off: a deal is a percentage or money off, not both; clear one."));
      }
      if (!blank(deal.amount) && !blank(deal.max)) add(at("discount.max"), tr("At most: a cap goes with a percentage, not with money off."));
      return;
    }
    if (action.type !== "add_points") return;
    const number = (key) => NUMBER.test(String(action[key] ?? "").trim()) && Number(action[key]) > 0;
    if (action.mode !== "percent" && !number("points")) add(at("points"), tr("Points: enter how many points, like 10."));
    if (action.mode === "repeat" && !blank(action.every) && !number("every")) add(at("every"), tr("For every (quantity): enter a quantity, like 1."));
    if (action.mode === "rate" && !(MONEY.test(String(action.per ?? "").trim()) && Number(action.per) > 0)) {
      add(at("per"), tr("Per amount spent: enter an amount, like 1.00."));
    }
    if (action.mode === "percent" && !number("percent")) add(at("percent"), tr("Percent of the spend: enter a percentage, like 10."));
  });
  return problems;
}

// A server refusal ("actions.0.per: is required for a rate action") as a sentence naming the field's label.
export function sentence(label, message) {
  const text = message.replace(/^[\w.]+: /, "");
  const problem = text.charAt(0).toLowerCase() + text.slice(1);
  return label ? tr("{label}: {problem}", { label, problem }) + (/[.!?]$/.test(text) ? "" : ".") : text;
}
