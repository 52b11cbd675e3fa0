// Members: search them, open one to see the wallet and history, give a benefit, correct points.
import { words, say, el, clear, points, signedPoints, localDate, localDateTime, tr } from "./common.js";
import { statusText } from "./rule-words.js";
import { call } from "./cc-api.js";
import { notice } from "./cc-page.js";
import { benefits, loadBenefitChoices } from "./cc-benefits.js";

const $ = (id) => document.getElementById(id);
let memberCursor = null;

export async function searchMembers(more) {
  const query = new URLSearchParams({ limit: "25" });
  const q = $("member-q").value.trim();
  if (q) query.set("q", q);
  if (more && memberCursor) query.set("cursor", memberCursor);
  const page = await call("GET", `/v1/members?${query}`);
  memberCursor = page.next_cursor;
  const rows = page.items.map((member) => {
    const name = `${member.first_name} ${member.last_name}`.trim() || tr("(no name)");
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
  else clear($("members-body"), rows.length ? rows : el("tr", {}, el("td", { colspan: "6", class: "empty", text: q ? tr("No member matches.") : tr("No members yet.") })));
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
    el("label", { for: "grant-benefit", class: "visually-hidden", text: tr("Benefit to give") }),
    el("select", { id: "grant-benefit" }, benefits.map((benefit) => el("option", { value: benefit.id, text: benefit.name }))),
    el("button", { class: "button secondary", type: "submit", text: tr("Give benefit"), disabled: !benefits.length }));
  grant.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await call("POST", `/v1/members/${id}/benefits`, { benefit_id: $("grant-benefit").value });
      await openMember(id);
      notice(tr("Benefit given."));
    } catch (error) {
      say(message, words(error), "error");
    }
  });
  const adjust = el("form", { class: "inline-form" },
    el("label", { for: "adjust-points", class: "visually-hidden", text: tr("Points to add or take away") }),
    el("input", { id: "adjust-points", inputmode: "decimal", placeholder: tr("+10 or -5"), required: true }),
    el("label", { for: "adjust-reason", class: "visually-hidden", text: tr("Reason") }),
    el("input", { id: "adjust-reason", placeholder: tr("Reason (required)"), required: true }),
    el("button", { class: "button secondary", type: "submit", text: tr("Correct points") }));
  adjust.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await call("POST", `/v1/members/${id}/adjustments`, {
        points: $("adjust-points").value.trim().replace(/^\+/, ""), reason: $("adjust-reason").value.trim(),
      });
      await openMember(id);
      await searchMembers(false);
      notice(tr("Points corrected."));
    } catch (error) {
      say(message, words(error), "error");
    }
  });
  const name = `${member.first_name} ${member.last_name}`.trim() || tr("(no name)");
  box.hidden = false;
  clear(box,
    el("div", { class: "cc-head" }, el("h2", { text: name }),
      el("span", { class: "balance" }, el("span", { class: "balance-value", text: points(member.points_balance) }), el("span", { class: "balance-label", text: tr("points") }))),
    el("p", { class: "muted", text: [member.phone, member.email, tr("joined {date}", { date: localDate(member.created_at) })].filter(Boolean).join(" · ") }),
    message,
    el("div", { class: "two-col" },
      el("div", {}, el("h3", { text: tr("Wallet") }),
        member.benefits.length ? el("ul", { class: "list" }, member.benefits.map((benefit) => el("li", {},
          el("span", {}, el("span", { class: "primary-text", text: benefit.name }),
            el("span", { class: "secondary-text", text: benefit.reason || (benefit.valid_until ? tr("until {date}", { date: localDate(benefit.valid_until) }) : tr("no end")) })),
          el("span", { class: `badge ${benefit.status === "active" ? "ok" : ""}`, text: statusText(benefit.status) })))) : el("p", { class: "muted", text: tr("Empty.") }),
        grant),
      el("div", {}, el("h3", { text: tr("History") }),
        history.items.length ? el("ul", { class: "list" }, history.items.map((item) => el("li", {},
          el("span", {}, el("span", { class: "primary-text", text: item.reason || item.kind }),
            el("span", { class: "secondary-text", text: `${item.kind} · ${localDateTime(item.at)}` })),
          el("span", { class: item.points.startsWith("-") ? "minus" : "plus", text: signedPoints(item.points) })))) : el("p", { class: "muted", text: tr("Nothing yet.") }),
        adjust)));
  box.focus();
}
