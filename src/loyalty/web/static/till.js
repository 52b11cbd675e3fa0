// The cashier's till: a demo sale, the "Loyalty Account" search, benefits, codes, points payments, confirmation.
// Every amount shown after a quote is the server's; line totals are whole quantities × prices in BigInt minor units.
import {
  api, words, say, el, clear, money, points, signedPoints, toMinor, fromMinor, decimalsOf, keyFromFragment, uid, twoStep,
} from "./common.js";
import { identification, triesLeft } from "./identify.js";
import { pointsAmount, pointsCap, splitRest } from "./tenders.js";
import { BurstReader } from "./scanner.js";
import { openSales, setupSales } from "./sales.js";
import { standingView } from "./standing.js";

const KEY = "loyalty.till.key";
const SALE = "loyalty.till.sale";
const $ = (id) => document.getElementById(id);

const view = {
  setup: $("setup"), setupForm: $("setup-form"), setupKey: $("setup-key"), setupMessage: $("setup-message"),
  workspace: $("workspace"), settings: $("till-settings"), catalogue: $("catalogue"),
  saleNumber: $("sale-number"), saleMessage: $("sale-message"), saleEmpty: $("sale-empty"), lines: $("sale-lines"),
  totals: $("sale-totals"), preview: $("points-preview"), confirm: $("confirm-sale"), cancel: $("cancel-sale"),
  loyaltyButton: $("loyalty-button"), search: $("loyalty-search"), searchInput: $("search-input"),
  searchMessage: $("search-message"), scan: $("scan-button"), member: $("member"),
  codeForm: $("code-form"), codeInput: $("code-input"), codes: $("codes"), receipt: $("receipt"),
  scanner: $("scanner"), scannerVideo: $("scanner-video"), scannerMessage: $("scanner-message"),
  scannerClose: $("scanner-close"),
};

let key = keyFromFragment(KEY);
let catalogue = [];
let decimals = 2; // the currency's, read from the catalogue's prices
let sale = newSale();
let quote = null;
let quoteSeq = 0;
let quoteFailed = false;
let busy = false;
let meansOfPayment = ["cash"]; // the business's, read at start


function newSale() {
  return {
    transactionId: uid("T"), nextLine: 1, lines: [], member: null, benefits: [], codes: [], payments: [],
    tenders: [{ mop: null, amount: "" }],
  };
}

// A fresh sale; a quote still on its way belongs to the old one and is dropped when it lands.
function resetSale() {
  sale = newSale();
  quote = null;
  quoteSeq += 1;
  save();
  render();
}

function save() {
  localStorage.setItem(SALE, JSON.stringify(sale));
}

function restore() {
  try {
    const stored = JSON.parse(localStorage.getItem(SALE) || "null");
    if (stored && stored.transactionId && Array.isArray(stored.lines)) sale = { ...newSale(), ...stored };
  } catch {
    sale = newSale();
  }
}

// --- setup ---------------------------------------------------------------------------------------

async function checkKey(candidate) {
  // A quote writes nothing and only a pos key may ask for one: the cheapest honest check.
  await api(candidate, "POST", "/v1/quotes", {
    transaction_id: "key-check", items: [{ line_id: "1", amount: "0" }],
  });
}

function showSetup(message) {
  view.workspace.hidden = true;
  view.receipt.hidden = true;
  $("sales").hidden = true;
  $("till-sales").hidden = true;
  view.setup.hidden = false;
  say(view.setupMessage, message || "", "error");
  view.setupKey.focus();
}

view.setupForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const candidate = view.setupKey.value.trim();
  try {
    await checkKey(candidate);
  } catch (error) {
    say(view.setupMessage, words(error), "error");
    return;
  }
  if (candidate !== key) {
    localStorage.removeItem(SALE); // a sale in progress belonged to the other till
    sale = newSale();
  }
  key = candidate;
  localStorage.setItem(KEY, key);
  view.setupKey.value = "";
  start();
});

view.settings.addEventListener("click", () => {
  view.setupKey.value = "";
  showSetup(key ? "This till has a key. Paste another one to replace it." : "");
  view.setupMessage.dataset.kind = "info";
});

// --- the catalogue and the sale's lines ----------------------------------------------------------

async function loadCatalogue() {
  const data = await fetch("/static/catalogue.json").then((response) => response.json());
  catalogue = data.groups;
  decimals = decimalsOf(catalogue[0].items[0].price);
  clear(view.catalogue, catalogue.map((group) => el("div", { class: "catalogue-group" },
    el("h3", { class: "group-title", text: group.name }),
    el("div", { class: "product-grid" }, group.items.map((item) => el("button", {
      class: "product", type: "button", "data-code": item.code,
      "aria-label": `Add ${item.name}, ${item.price}`, onclick: () => addItem(item),
    }, el("span", { class: "product-name", text: item.name }), el("span", { class: "product-price", text: money(item.price) })))),
  )));
}

function lineAmount(line) {
  return fromMinor(toMinor(line.price, decimals) * BigInt(line.quantity), decimals);
}

function addItem(item) {
  if (sale.payments.length) {
    say(view.saleMessage, "Points were already paid for this sale. Undo the points payment before changing items.", "error");
    return;
  }
  const existing = sale.lines.find((line) => line.code === item.code);
  if (existing) existing.quantity += 1;
  else sale.lines.push({
    line_id: String(sale.nextLine++), code: item.code, name: item.name, department: item.department,
    tags: item.tags, price: item.price, quantity: 1,
  });
  changed();
}

function setQuantity(line, quantity) {
  if (sale.payments.length) {
    say(view.saleMessage, "Points were already paid for this sale. Undo the points payment before changing items.", "error");
    return;
  }
  if (quantity <= 0) sale.lines = sale.lines.filter((other) => other !== line);
  else line.quantity = quantity;
  changed();
}

function items() {
  return sale.lines.map((line) => ({
    line_id: line.line_id, code: line.code, name: line.name, department: line.department,
    quantity: line.quantity, amount: lineAmount(line), tags: line.tags,
  }));
}

function pointsPaid() {
  return sale.payments.filter((payment) => payment.wallet !== "credit")
    .reduce((sum, payment) => sum + toMinor(payment.amount, decimals), 0n);
}

function creditPaid() {
  return sale.payments.filter((payment) => payment.wallet === "credit")
    .reduce((sum, payment) => sum + toMinor(payment.amount, decimals), 0n);
}

// The tenders with their means of payment filled in (a new sale's first one is the business's first).
function tenders() {
  if (!Array.isArray(sale.tenders) || !sale.tenders.length) sale.tenders = [{ mop: null, amount: "" }];
  return sale.tenders.map((tender) => ({
    ...tender, mop: meansOfPayment.includes(tender.mop) ? tender.mop : meansOfPayment[0],
  }));
}

// The payments the accumulation must see: points, credit, and the rest by the means of payment the cashier chose.
function split(total) {
  const paid = pointsPaid();
  const credit = creditPaid();
  const rest = toMinor(total, decimals) - paid - credit;
  const { payments, error } = splitRest(rest, tenders(), decimals);
  const list = [];
  if (paid > 0n) list.push({ mop: "points", amount: fromMinor(paid, decimals) });
  if (credit > 0n) list.push({ mop: "credit", amount: fromMinor(credit, decimals) });
  return { payments: [...list, ...payments], error };
}

function paymentsFor(total) {
  return split(total).payments;
}

// A benefit or code the server refused is not sent: it would only refuse the whole sale.
function body(payments = [], refused = []) {
  const isRefused = (id) => refused.some((item) => item.id === id || item.code === id);
  return {
    transaction_id: sale.transactionId, member_id: sale.member ? sale.member.id : null, items: items(),
    payments, benefits: sale.benefits.filter((id) => !isRefused(id)), codes: sale.codes.filter((code) => !isRefused(code)),
  };
}

async function priced() {
  const answer = await api(key, "POST", "/v1/quotes", body());
  const payments = paymentsFor(answer.total);
  if (!payments.length) return answer;
  return api(key, "POST", "/v1/quotes", body(payments));
}

async function requote() {
  const seq = ++quoteSeq;
  if (!sale.lines.length) {
    quote = null;
    render();
    return;
  }
  try {
    const answer = await priced();
    if (seq !== quoteSeq) return;
    quote = answer;
    // Only a pricing failure is cleared by a price: a refusal said meanwhile (a payment, a confirmation) stays.
    if (quoteFailed) say(view.saleMessage, "");
    quoteFailed = false;
  } catch (error) {
    if (seq !== quoteSeq) return;
    if (error.status === 401 || error.status === 403) return showSetup(words(error));
    quoteFailed = true;
    say(view.saleMessage, words(error), "error");
  }
  render();
}

function changed() {
  save();
  render();
  requote();
}

// --- rendering -----------------------------------------------------------------------------------

function sumPoints(list) {
  const total = list.reduce((sum, text) => sum + toMinor(text, 2), 0n);
  return fromMinor(total, 2);
}

// Lists are redrawn after every quote: the control that had the focus gets it back, so keys keep working.
function render() {
  const focused = document.activeElement?.dataset?.focus;
  draw();
  if (focused) document.querySelector(`[data-focus="${focused}"]`)?.focus();
}

function draw() {
  view.saleNumber.textContent = sale.transactionId;
  view.saleEmpty.hidden = sale.lines.length > 0;
  const discounts = {};
  const earned = {};
  for (const discount of quote?.discounts || []) {
    for (const part of discount.lines) (discounts[part.line_id] ||= []).push({ name: dealName(discount), amount: part.amount });
  }
  for (const award of quote?.earned || []) {
    for (const part of award.lines) (earned[part.line_id] ||= []).push(part.points);
  }
  clear(view.lines, sale.lines.map((line) => el("li", { class: "line", "data-line": line.line_id },
    el("div", { class: "line-main" },
      el("span", { class: "line-name", text: line.name }),
      el("span", { class: "line-amount", text: money(lineAmount(line)) })),
    el("div", { class: "line-sub" },
      el("span", { class: "stepper" },
        el("button", { class: "step", type: "button", "aria-label": `One ${line.name} less`, "data-focus": `less-${line.line_id}`, onclick: () => setQuantity(line, line.quantity - 1), text: "−" }),
        el("span", { class: "qty", "aria-label": `Quantity ${line.quantity}`, text: `${line.quantity} × ${money(line.price)}` }),
        el("button", { class: "step", type: "button", "aria-label": `One ${line.name} more`, "data-focus": `more-${line.line_id}`, onclick: () => setQuantity(line, line.quantity + 1), text: "+" })),
      earned[line.line_id] ? el("span", { class: "line-points", text: `${signedPoints(sumPoints(earned[line.line_id]))} pts` }) : null),
    (discounts[line.line_id] || []).map((discount) => el("div", { class: "line-discount" },
      el("span", { text: discount.name }), el("span", { text: `−${money(discount.amount)}` }))),
  )));
  renderTotals();
  renderTenders();
  renderPreview();
  renderMember();
  renderCodes();
  view.confirm.disabled = busy || !sale.lines.length || !quote || due() < 0n;
}

function renderTotals() {
  const local = fromMinor(sale.lines.reduce((sum, line) => sum + toMinor(lineAmount(line), decimals), 0n), decimals);
  const rows = [["Subtotal", money(quote ? quote.subtotal : local)]];
  if (quote && quote.discount_total !== fromMinor(0n, decimals)) rows.push(["Discounts", `−${money(quote.discount_total)}`]);
  rows.push(["Total", money(quote ? quote.total : local), "total"]);
  const paid = pointsPaid() + creditPaid();
  if (pointsPaid() > 0n) rows.push(["Paid with points", `−${money(fromMinor(pointsPaid(), decimals))}`]);
  if (creditPaid() > 0n) rows.push(["Paid with credit", `−${money(fromMinor(creditPaid(), decimals))}`]);
  if (paid > 0n) {
    const rest = quote ? toMinor(quote.total, decimals) - paid : null;
    // A discount applied after paying can leave points above the total: the sale cannot be confirmed so.
    if (rest !== null && rest >= 0n) rows.push(["To pay", money(fromMinor(rest, decimals)), "due"]);
    if (rest !== null && rest < 0n) rows.push([`Points and credit pay ${money(fromMinor(-rest, decimals))} more than the total: undo a payment`, "", "due over"]);
  }
  clear(view.totals, rows.map(([label, value, kind]) => el("div", { class: `total-row ${kind || ""}` },
    el("dt", { text: label }), el("dd", { text: value }))));
}

function renderTenders() {
  const rest = due();
  const section = $("tenders");
  section.hidden = !quote || rest <= 0n;
  if (section.hidden) return;
  const list = tenders();
  clear($("tender-list"), list.map((tender, index) => {
    const last = index === list.length - 1;
    const number = list.length > 1 ? ` ${index + 1}` : "";
    const select = el("select", {
      class: "tender-mop", "aria-label": `Means of payment${number}`, "data-focus": `tender-mop-${index}`,
      onchange: (event) => { sale.tenders[index] = { ...tender, mop: event.target.value }; changed(); },
    }, meansOfPayment.map((name) => el("option", { value: name, text: name, selected: name === tender.mop })));
    const amount = last
      ? el("output", { class: "tender-amount", "data-tender-rest": "", text: money(remainder(rest, list)) })
      : el("input", {
        class: "tender-amount", inputmode: "decimal", autocomplete: "off", value: tender.amount || "",
        "aria-label": `Amount paid by ${tender.mop}`, "data-focus": `tender-amount-${index}`, placeholder: "0.00",
        onchange: (event) => { sale.tenders[index] = { ...tender, amount: event.target.value.trim() }; changed(); },
      });
    const remove = list.length > 1 ? el("button", {
      class: "chip-remove", type: "button", "aria-label": `Remove payment${number}`, text: "×",
      onclick: () => { sale.tenders.splice(index, 1); changed(); },
    }) : null;
    return el("li", { class: "tender" }, select, amount, remove);
  }));
  $("split-payment").hidden = list.length >= meansOfPayment.length + 2;
}

// What the last tender pays: the rest less the typed amounts (never below zero: a larger typed amount is refused).
function remainder(rest, list) {
  let left = rest;
  for (const tender of list.slice(0, -1)) left -= toMinor(tender.amount || "0", decimals) ?? 0n;
  return fromMinor(left > 0n ? left : 0n, decimals);
}

function renderPreview() {
  if (!quote || !sale.member) {
    view.preview.hidden = true;
    return;
  }
  view.preview.hidden = false;
  clear(view.preview,
    el("p", { class: "preview-title" }, `${sale.member.first_name || "The member"} earns `,
      el("strong", { text: `${signedPoints(quote.points_earned)} points` })),
    quote.earned.length ? el("ul", { class: "explanations" }, quote.earned.map((award) => el("li", {},
      el("span", { class: "explanation-rule", text: award.rule_name }), " ", el("span", { class: "muted", text: award.explanation })))) : null,
    quote.punches?.length ? el("ul", { class: "explanations punches-preview" }, quote.punches.map((punch) => el("li", {
      text: punch.explanation,
    }))) : null,
    quote.rejected.length ? el("ul", { class: "rejections" }, quote.rejected.map((item) => el("li", {
      text: `Not applied: ${item.code || nameOfAsset(item.id) || "benefit"} — ${item.reason}`,
    }))) : null);
}

function nameOfAsset(id) {
  return sale.member?.benefits.find((benefit) => benefit.id === id)?.name;
}

function rejection(id) {
  return quote?.rejected.find((item) => item.id === id || item.code === id);
}

function renderMember() {
  const member = sale.member;
  view.member.hidden = !member;
  view.loyaltyButton.hidden = Boolean(member);
  if (member) view.search.hidden = true;
  if (!member) return;
  const usable = member.benefits.filter((benefit) => benefit.status === "active");
  const name = `${member.first_name} ${member.last_name}`.trim() || "Member";
  clear($("member-info"),
    el("div", { class: "member-head" },
      el("div", {},
        el("h3", { id: "member-name", class: "member-name", tabindex: "-1", text: name }),
        el("p", { class: "muted", text: [member.phone, member.tags.join(", ")].filter(Boolean).join(" · ") })),
      el("button", { class: "button ghost small", type: "button", onclick: removeMember, text: "Remove", "data-focus": "remove-member" })),
    el("div", { class: "balance" },
      el("span", { class: "balance-value", "data-balance": member.points_balance, text: points(member.points_balance) }),
      el("span", { class: "balance-label", text: "points" })),
    standingView(member, { compact: true }),
    member.status !== "active" ? el("p", { class: "message", "data-kind": "error", text: `This account is ${member.status}. Ask a manager before applying anything.` }) : null);
  clear($("member-benefits"), usable.length ? usable.map((benefit) => {
    const applied = sale.benefits.includes(benefit.id);
    const refused = applied ? rejection(benefit.id) : null;
    const label = refused ? "Not applied" : applied ? "Applied ✓" : "Apply";
    return el("li", { class: `benefit ${applied && !refused ? "applied" : ""} ${refused ? "refused" : ""}` },
      el("div", { class: "benefit-text" },
        el("span", { class: "benefit-name", text: benefit.name }),
        benefit.redeemable ? (benefit.valid_until ? el("span", { class: "muted small", text: `until ${new Date(benefit.valid_until).toLocaleDateString()}` }) : null)
          : el("span", { class: "reason", text: benefit.reason || "Cannot be used now." }),
        refused ? el("span", { class: "reason", text: `Not applied: ${refused.reason}` }) : null),
      benefit.redeemable ? el("button", {
        class: `button ${applied ? "primary" : "secondary"} small`, type: "button", "aria-pressed": applied ? "true" : "false",
        "aria-label": `${applied ? "Remove" : "Apply"} ${benefit.name}`, "data-focus": `benefit-${benefit.id}`,
        onclick: () => toggleBenefit(benefit.id), text: label,
      }) : null);
  }) : el("li", { class: "muted", text: "No benefits in the wallet." }));
  $("pay-button").disabled = !sale.lines.length;
  clear($("payments"), sale.payments.map((payment) => el("li", {},
    el("span", { text: payment.wallet === "credit" ? `Paid ${money(payment.amount)} with credit` : `Paid ${money(payment.amount)} with ${points(payment.points_used)} points` }),
    el("button", { class: "button ghost small", type: "button", onclick: () => undoPayment(payment), text: "Undo",
      "data-focus": `undo-${payment.id}` }))));
  renderPrograms(member);
  return null;
}

function renderCodes() {
  clear(view.codes, sale.codes.map((code) => {
    const refused = rejection(code);
    return el("li", { class: `chip ${refused ? "refused" : ""}` },
      el("span", { text: code }),
      refused ? el("span", { class: "reason", text: `Not applied: ${refused.reason}` }) : null,
      el("button", { type: "button", class: "chip-remove", "aria-label": `Remove code ${code}`, onclick: () => removeCode(code), text: "×" }));
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

async function identify(query) {
  say(view.searchMessage, "Searching…", "info");
  try {
    const member = await api(key, "POST", "/v1/identify", query);
    setMember(member);
    view.searchInput.value = "";
    say(view.searchMessage, "");
  } catch (error) {
    if (error.status === 401 || error.status === 403) return showSetup(words(error));
    const warning = error.code === "member_not_found" ? triesLeft(error.details) : "";
    say(view.searchMessage, `${words(error)}${warning ? ` ${warning}` : ""}`, "error");
    view.searchMessage.dataset.triesLeft = error.details?.tries_left ?? "";
    view.searchInput.select();
  }
}

function setMember(member) {
  sale.member = member;
  sale.benefits = [];
  sale.cards = [];
  changed();
  loadPrograms();
  document.getElementById("member-name")?.focus();
}

async function refreshMember() {
  if (!sale.member) return;
  try {
    sale.member = await api(key, "GET", `/v1/members/${sale.member.id}`);
    save();
    render();
    await loadPrograms();
  } catch {
    // Keep what is shown: a quote will say what no longer applies.
  }
}

async function removeMember() {
  for (const payment of [...sale.payments]) await undoPayment(payment, false);
  if (sale.payments.length) return;
  sale.member = null;
  sale.benefits = [];
  changed();
  view.loyaltyButton.focus();
}

function toggleBenefit(assetId) {
  sale.benefits = sale.benefits.includes(assetId)
    ? sale.benefits.filter((id) => id !== assetId)
    : [...sale.benefits, assetId];
  changed();
}

function removeCode(code) {
  sale.codes = sale.codes.filter((other) => other !== code);
  changed();
}

view.loyaltyButton.addEventListener("click", openSearch);
view.search.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = identification(view.searchInput.value);
  if (!query) return say(view.searchMessage, "Type a phone number or the member's code first.", "error");
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
  if (!sale.codes.includes(code)) sale.codes.push(code);
  view.codeInput.value = "";
  changed();
});

document.addEventListener("keydown", (event) => {
  if (event.key === "F2" && !view.workspace.hidden) {
    event.preventDefault();
    if (!sale.member) openSearch();
  }
});

// --- points payments -----------------------------------------------------------------------------

// What points or credit may still pay: the total less what the member's points and credit already pay.
function due() {
  return quote ? toMinor(quote.total, decimals) - pointsPaid() - creditPaid() : 0n;
}

async function payWithPoints(event) {
  event.preventDefault();
  const input = $("points-amount");
  if (!quote) {
    say(view.saleMessage, "The sale is still being priced. Try again in a moment.", "info");
    return;
  }
  const { minor, error } = pointsAmount(input.value, due(), decimals);
  if (error) {
    say(view.saleMessage, error, "error");
    input.focus();
    return;
  }
  // One key per intended payment: pressing Pay again after a lost answer (a 503, the network) sends the same key,
  // so the server pays once; any definite answer ends the key.
  const amount = fromMinor(minor, decimals);
  if (!sale.paymentAttempt || sale.paymentAttempt.amount !== amount) sale.paymentAttempt = { amount, key: uid("P") };
  try {
    // The sale goes along: the server pays at most what it still owes, whatever was typed.
    const paid = await api(key, "POST", "/v1/payments", {
      member_id: sale.member.id, transaction_id: sale.transactionId, amount, purchase: body([], quote.rejected),
    }, { "Idempotency-Key": sale.paymentAttempt.key });
    sale.paymentAttempt = null;
    sale.payments.push({ id: paid.id, amount: paid.amount, points_used: paid.points_used });
    sale.member.points_balance = paid.points_balance;
    input.value = "";
    const partial = paid.amount !== fromMinor(minor, decimals);
    say(view.saleMessage, partial
      ? `Points paid ${money(paid.amount)} of ${money(fromMinor(minor, decimals))} (all the balance or the sale allows). The rest is paid another way.`
      : `Paid ${money(paid.amount)} with ${points(paid.points_used)} points.`, partial ? "info" : "ok");
    changed();
  } catch (error) {
    if (error.status !== 0 && error.status !== 503) sale.paymentAttempt = null;
    say(view.saleMessage, words(error), "error");
  }
}

$("pay-form").addEventListener("submit", payWithPoints);
$("split-payment").addEventListener("click", () => {
  const list = tenders();
  const next = meansOfPayment.find((name) => !list.some((tender) => tender.mop === name)) || meansOfPayment[0];
  sale.tenders = [...list, { mop: next, amount: "" }];
  changed();
  document.querySelector(`[data-focus="tender-amount-${list.length - 1}"]`)?.focus();
});
$("pay-all").addEventListener("click", () => {
  const rest = quote ? pointsCap(toMinor(quote.total, decimals), pointsPaid() + creditPaid()) : 0n;
  $("points-amount").value = rest > 0n ? fromMinor(rest, decimals) : "";
  $("points-amount").focus();
});

async function undoPayment(payment, announce = true) {
  try {
    const undone = await api(key, "POST", `/v1/payments/${payment.id}/cancel`);
    sale.payments = sale.payments.filter((other) => other.id !== payment.id);
    if (sale.member) sale.member.points_balance = undone.points_balance;
    if (sale.member && undone.credit_balance) sale.member.credit_balance = undone.credit_balance;
    if (announce) say(view.saleMessage, undone.wallet === "credit" ? `${money(undone.amount)} credit given back.` : `${points(undone.points_used)} points given back.`, "ok");
    changed();
  } catch (error) {
    say(view.saleMessage, words(error), "error");
  }
}

// --- confirm, cancel, receipt --------------------------------------------------------------------

view.cancel.addEventListener("click", () => twoStep(view.cancel, "Cancel sale", async () => {
  for (const payment of [...sale.payments]) await undoPayment(payment, false);
  if (sale.payments.length) return;
  resetSale();
  say(view.saleMessage, "Sale cancelled. Nothing was recorded.", "ok");
}));

view.confirm.addEventListener("click", async () => {
  busy = true;
  render();
  say(view.saleMessage, "Recording…", "info");
  try {
    const latest = await priced();
    const { payments, error } = split(latest.total);
    if (error) {
      quote = latest;
      say(view.saleMessage, error, "error");
      return;
    }
    const sent = body(payments, latest.rejected);
    const recorded = await api(key, "POST", "/v1/purchases", sent);
    showReceipt(recorded, sent);
    resetSale();
  } catch (error) {
    say(view.saleMessage, words(error), "error");
    if (error.code === "benefit_unavailable") {
      // Spent at another till meanwhile: priced again, it shows as not applied and the next confirm leaves it out.
      await refreshMember();
      await requote();
    }
  } finally {
    busy = false;
    render();
  }
});

function showReceipt(recorded, sent) {
  const member = sale.member;
  const discounts = {};
  for (const discount of recorded.discounts) {
    for (const part of discount.lines) (discounts[part.line_id] ||= []).push({ name: dealName(discount), amount: part.amount });
  }
  view.workspace.hidden = true;
  view.receipt.hidden = false;
  const cancelButton = el("button", { class: "button secondary big", type: "button", text: "Cancel this purchase" });
  const message = el("div", { class: "message", role: "status", "aria-live": "polite", hidden: true });
  cancelButton.addEventListener("click", () => twoStep(cancelButton, "Cancel this purchase", async () => {
    try {
      const cancelled = await api(key, "POST", `/v1/purchases/${recorded.id}/cancel`);
      cancelButton.disabled = true;
      const lost = cancelled.points_not_recovered && !/^0(\.0+)?$/.test(cancelled.points_not_recovered);
      say(message, `Purchase cancelled. Earned points were taken back${cancelled.points_balance !== null ? `; the balance is now ${points(cancelled.points_balance)} points` : ""}.${lost ? ` ${points(cancelled.points_not_recovered)} points were already spent and could not be taken back.` : ""}`, "ok");
      view.receipt.querySelector(".receipt-status").textContent = "Cancelled";
    } catch (error) {
      say(message, words(error), "error");
    }
  }));
  const newSaleButton = el("button", { class: "button primary big", type: "button", text: "New sale", onclick: () => {
    view.receipt.hidden = true;
    view.workspace.hidden = false;
    render();
    view.loyaltyButton.focus();
  } });
  clear(view.receipt, el("div", { class: "receipt-paper" },
    el("header", { class: "receipt-head" },
      el("h1", { id: "receipt-title", text: "Sale confirmed" }),
      el("span", { class: "receipt-status badge ok", text: "Recorded" }),
      el("p", { class: "muted", text: `${recorded.transaction_id} · ${new Date(recorded.created_at).toLocaleString()}` })),
    el("ul", { class: "receipt-lines" }, sent.items.map((item) => el("li", {},
      el("div", { class: "receipt-row" }, el("span", { text: `${item.quantity} × ${item.name}` }), el("span", { text: money(item.amount) })),
      (discounts[item.line_id] || []).map((discount) => el("div", { class: "receipt-row discount" },
        el("span", { text: discount.name }), el("span", { text: `−${money(discount.amount)}` })))))),
    el("dl", { class: "totals receipt-totals" },
      recorded.discount_total !== fromMinor(0n, decimals) ? row("Discounts", `−${money(recorded.discount_total)}`) : null,
      row("Total", money(recorded.total), "total"),
      (recorded.payments || sent.payments).map((payment) => row(payment.mop === "points" ? "Paid with points" : payment.mop === "credit" ? "Paid with credit" : `Paid by ${payment.mop}`, money(payment.amount)))),
    member ? el("section", { class: "receipt-points", "aria-label": "Points" },
      el("p", { class: "earned-big" }, el("strong", { text: `${signedPoints(recorded.points_earned)} points` }), " earned"),
      recorded.earned.length ? el("ul", { class: "explanations" }, recorded.earned.map((award) => el("li", {},
        el("span", { class: "explanation-rule", text: `${award.rule_name}: ${signedPoints(award.points)}` }), " ",
        el("span", { class: "muted", text: award.explanation })))) : null,
      !/^0(\.0+)?$/.test(recorded.points_paid) ? el("p", { text: `${points(recorded.points_paid)} points paid` }) : null,
      recorded.punches?.length ? el("ul", { class: "explanations receipt-punches", "aria-label": "Punch cards" }, recorded.punches.map((punch) => el("li", {},
        el("span", { text: punch.explanation }),
        punch.rewards.length ? el("strong", { class: "reward-earned", text: " Reward in the wallet." }) : null))) : null,
      recorded.credit_balance && recorded.credit_balance !== fromMinor(0n, decimals) || creditPaidIn(sent) ? el("p", { class: "credit-left", text: `Credit left: ${money(recorded.credit_balance)}` }) : null,
      el("p", { class: "new-balance" }, `${member.first_name || "The member"}'s new balance: `,
        el("strong", { "data-balance": recorded.points_balance, text: `${points(recorded.points_balance)} points` })))
      : el("p", { class: "muted", text: "No member in this sale: no points earned." }),
    message,
    el("div", { class: "sale-actions" }, cancelButton, newSaleButton)));
  view.receipt.focus();
}

function row(label, value, kind = "") {
  return el("div", { class: `total-row ${kind}` }, el("dt", { text: label }), el("dd", { text: value }));
}

// --- stored credit, punch cards, the point shop, deals ---------------------------------------------

let shopItems = null;

function dealName(discount) {
  return discount.source === "deal" ? `Deal · ${discount.name}` : discount.name;
}

function creditPaidIn(sent) {
  return sent.payments.some((payment) => payment.mop === "credit");
}

async function loadPrograms() {
  if (!sale.member) return;
  try {
    const [cards, items] = await Promise.all([
      api(key, "GET", `/v1/members/${sale.member.id}/punch-cards`),
      shopItems ? Promise.resolve(shopItems) : api(key, "GET", "/v1/shop"),
    ]);
    sale.cards = cards;
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
  return el("div", { class: "punch-card", role: "img", "aria-label": `${card.name}: ${card.punches} of ${card.punches_required}`, "data-punches": String(card.punches) },
    el("div", { class: "punch-card-head" }, el("span", { class: "punch-card-name", text: card.name }),
      el("span", { class: "muted small", text: `${card.punches} of ${card.punches_required}` })),
    el("div", { class: "punches" }, circles));
}

function renderPrograms(member) {
  const box = $("member-programs");
  if (!box) return;
  const credit = member.credit_balance || fromMinor(0n, decimals);
  const typed = { credit: $("credit-amount")?.value || null, topUp: $("top-up-amount")?.value || null };
  clear(box,
    el("h4", { class: "section-title", text: "Credit" }),
    el("p", { class: "credit-balance" }, el("strong", { "data-credit": credit, text: money(credit) }), " stored credit"),
    el("form", { class: "inline-form", id: "credit-pay-form", onsubmit: payWithCredit },
      el("label", { for: "credit-amount", class: "visually-hidden", text: "Amount to pay with credit" }),
      el("input", { id: "credit-amount", name: "amount", inputmode: "decimal", autocomplete: "off", placeholder: "0.00", value: typed.credit, "data-focus": "credit-amount" }),
      el("button", { class: "button secondary", type: "submit", text: "Pay with credit" })),
    el("form", { class: "inline-form", id: "top-up-form", onsubmit: topUp },
      el("label", { for: "top-up-amount", class: "visually-hidden", text: "Top-up amount" }),
      el("input", { id: "top-up-amount", name: "amount", inputmode: "decimal", autocomplete: "off", placeholder: "20.00", value: typed.topUp, "data-focus": "top-up-amount" }),
      el("button", { class: "button ghost", type: "submit", text: "Top up" })),
    (sale.cards || []).length ? el("h4", { class: "section-title", text: "Punch cards" }) : null,
    (sale.cards || []).map(punchCard),
    (shopItems || []).length ? el("h4", { class: "section-title", text: "Point shop" }) : null,
    el("ul", { class: "shop-items" }, (shopItems || []).map((item) => el("li", { class: "shop-item" },
      el("span", { text: item.name }),
      el("button", { class: "button ghost small", type: "button", "aria-label": `Buy ${item.name} for ${points(item.price_points)} points`,
        onclick: () => buyFromShop(item), text: `${points(item.price_points)} pts` })))));
}

async function payWithCredit(event) {
  event.preventDefault();
  const input = $("credit-amount");
  const minor = toMinor(input.value.trim(), decimals);
  if (minor === null || minor <= 0n) {
    say(view.saleMessage, `Type the amount to pay with credit, like ${fromMinor(500n, decimals)}.`, "error");
    return;
  }
  if (!quote || minor > due()) {
    say(view.saleMessage, quote ? `The sale still owes ${money(fromMinor(due(), decimals))}: credit can pay at most that.` : "The sale is still being priced. Try again in a moment.", "error");
    input.focus();
    return;
  }
  // As for points: the same key until a definite answer, so pressing again after a lost answer pays once.
  const amount = fromMinor(minor, decimals);
  if (!sale.creditAttempt || sale.creditAttempt.amount !== amount) sale.creditAttempt = { amount, key: uid("C") };
  try {
    const paid = await api(key, "POST", "/v1/payments", {
      member_id: sale.member.id, transaction_id: sale.transactionId, amount, wallet: "credit", purchase: body([], quote.rejected),
    }, { "Idempotency-Key": sale.creditAttempt.key });
    sale.creditAttempt = null;
    sale.payments.push({ id: paid.id, amount: paid.amount, points_used: paid.points_used, wallet: "credit" });
    sale.member.credit_balance = paid.credit_balance;
    say(view.saleMessage, `Paid ${money(paid.amount)} with credit.`, "ok");
    changed();
  } catch (error) {
    if (error.status !== 0 && error.status !== 503) sale.creditAttempt = null;
    say(view.saleMessage, words(error), "error");
  }
}

async function topUp(event) {
  event.preventDefault();
  const input = $("top-up-amount");
  const minor = toMinor(input.value.trim(), decimals);
  if (minor === null || minor <= 0n) {
    say(view.saleMessage, `Type the amount taken for the top-up, like ${fromMinor(2000n, decimals)}.`, "error");
    return;
  }
  try {
    const loaded = await api(key, "POST", `/v1/members/${sale.member.id}/credit`, { amount: fromMinor(minor, decimals) },
      { "Idempotency-Key": uid("L") });
    sale.member.credit_balance = loaded.credit_balance;
    const bonus = loaded.bonus !== fromMinor(0n, decimals) ? ` with a bonus of ${money(loaded.bonus)}` : "";
    say(view.saleMessage, `Topped up ${money(loaded.amount)}${bonus}: credit is now ${money(loaded.credit_balance)}.`, "ok");
    render();
  } catch (error) {
    say(view.saleMessage, words(error), "error");
  }
}

async function buyFromShop(item) {
  try {
    const bought = await api(key, "POST", `/v1/members/${sale.member.id}/benefits/buy`, { benefit_id: item.benefit_id },
      { "Idempotency-Key": uid("S") });
    say(view.saleMessage, `${item.name} bought for ${points(bought.points_paid)} points: it is in the wallet.`, "ok");
    await refreshMember();
  } catch (error) {
    say(view.saleMessage, words(error), "error");
  }
}

// --- the camera (BarcodeDetector, where the browser has it) --------------------------------------

let stream = null;

async function scan() {
  try {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    view.scannerVideo.srcObject = stream;
    view.scanner.showModal();
    await view.scannerVideo.play();
    while (stream) {
      const found = await detector.detect(view.scannerVideo).catch(() => []);
      if (found.length) {
        stopScan();
        return identify({ qr: found[0].rawValue });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch {
    stopScan();
    say(view.searchMessage, "The camera is not available. Type the member's code or phone number instead.", "error");
  }
  return null;
}

function stopScan() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  if (view.scanner.open) view.scanner.close();
}

view.scan.addEventListener("click", scan);
view.scannerClose.addEventListener("click", stopScan);
view.scanner.addEventListener("cancel", stopScan);

// --- a handheld scanner, whatever has the focus ---------------------------------------------------

const burst = new BurstReader();
let burstField = null;
let burstValue = "";
let burstFocus = null;

document.addEventListener("keydown", (event) => {
  if (view.workspace.hidden || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
  const kind = burst.key(event.key, event.timeStamp);
  if (kind === "first") {
    burstFocus = document.activeElement;
    burstField = burstFocus && burstFocus.tagName === "INPUT" ? burstFocus : null;
    burstValue = burstField ? burstField.value : "";
  } else if (kind === "scan") {
    // The Enter ends the scan: it neither presses the focused button nor submits the focused field's form.
    event.preventDefault();
    event.stopImmediatePropagation();
    if (burstField) burstField.value = burstValue;
    scanned(burst.scanned, burstFocus);
  }
}, true);

function scanned(text, focus) {
  const wanted = text.trim().toUpperCase();
  const product = catalogue.flatMap((group) => group.items).find((item) => item.code.toUpperCase() === wanted);
  if (product) {
    addItem(product);
    if (focus && document.contains(focus)) focus.focus();
    return;
  }
  const query = identification(text);
  if (!query) return;
  if (sale.member && sale.payments.length) {
    say(view.saleMessage, "Points were already paid for this sale by its member. Undo that payment before scanning another member.", "error");
    return;
  }
  view.search.hidden = false;
  view.loyaltyButton.setAttribute("aria-expanded", "true");
  identify(query);
}

async function loadMeansOfPayment() {
  try {
    const answer = await api(key, "GET", "/v1/means-of-payment");
    if (answer.means_of_payment.length) meansOfPayment = answer.means_of_payment;
  } catch {
    // Keep cash: the sale can go on, and a quote will say if the key is wrong.
  }
}

// --- past sales ----------------------------------------------------------------------------------

setupSales({
  key: () => key,
  back: () => {
    $("sales").hidden = true;
    view.workspace.hidden = false;
    render();
    view.loyaltyButton.focus();
  },
});

$("till-sales").addEventListener("click", () => {
  view.workspace.hidden = true;
  view.receipt.hidden = true;
  openSales();
});

// --- start ---------------------------------------------------------------------------------------

async function start() {
  view.setup.hidden = true;
  view.workspace.hidden = false;
  $("till-sales").hidden = false;
  view.scan.hidden = !("BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia);
  if (!catalogue.length) await loadCatalogue();
  await loadMeansOfPayment();
  restore();
  render();
  await requote();
  await refreshMember();
}

if (key) start();
else showSetup();
