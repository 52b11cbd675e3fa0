// The cashier's till: a demo sale, the "Loyalty Account" search, benefits, codes, points payments, confirmation.
// Every amount shown after a quote is the server's; line totals are whole quantities × prices in BigInt minor units.
import {
  api, words, say, el, clear, money, points, signedPoints, toMinor, fromMinor, decimalsOf, keyFromFragment, uid,
} from "./common.js";
import { identification } from "./identify.js";
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
let busy = false;

function newSale() {
  return { transactionId: uid("T"), nextLine: 1, lines: [], member: null, benefits: [], codes: [], payments: [] };
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
  return sale.payments.reduce((sum, payment) => sum + toMinor(payment.amount, decimals), 0n);
}

// The payments the accumulation must see: points, and the rest in cash (an excluded MOP alone earns nothing).
function paymentsFor(total) {
  const paid = pointsPaid();
  if (paid === 0n) return [];
  const rest = toMinor(total, decimals) - paid;
  const list = [{ mop: "points", amount: fromMinor(paid, decimals) }];
  if (rest > 0n) list.push({ mop: "cash", amount: fromMinor(rest, decimals) });
  return list;
}

function body(payments = []) {
  return {
    transaction_id: sale.transactionId, member_id: sale.member ? sale.member.id : null, items: items(),
    payments, benefits: sale.benefits, codes: sale.codes,
  };
}

async function priced() {
  let answer = await api(key, "POST", "/v1/quotes", body());
  if (sale.payments.length) answer = await api(key, "POST", "/v1/quotes", body(paymentsFor(answer.total)));
  return answer;
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
    say(view.saleMessage, "");
  } catch (error) {
    if (seq !== quoteSeq) return;
    if (error.status === 401 || error.status === 403) return showSetup(words(error));
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
    for (const part of discount.lines) (discounts[part.line_id] ||= []).push({ name: discount.name, amount: part.amount });
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
  renderPreview();
  renderMember();
  renderCodes();
  view.confirm.disabled = busy || !sale.lines.length || !quote;
}

function renderTotals() {
  const local = fromMinor(sale.lines.reduce((sum, line) => sum + toMinor(lineAmount(line), decimals), 0n), decimals);
  const rows = [["Subtotal", money(quote ? quote.subtotal : local)]];
  if (quote && quote.discount_total !== fromMinor(0n, decimals)) rows.push(["Discounts", `−${money(quote.discount_total)}`]);
  rows.push(["Total", money(quote ? quote.total : local), "total"]);
  const paid = pointsPaid();
  if (paid > 0n) {
    rows.push(["Paid with points", `−${money(fromMinor(paid, decimals))}`]);
    const rest = quote ? toMinor(quote.total, decimals) - paid : null;
    if (rest !== null) rows.push([rest >= 0n ? "To pay" : "Points paid exceed the total", money(fromMinor(rest < 0n ? -rest : rest, decimals)), "due"]);
  }
  clear(view.totals, rows.map(([label, value, kind]) => el("div", { class: `total-row ${kind || ""}` },
    el("dt", { text: label }), el("dd", { text: value }))));
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
    return el("li", { class: `benefit ${applied ? "applied" : ""}` },
      el("div", { class: "benefit-text" },
        el("span", { class: "benefit-name", text: benefit.name }),
        benefit.redeemable ? (benefit.valid_until ? el("span", { class: "muted small", text: `until ${new Date(benefit.valid_until).toLocaleDateString()}` }) : null)
          : el("span", { class: "reason", text: benefit.reason || "Cannot be used now." }),
        refused ? el("span", { class: "reason", text: `Not applied: ${refused.reason}` }) : null),
      benefit.redeemable ? el("button", {
        class: `button ${applied ? "primary" : "secondary"} small`, type: "button", "aria-pressed": applied ? "true" : "false",
        "aria-label": `${applied ? "Remove" : "Apply"} ${benefit.name}`, "data-focus": `benefit-${benefit.id}`,
        onclick: () => toggleBenefit(benefit.id), text: applied ? "Applied ✓" : "Apply",
      }) : null);
  }) : el("li", { class: "muted", text: "No benefits in the wallet." }));
  $("pay-button").disabled = !sale.lines.length;
  clear($("payments"), sale.payments.map((payment) => el("li", {},
    el("span", { text: `Paid ${money(payment.amount)} with ${points(payment.points_used)} points` }),
    el("button", { class: "button ghost small", type: "button", onclick: () => undoPayment(payment), text: "Undo",
      "data-focus": `undo-${payment.id}` }))));
  return null;
}

function renderCodes() {
  clear(view.codes, sale.codes.map((code) => {
    const refused = rejection(code);
    return el("li", { class: `chip ${refused ? "refused" : ""}` },
      el("span", { text: code }),
      refused ? el("span", { class: "reason", text: refused.reason }) : null,
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
    say(view.searchMessage, words(error), "error");
    view.searchInput.select();
  }
}

function setMember(member) {
  sale.member = member;
  sale.benefits = [];
  changed();
  document.getElementById("member-name")?.focus();
}

async function refreshMember() {
  if (!sale.member) return;
  try {
    sale.member = await api(key, "GET", `/v1/members/${sale.member.id}`);
    save();
    render();
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

function due() {
  return quote ? toMinor(quote.total, decimals) - pointsPaid() : 0n;
}

async function payWithPoints(event) {
  event.preventDefault();
  const input = $("points-amount");
  const minor = toMinor(input.value.trim(), decimals);
  if (minor === null || minor <= 0n) {
    say(view.saleMessage, `Type the amount to pay with points, like ${fromMinor(500n, decimals)}, or press All.`, "error");
    input.focus();
    return;
  }
  try {
    const paid = await api(key, "POST", "/v1/payments", {
      member_id: sale.member.id, transaction_id: sale.transactionId, amount: fromMinor(minor, decimals),
    }, { "Idempotency-Key": uid("P") });
    sale.payments.push({ id: paid.id, amount: paid.amount, points_used: paid.points_used });
    sale.member.points_balance = paid.points_balance;
    input.value = "";
    const partial = paid.amount !== fromMinor(minor, decimals);
    say(view.saleMessage, partial
      ? `The balance covered ${money(paid.amount)} of ${money(fromMinor(minor, decimals))}. The rest is paid another way.`
      : `Paid ${money(paid.amount)} with ${points(paid.points_used)} points.`, partial ? "info" : "ok");
    changed();
  } catch (error) {
    say(view.saleMessage, words(error), "error");
  }
}

$("pay-form").addEventListener("submit", payWithPoints);
$("pay-all").addEventListener("click", () => {
  const rest = due();
  $("points-amount").value = rest > 0n ? fromMinor(rest, decimals) : "";
  $("points-amount").focus();
});

async function undoPayment(payment, announce = true) {
  try {
    const undone = await api(key, "POST", `/v1/payments/${payment.id}/cancel`);
    sale.payments = sale.payments.filter((other) => other.id !== payment.id);
    if (sale.member) sale.member.points_balance = undone.points_balance;
    if (announce) say(view.saleMessage, `${points(undone.points_used)} points given back.`, "ok");
    changed();
  } catch (error) {
    say(view.saleMessage, words(error), "error");
  }
}

// --- confirm, cancel, receipt --------------------------------------------------------------------

// A destructive button asks once more in place (no modal on a touch screen): the second tap within 4 s acts.
function twoStep(button, label, action) {
  if (button.dataset.armed) {
    delete button.dataset.armed;
    button.textContent = label;
    return action();
  }
  button.dataset.armed = "1";
  button.textContent = "Tap again to confirm";
  setTimeout(() => {
    if (button.dataset.armed) {
      delete button.dataset.armed;
      button.textContent = label;
    }
  }, 4000);
  return null;
}

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
    const sent = body(paymentsFor(latest.total));
    const recorded = await api(key, "POST", "/v1/purchases", sent);
    showReceipt(recorded, sent);
    resetSale();
  } catch (error) {
    if (error.code === "benefit_unavailable") await refreshMember();
    say(view.saleMessage, words(error), "error");
  } finally {
    busy = false;
    render();
  }
});

function showReceipt(recorded, sent) {
  const member = sale.member;
  const discounts = {};
  for (const discount of recorded.discounts) {
    for (const part of discount.lines) (discounts[part.line_id] ||= []).push({ name: discount.name, amount: part.amount });
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
      sent.payments.map((payment) => row(payment.mop === "points" ? "Paid with points" : `Paid in ${payment.mop}`, money(payment.amount)))),
    member ? el("section", { class: "receipt-points", "aria-label": "Points" },
      el("p", { class: "earned-big" }, el("strong", { text: `${signedPoints(recorded.points_earned)} points` }), " earned"),
      recorded.earned.length ? el("ul", { class: "explanations" }, recorded.earned.map((award) => el("li", {},
        el("span", { class: "explanation-rule", text: `${award.rule_name}: ${signedPoints(award.points)}` }), " ",
        el("span", { class: "muted", text: award.explanation })))) : null,
      !/^0(\.0+)?$/.test(recorded.points_paid) ? el("p", { text: `${points(recorded.points_paid)} points paid` }) : null,
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

// --- start ---------------------------------------------------------------------------------------

async function start() {
  view.setup.hidden = true;
  view.workspace.hidden = false;
  view.scan.hidden = !("BarcodeDetector" in window && navigator.mediaDevices?.getUserMedia);
  if (!catalogue.length) await loadCatalogue();
  restore();
  render();
  await requote();
  await refreshMember();
}

if (key) start();
else showSetup();
