// The sale: the catalogue, the lines, pricing by the server (quotes) and drawing the sale's panel.
// Every amount shown after a quote is the server's; line totals are whole quantities × prices in BigInt minor units.
import { api, tr, words, say, el, clear, money, signedPoints, toMinor, fromMinor, decimalsOf } from "./common.js";
import { $, newSale, save, showSetup, till, view } from "./till-state.js";
import { renderCodes, renderMember, renderPreview } from "./till-member.js";
import { creditPaid, due, paymentsFor, pointsPaid, tenders } from "./till-payments.js";
import { InFlight } from "./intent.js";

// The writes on their way (a payment, a top-up, the confirmation…): their buttons are drawn disabled meanwhile.
export const writing = new InFlight(() => render());

export function resetSale() {
  till.sale = newSale();
  till.quote = null;
  till.quoteSeq += 1;
  save();
  render();
}

// --- the catalogue and the sale's lines ----------------------------------------------------------

export async function loadCatalogue() {
  const data = await fetch("/static/catalogue.json").then((response) => response.json());
  till.catalogue = data.groups;
  till.decimals = decimalsOf(till.catalogue[0].items[0].price);
  clear(view.catalogue, till.catalogue.map((group) => el("div", { class: "catalogue-group" },
    el("h3", { class: "group-title", text: group.name }),
    el("div", { class: "product-grid" }, group.items.map((item) => el("button", {
      class: "product", type: "button", "data-code": item.code,
      "aria-label": tr("Add {name}, {price}", { name: item.name, price: money(item.price) }), onclick: () => addItem(item),
    }, el("span", { class: "product-name", text: item.name }), el("span", { class: "product-price", text: money(item.price) })))),
  )));
}

function lineAmount(line) {
  return fromMinor(toMinor(line.price, till.decimals) * BigInt(line.quantity), till.decimals);
}

export function addItem(item) {
  // A sale taken up again after its tab was lost comes back with its payments and none of its items.
  if (till.sale.payments.length && !till.sale.resumed) {
    say(view.saleMessage, tr("Points were already paid for this sale. Undo the points payment before changing items."), "error");
    return;
  }
  const existing = till.sale.lines.find((line) => line.code === item.code);
  if (existing) existing.quantity += 1;
  else till.sale.lines.push({
    line_id: String(till.sale.nextLine++), code: item.code, name: item.name, department: item.department,
    tags: item.tags, price: item.price, quantity: 1,
  });
  changed();
}

function setQuantity(line, quantity) {
  if (till.sale.payments.length) {
    say(view.saleMessage, tr("Points were already paid for this sale. Undo the points payment before changing items."), "error");
    return;
  }
  if (quantity <= 0) till.sale.lines = till.sale.lines.filter((other) => other !== line);
  else line.quantity = quantity;
  changed();
}

export function items() {
  return till.sale.lines.map((line) => ({
    line_id: line.line_id, code: line.code, name: line.name, department: line.department,
    quantity: line.quantity, amount: lineAmount(line), tags: line.tags,
  }));
}

// A benefit or code the server refused is not sent: it would only refuse the whole sale.
export function body(payments = [], refused = []) {
  const isRefused = (id) => refused.some((item) => item.id === id || item.code === id);
  return {
    transaction_id: till.sale.transactionId, member_id: till.sale.member ? till.sale.member.id : null, items: items(),
    payments, benefits: till.sale.benefits.filter((id) => !isRefused(id)), codes: till.sale.codes.filter((code) => !isRefused(code)),
  };
}

export async function priced() {
  const answer = await api(till.key, "POST", "/v1/quotes", body());
  const payments = paymentsFor(answer.total);
  if (!payments.length) return answer;
  return api(till.key, "POST", "/v1/quotes", body(payments));
}

export async function requote() {
  const seq = ++till.quoteSeq;
  if (!till.sale.lines.length) {
    till.quote = null;
    render();
    return;
  }
  try {
    const answer = await priced();
    if (seq !== till.quoteSeq) return;
    till.quote = answer;
    // Only a pricing failure is cleared by a price: a refusal said meanwhile (a payment, a confirmation) stays.
    if (till.quoteFailed) say(view.saleMessage, "");
    till.quoteFailed = false;
  } catch (error) {
    if (seq !== till.quoteSeq) return;
    if (error.status === 401 || error.status === 403) return showSetup(words(error));
    till.quoteFailed = true;
    say(view.saleMessage, words(error), "error");
  }
  render();
}

export function changed() {
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
export function render() {
  const focused = document.activeElement?.dataset?.focus;
  draw();
  if (focused) document.querySelector(`[data-focus="${focused}"]`)?.focus();
}

function draw() {
  view.saleNumber.textContent = till.sale.transactionId;
  view.saleEmpty.hidden = till.sale.lines.length > 0;
  const discounts = {};
  const earned = {};
  for (const discount of till.quote?.discounts || []) {
    for (const part of discount.lines) (discounts[part.line_id] ||= []).push({ name: dealName(discount), amount: part.amount });
  }
  for (const award of till.quote?.earned || []) {
    for (const part of award.lines) (earned[part.line_id] ||= []).push(part.points);
  }
  clear(view.lines, till.sale.lines.map((line) => el("li", { class: "line", "data-line": line.line_id },
    el("div", { class: "line-main" },
      el("span", { class: "line-name", text: line.name }),
      el("span", { class: "line-amount", text: money(lineAmount(line)) })),
    el("div", { class: "line-sub" },
      el("span", { class: "stepper" },
        el("button", { class: "step", type: "button", "aria-label": tr("One {name} less", { name: line.name }), "data-focus": `less-${line.line_id}`, onclick: () => setQuantity(line, line.quantity - 1), text: "−" }),
        el("span", { class: "qty", "aria-label": tr("Quantity {quantity}", { quantity: line.quantity }), text: `${line.quantity} × ${money(line.price)}` }),
        el("button", { class: "step", type: "button", "aria-label": tr("One {name} more", { name: line.name }), "data-focus": `more-${line.line_id}`, onclick: () => setQuantity(line, line.quantity + 1), text: "+" })),
      earned[line.line_id] ? el("span", { class: "line-points", text: tr("{points} pts", { points: signedPoints(sumPoints(earned[line.line_id])) }) }) : null),
    (discounts[line.line_id] || []).map((discount) => el("div", { class: "line-discount" },
      el("span", { text: discount.name }), el("span", { text: `−${money(discount.amount)}` }))),
  )));
  renderTotals();
  renderTenders();
  renderPreview();
  renderMember();
  renderCodes();
  // While a write is on its way the sale is not confirmed nor cancelled: what it brings back belongs to the sale.
  view.confirm.disabled = writing.any() || !till.sale.lines.length || !till.quote || due() < 0n;
  view.cancel.disabled = writing.any();
}

function renderTotals() {
  const local = fromMinor(till.sale.lines.reduce((sum, line) => sum + toMinor(lineAmount(line), till.decimals), 0n), till.decimals);
  const rows = [[tr("Subtotal"), money(till.quote ? till.quote.subtotal : local)]];
  if (till.quote && till.quote.discount_total !== fromMinor(0n, till.decimals)) rows.push([tr("Discounts"), `−${money(till.quote.discount_total)}`]);
  rows.push([tr("Total"), money(till.quote ? till.quote.total : local), "total"]);
  const paid = pointsPaid() + creditPaid();
  if (pointsPaid() > 0n) rows.push([tr("Paid with points"), `−${money(fromMinor(pointsPaid(), till.decimals))}`]);
  if (creditPaid() > 0n) rows.push([tr("Paid with credit"), `−${money(fromMinor(creditPaid(), till.decimals))}`]);
  if (paid > 0n) {
    const rest = till.quote ? toMinor(till.quote.total, till.decimals) - paid : null;
    // A discount applied after paying can leave points above the total: the sale cannot be confirmed so.
    if (rest !== null && rest >= 0n) rows.push([tr("To pay"), money(fromMinor(rest, till.decimals)), "due"]);
    if (rest !== null && rest < 0n) rows.push([tr("Points and credit pay {amount} more than the total: undo a payment", { amount: money(fromMinor(-rest, till.decimals)) }), "", "due over"]);
  }
  clear(view.totals, rows.map(([label, value, kind]) => el("div", { class: `total-row ${kind || ""}` },
    el("dt", { text: label }), el("dd", { text: value }))));
}

function renderTenders() {
  const rest = due();
  const section = $("tenders");
  section.hidden = !till.quote || rest <= 0n;
  if (section.hidden) return;
  const list = tenders();
  clear($("tender-list"), list.map((tender, index) => {
    const last = index === list.length - 1;
    const number = list.length > 1 ? ` ${index + 1}` : "";
    const select = el("select", {
      class: "tender-mop", "aria-label": tr("Means of payment") + number, "data-focus": `tender-mop-${index}`,
      onchange: (event) => { till.sale.tenders[index] = { ...tender, mop: event.target.value }; changed(); },
    }, till.meansOfPayment.map((name) => el("option", { value: name, text: name, selected: name === tender.mop })));
    const amount = last
      ? el("output", { class: "tender-amount", "data-tender-rest": "", text: money(remainder(rest, list)) })
      : el("input", {
        class: "tender-amount", inputmode: "decimal", autocomplete: "off", value: tender.amount || "",
        "aria-label": tr("Amount paid by {mop}", { mop: tender.mop }), "data-focus": `tender-amount-${index}`, placeholder: money("0.00"),
        onchange: (event) => { till.sale.tenders[index] = { ...tender, amount: event.target.value.trim() }; changed(); },
      });
    const remove = list.length > 1 ? el("button", {
      class: "chip-remove", type: "button", "aria-label": tr("Remove payment") + number, text: "×",
      onclick: () => { till.sale.tenders.splice(index, 1); changed(); },
    }) : null;
    return el("li", { class: "tender" }, select, amount, remove);
  }));
  $("split-payment").hidden = list.length >= till.meansOfPayment.length + 2;
}

// What the last tender pays: the rest less the typed amounts (never below zero: a larger typed amount is refused).
function remainder(rest, list) {
  let left = rest;
  for (const tender of list.slice(0, -1)) left -= toMinor(tender.amount || "0", till.decimals) ?? 0n;
  return fromMinor(left > 0n ? left : 0n, till.decimals);
}

export function dealName(discount) {
  return discount.source === "deal" ? tr("Deal") + " · " + discount.name : discount.name;
}
