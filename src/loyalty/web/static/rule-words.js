// A rule's conditions, validity and deals in words, for the rule list, the programs and the confirmations.
import { N_, tr, money, localDateTime } from "./common.js";

const DAYS = { mon: N_("Mon"), tue: N_("Tue"), wed: N_("Wed"), thu: N_("Thu"), fri: N_("Fri"), sat: N_("Sat"), sun: N_("Sun") };
const ORDER = Object.keys(DAYS);

// The states a rule, a card, a benefit or a delivery is in, as the lists and badges say them.
const STATUSES = {
  active: N_("active"),
  draft: N_("draft"),
  stopped: N_("stopped"),
  editor: N_("editor"),
  used: N_("used"),
  expired: N_("expired"),
  inactive: N_("inactive"),
  reserved: N_("reserved"),
  redeemed: N_("redeemed"),
  pending: N_("pending"),
  delivered: N_("delivered"),
  failed: N_("failed"),
};

export function statusText(status) {
  return STATUSES[status] ? tr(STATUSES[status]) : status;
}

// "A, B or C": names a marketer wrote, read with "or".
export function list(names) {
  const all = [].concat(names || []);
  if (all.length <= 1) return all.join("");
  return tr("{names} or {last}", { names: all.slice(0, -1).join(", "), last: all[all.length - 1] });
}

// "only on Tue and Thu · from 17:00 to 19:00 · members tagged VIP · at least 20.00 spent"
export function conditionsText(rule, branches = []) {
  const c = rule.conditions || {};
  const parts = [];
  if (c.weekdays?.length) {
    const days = [...c.weekdays].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b)).map((name) => (DAYS[name] ? tr(DAYS[name]) : name));
    parts.push(days.length === 1 ? tr("only on {day}", { day: days[0] })
      : tr("only on {days} and {last}", { days: days.slice(0, -1).join(", "), last: days[days.length - 1] }));
  }
  if (c.time_from && c.time_until) parts.push(tr("from {from} to {until}", { from: c.time_from, until: c.time_until }));
  else if (c.time_from) parts.push(tr("from {time}", { time: c.time_from }));
  else if (c.time_until) parts.push(tr("before {time}", { time: c.time_until }));
  if (c.min_spend) parts.push(tr("at least {amount} spent", { amount: money(c.min_spend) }));
  if (c.contains) {
    const what = list([...(c.contains.codes || []), ...(c.contains.departments || []), ...(c.contains.tags || [])]);
    parts.push(c.contains.min_quantity ? tr("with at least {count} of {what}", { count: c.contains.min_quantity, what })
      : tr("with {what} in the basket", { what }));
  }
  if (c.member_tags?.length) parts.push(tr("members tagged {tags}", { tags: list(c.member_tags) }));
  if (c.branches?.length) {
    const names = c.branches.map((id) => branches.find((branch) => branch.id === id)?.name || tr("another branch"));
    parts.push(tr("at {branches} only", { branches: list(names) }));
  }
  return parts.join(" · ");
}

// "no end date", "until 24 Dec 2026, 00:00", "ended 3 Nov 2026, 10:00", "starts …", in the page's language.
export function validityText(rule, now = new Date()) {
  const from = rule.valid_from ? new Date(rule.valid_from) : null;
  const until = rule.valid_until ? new Date(rule.valid_until) : null;
  if (until && until <= now) return tr("ended {date}", { date: localDateTime(rule.valid_until) });
  if (from && from > now) {
    return until ? tr("starts {date}, ends {end}", { date: localDateTime(rule.valid_from), end: localDateTime(rule.valid_until) })
      : tr("starts {date}", { date: localDateTime(rule.valid_from) });
  }
  if (until) return tr("until {date}", { date: localDateTime(rule.valid_until) });
  if (from) return tr("since {date}", { date: localDateTime(rule.valid_from) });
  return tr("no end date");
}

// A deal's discount action: "20% off COLA (at most 5.00)", "2.00 off the purchase".
export function dealText(action) {
  const discount = action.discount || {};
  const items = action.items ? Object.values(action.items).flat().join(", ") : null;
  const off = discount.percent
    ? (items ? tr("{percent}% off {items}", { percent: discount.percent, items }) : tr("{percent}% off the purchase", { percent: discount.percent }))
    : (items ? tr("{amount} off {items}", { amount: money(discount.amount), items }) : tr("{amount} off the purchase", { amount: money(discount.amount) }));
  const most = discount.percent && discount.max ? " " + tr("(at most {amount})", { amount: money(discount.max) }) : "";
  return off + most;
}
