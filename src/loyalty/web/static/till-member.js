// The member panel: finding the member ("Loyalty Account"), the balance, benefits, codes, punch cards and the
// point shop's items, and what the member earns with this sale.
import { api, N_, tr, named, words, say, el, clear, money, points, signedPoints, fromMinor, localDate } from "./common.js";
import { identification, triesLeft } from "./identify.js";
import { standingView } from "./standing.js";
import { $, save, showSetup, till, view } from "./till-state.js";
import { changed, render, writing } from "./till-sale.js";
import { buyFromShop, payWithCredit, topUp, undoPayment } from "./till-payments.js";

// What a paused till can still do, said with the pause itself.
const PAUSED = N_("Scanning the member's QR code still works, and a manager can lift the pause in the Campaign Center's Settings.");

// A member's status, said in the page's language (the API's own word is the msgid).
export const STATUSES = [N_("active"), N_("blocked"), N_("pending"), N_("erased")];

export function renderPreview() {
  if (!till.quote || !till.sale.member) {
    view.preview.hidden = true;
    return;
  }
  view.preview.hidden = false;
  clear(view.preview,
    el("p", { class: "preview-title" }, (till.sale.member.first_name ? tr("{name} earns", { name: till.sale.member.first_name }) : tr("The member earns")) + " ",
      el("strong", { text: tr("{points} points", { points: signedPoints(till.quote.points_earned) }) })),
    till.quote.earned.length ? el("ul", { class: "explanations" }, till.quote.earned.map((award) => el("li", {},
      el("span", { class: "explanation-rule", text: award.rule_name }), " ", el("span", { class: "muted", text: award.explanation })))) : null,
    till.quote.punches?.length ? el("ul", { class: "explanations punches-preview" }, till.quote.punches.map((punch) => el("li", {
      text: punch.explanation,
    }))) : null,
    till.quote.rejected.length ? el("ul", { class: "rejections" }, till.quote.rejected.map((item) => el("li", {
      text: tr("Not applied:") + " " + (item.code || nameOfAsset(item.id) || tr("benefit")) + " — " + item.reason,
    }))) : null);
}

function nameOfAsset(id) {
  const found = till.sale.member?.benefits.find((benefit) => benefit.id === id);
  return found ? named(found) : undefined;
}

function rejection(id) {
  return till.quote?.rejected.find((item) => item.id === id || item.code === id);
}

export function renderMember() {
  const member = till.sale.member;
  view.member.hidden = !member;
  view.loyaltyButton.hidden = Boolean(member);
  if (member) view.search.hidden = true;
  if (!member) return;
  const usable = member.benefits.filter((benefit) => benefit.status === "active");
  const name = `${member.first_name} ${member.last_name}`.trim() || tr("Member");
  clear($("member-info"),
    el("div", { class: "member-head" },
      el("div", {},
        el("h3", { id: "member-name", class: "member-name", tabindex: "-1", "data-focus": "member-name", text: name }),
        el("p", { class: "muted", text: [member.phone, member.tags.join(", ")].filter(Boolean).join(" · ") })),
      el("button", { class: "button ghost small", type: "button", onclick: removeMember, text: tr("Remove"), "data-focus": "remove-member" })),
    el("div", { class: "balance" },
      el("span", { class: "balance-value", "data-balance": member.points_balance, text: points(member.points_balance) }),
      el("span", { class: "balance-label", text: tr("points") })),
    standingView(member, { compact: true }),
    member.status !== "active" ? el("p", { class: "message", "data-kind": "error", text: tr("This account is {status}. Ask a manager before applying anything.", { status: tr(member.status) }) }) : null);
  clear($("member-benefits"), usable.length ? usable.map((benefit) => {
    const applied = till.sale.benefits.includes(benefit.id);
    const refused = applied ? rejection(benefit.id) : null;
    const label = refused ? tr("Not applied") : applied ? tr("Applied ✓") : tr("Apply");
    return el("li", { class: `benefit ${applied && !refused ? "applied" : ""} ${refused ? "refused" : ""}` },
      el("div", { class: "benefit-text" },
        el("span", { class: "benefit-name", text: named(benefit) }),
        benefit.redeemable ? (benefit.valid_until ? el("span", { class: "muted small", text: tr("until {day}", { day: localDate(benefit.valid_until) }) }) : null)
          : el("span", { class: "reason", text: benefit.reason || tr("Cannot be used now.") }),
        refused ? el("span", { class: "reason", text: tr("Not applied:") + " " + refused.reason }) : null),
      benefit.redeemable ? el("button", {
        class: `button ${applied ? "primary" : "secondary"} small`, type: "button", "aria-pressed": applied ? "true" : "false",
        "aria-label": (applied ? tr("Remove") : tr("Apply")) + " " + named(benefit), "data-focus": `benefit-${benefit.id}`,
        onclick: () => toggleBenefit(benefit.id), text: label,
      }) : null);
  }) : el("li", { class: "muted", text: tr("No benefits in the wallet.") }));
  $("pay-button").disabled = !till.sale.lines.length || writing.has("points");
  clear($("payments"), till.sale.payments.map((payment) => el("li", {},
    el("span", { text: payment.wallet === "credit" ? tr("Paid {amount} with credit", { amount: money(payment.amount) }) : tr("Paid {amount} with {points} points", { amount: money(payment.amount), points: points(payment.points_used) }) }),
    el("button", { class: "button ghost small", type: "button", onclick: () => undoPayment(payment), text: tr("Undo"), disabled: writing.has(`undo-${payment.id}`),
      "data-focus": `undo-${payment.id}` }))));
  renderPrograms(member);
  return null;
}

export function renderCodes() {
  clear(view.codes, till.sale.codes.map((code) => {
    const refused = rejection(code);
    return el("li", { class: `chip ${refused ? "refused" : ""}` },
      el("span", { text: code }),
      refused ? el("span", { class: "reason", text: tr("Not applied:") + " " + refused.reason }) : null,
      el("button", { type: "button", class: "chip-remove", "aria-label": tr("Remove code {code}", { code }), onclick: () => removeCode(code), text: "×" }));
  }));
}

// --- the loyalty account -------------------------------------------------------------------------

function openSearch() {
  view.search.hidden = false;
  view.loyaltyButton.setAttribute("aria-expanded", "true");
  say(view.searchMessage, "");
  view.searchInput.focus();
  view.searchInput.select();
}

export async function identify(query) {
  say(view.searchMessage, tr("Searching…"), "info");
  try {
    const member = await api(till.key, "POST", "/v1/identify", query);
    setMember(member);
    view.searchInput.value = "";
    say(view.searchMessage, "");
  } catch (error) {
    if (error.status === 401 || error.status === 403) return showSetup(words(error));
    const warning = error.code === "member_not_found" ? triesLeft(error.details)
      : error.code === "too_many_attempts" ? tr(PAUSED) : "";
    say(view.searchMessage, `${words(error)}${warning ? ` ${warning}` : ""}`, "error");
    view.searchMessage.dataset.triesLeft = error.details?.tries_left ?? "";
    view.searchInput.select();
  }
}

function setMember(member) {
  till.sale.member = member;
  till.sale.benefits = [];
  till.sale.cards = [];
  changed();
  loadPrograms();
  document.getElementById("member-name")?.focus();
}

export async function refreshMember() {
  if (!till.sale.member) return;
  try {
    till.sale.member = await api(till.key, "GET", `/v1/members/${till.sale.member.id}`);
    save();
    render();
    await loadPrograms();
  } catch {
    // Keep what is shown: a quote will say what no longer applies.
  }
}

async function removeMember() {
  for (const payment of [...till.sale.payments]) await undoPayment(payment, false);
  if (till.sale.payments.length) return;
  till.sale.member = null;
  till.sale.benefits = [];
  changed();
  view.loyaltyButton.focus();
}

function toggleBenefit(assetId) {
  till.sale.benefits = till.sale.benefits.includes(assetId)
    ? till.sale.benefits.filter((id) => id !== assetId)
    : [...till.sale.benefits, assetId];
  changed();
}

function removeCode(code) {
  till.sale.codes = till.sale.codes.filter((other) => other !== code);
  changed();
}

view.loyaltyButton.addEventListener("click", openSearch);
view.search.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = identification(view.searchInput.value);
  if (!query) return say(view.searchMessage, tr("Type a phone number or the member's code first."), "error");
  identify(query);
});
view.search.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    view.search.hidden = true;
    view.loyaltyButton.setAttribute("aria-expanded", "false");
    view.loyaltyButton.focus();
  }
});

view.codeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const code = view.codeInput.value.trim().toUpperCase();
  if (!code) return;
  if (!till.sale.codes.includes(code)) till.sale.codes.push(code);
  view.codeInput.value = "";
  changed();
});

document.addEventListener("keydown", (event) => {
  if (event.key === "F2" && !view.workspace.hidden) {
    event.preventDefault();
    if (!till.sale.member) openSearch();
  }
});

let shopItems = null;

async function loadPrograms() {
  if (!till.sale.member) return;
  try {
    const [cards, items] = await Promise.all([
      api(till.key, "GET", `/v1/members/${till.sale.member.id}/punch-cards`),
      shopItems ? Promise.resolve(shopItems) : api(till.key, "GET", "/v1/shop"),
    ]);
    till.sale.cards = cards;
    shopItems = items;
    render();
  } catch {
    // The sale goes on without them.
  }
}

// A card a person recognises: one circle per punch, the filled ones full.
function punchCard(card) {
  const circles = Array.from({ length: card.punches_required }, (_, index) => el("span", {
    class: `punch ${index < card.punches ? "filled" : ""}`, "aria-hidden": "true",
  }));
  return el("div", { class: "punch-card", role: "img", "aria-label": named(card) + ": " + tr("{count} of {required}", { count: card.punches, required: card.punches_required }), "data-punches": String(card.punches) },
    el("div", { class: "punch-card-head" }, el("span", { class: "punch-card-name", text: named(card) }),
      el("span", { class: "muted small", text: tr("{count} of {required}", { count: card.punches, required: card.punches_required }) })),
    el("div", { class: "punches" }, circles));
}

function renderPrograms(member) {
  const box = $("member-programs");
  if (!box) return;
  const credit = member.credit_balance || fromMinor(0n, till.decimals);
  const typed = { credit: $("credit-amount")?.value || null, topUp: $("top-up-amount")?.value || null };
  clear(box,
    el("h4", { class: "section-title", text: tr("Credit") }),
    el("p", { class: "credit-balance" }, el("strong", { "data-credit": credit, text: money(credit) }), " " + tr("stored credit")),
    el("form", { class: "inline-form", id: "credit-pay-form", onsubmit: payWithCredit },
      el("label", { for: "credit-amount", class: "visually-hidden", text: tr("Amount to pay with credit") }),
      el("input", { id: "credit-amount", name: "amount", inputmode: "decimal", autocomplete: "off", placeholder: money("0.00"), value: typed.credit, "data-focus": "credit-amount" }),
      el("button", { class: "button secondary", type: "submit", text: tr("Pay with credit"), disabled: writing.has("credit") })),
    el("form", { class: "inline-form", id: "top-up-form", onsubmit: topUp },
      el("label", { for: "top-up-amount", class: "visually-hidden", text: tr("Top-up amount") }),
      el("input", { id: "top-up-amount", name: "amount", inputmode: "decimal", autocomplete: "off", placeholder: money("20.00"), value: typed.topUp, "data-focus": "top-up-amount" }),
      el("button", { class: "button ghost", type: "submit", text: tr("Top up"), disabled: writing.has("top-up") })),
    (till.sale.cards || []).length ? el("h4", { class: "section-title", text: tr("Punch cards") }) : null,
    (till.sale.cards || []).map(punchCard),
    (shopItems || []).length ? el("h4", { class: "section-title", text: tr("Point shop") }) : null,
    el("ul", { class: "shop-items" }, (shopItems || []).map((item) => el("li", { class: "shop-item" },
      el("span", { text: named(item) }),
      el("button", { class: "button ghost small", type: "button", "aria-label": tr("Buy {name} for {points} points", { name: named(item), points: points(item.price_points) }),
        disabled: writing.has("shop"), onclick: () => buyFromShop(item), text: tr("{points} pts", { points: points(item.price_points) }) })))));
}
