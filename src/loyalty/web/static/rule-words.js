// A rule's conditions, validity and deals in words, for the rule list, the programs and the confirmations.
import { money } from "./common.js";

const DAYS = { mon: "Mon", tue: "Tue", wed: "Wed", thu: "Thu", fri: "Fri", sat: "Sat", sun: "Sun" };
const ORDER = Object.keys(DAYS);

function list(names) {
  const all = [].concat(names || []);
  if (all.length <= 1) return all.join("");
  return `${all.slice(0, -1).join(", ")} or ${all[all.length - 1]}`;
}

function day(iso) {
  return new Date(iso).toLocaleString(undefined, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

// "only on Tue and Thu · from 17:00 to 19:00 · members tagged VIP · at least 20.00 spent"
export function conditionsText(rule, branches = []) {
  const c = rule.conditions || {};
  const parts = [];
  if (c.weekdays?.length) {
    const days = [...c.weekdays].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)).map((name) => DAYS[name] || name);
    parts.push(days.length === 1 ? `only on ${days[0]}` : `only on ${days.slice(0, -1).join(", ")} and ${days[days.length - 1]}`);
  }
  if (c.time_from && c.time_until) parts.push(`from ${c.time_from} to ${c.time_until}`);
  else if (c.time_from) parts.push(`from ${c.time_from}`);
  else if (c.time_until) parts.push(`before ${c.time_until}`);
  if (c.min_spend) parts.push(`at least ${c.min_spend} spent`);
  if (c.contains) {
    const what = list([...(c.contains.codes || []), ...(c.contains.departments || []), ...(c.contains.tags || [])]);
    parts.push(c.contains.min_quantity ? `with at least ${c.contains.min_quantity} of ${what}` : `with ${what} in the basket`);
  }
  if (c.member_tags?.length) parts.push(`members tagged ${list(c.member_tags)}`);
  if (c.branches?.length) {
    const names = c.branches.map((id) => branches.find((branch) => branch.id === id)?.name || "another branch");
    parts.push(`at ${list(names)} only`);
  }
  return parts.join(" · ");
}

// "always", "from 1 Dec 2026, 00:00 until 24 Dec 2026, 00:00", "ended 3 Nov 2026, 10:00", "starts …".
export function validityText(rule, now = new Date()) {
  const from = rule.valid_from ? new Date(rule.valid_from) : null;
  const until = rule.valid_until ? new Date(rule.valid_until) : null;
  if (until && until <= now) return `ended ${day(rule.valid_until)}`;
  if (from && from > now) return `starts ${day(rule.valid_from)}${until ? `, ends ${day(rule.valid_until)}` : ""}`;
  if (until) return `until ${day(rule.valid_until)}`;
  if (from) return `since ${day(rule.valid_from)}`;
  return "no end date";
}

// A deal's discount action: "20% off COLA (at most 5.00)", "2.00 off the purchase".
export function dealText(action) {
  const discount = action.discount || {};
  const off = discount.percent ? `${discount.percent}% off` : `${money(discount.amount)} off`;
  const on = action.items ? ` ${Object.values(action.items).flat().join(", ")}` : " the purchase";
  const most = discount.percent && discount.max ? ` (at most ${money(discount.max)})` : "";
  return `${off}${on}${most}`;
}
