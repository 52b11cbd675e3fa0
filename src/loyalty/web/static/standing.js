// Points with dates, in words, for the member app and the till: the points still pending, the next expiry
// ("12 points expire on 31 March 2027": with its year, points may live for years) and the way to the next tier
// ("120 of 500 points to Gold").
import { el, points, tr, localDate, LANG, LOCALE } from "./common.js";

// Points expire at the local midnight that ends their last day: that day is the one to name.
export function expiryDay(iso) {
  return new Date(Date.parse(iso) - 1000).toLocaleDateString(LANG === "en" ? undefined : LOCALE, { day: "numeric", month: "long", year: "numeric" });
}

// "18 more points pending until 20 December 2026": the day the last of them becomes spendable, with its year.
export function pendingText(member) {
  if (!(Number(member.points_pending) > 0)) return "";
  if (!member.pending_until) return tr("{points} more points pending: spendable once the return period is over", { points: points(member.points_pending) });
  return tr("{points} more points pending until {day}", { points: points(member.points_pending), day: localDate(member.pending_until, "long") });
}

export function expiryText(member) {
  const next = member.next_expiry;
  if (!next) return "";
  return tr("{points} points expire on {day}", { points: points(next.points), day: expiryDay(next.at) });
}

export function tierText(member) {
  const progress = member.tier_progress;
  if (!progress) return "";
  if (!progress.next_tier) return member.tier ? tr("{tier}: the top tier", { tier: member.tier }) : "";
  return tr("{earned} of {threshold} points to {tier}", { earned: points(progress.earned), threshold: points(progress.next_threshold), tier: progress.next_tier });
}

// The tier bar's share: points earned in the window over the next threshold, 0 to 1.
export function tierShare(member) {
  const progress = member.tier_progress;
  if (!progress) return 0;
  if (!progress.next_tier) return 1;
  return Math.max(0, Math.min(1, Number(progress.earned) / Number(progress.next_threshold)));
}

export function standingView(member, { compact = false } = {}) {
  const rows = [];
  if (member.tier_progress) {
    rows.push(el("div", { class: "tier-line" },
      el("span", { class: `tier-badge${member.tier ? "" : " none"}`, text: member.tier || tr("No tier yet") }),
      el("span", { class: "tier-text", "data-standing": "tier", text: tierText(member) })));
    if (!compact) {
      const bar = el("div", { class: "tier-bar", role: "progressbar", "aria-label": tierText(member),
        "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(tierShare(member) * 100)) },
      el("div", { class: "tier-bar-fill" }));
      bar.firstChild.style.width = `${Math.round(tierShare(member) * 100)}%`;
      rows.push(bar);
    }
  }
  for (const [kind, text] of [["expiry", expiryText(member)], ["pending", pendingText(member)]]) {
    if (text) rows.push(el("p", { class: `standing-line ${kind}`, "data-standing": kind, text }));
  }
  return el("div", { class: "standing" }, ...rows);
}
