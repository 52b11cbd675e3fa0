// The till's past sales: today's at this till, or found by transaction id or member; one opened shows its
// receipt again, returns some of its lines (with the points they take back shown first) or cancels it.
import { api, tr, words, say, el, clear, money, points, toMinor, fromMinor, localDateTime, twoStep } from "./common.js";
import { identification, triesLeft } from "./identify.js";
import { intended, pressing } from "./intent.js";

const $ = (id) => document.getElementById(id);
let keyOf = () => null;
let leave = () => {};
const pending = {}; // the return whose answer was lost, to retry with its return_id

export function setupSales({ key, back }) {
  keyOf = key;
  leave = back;
  $("sales-back").addEventListener("click", () => leave());
  $("sales-today").addEventListener("click", () => {
    $("sales-q").value = "";
    listToday();
  });
  $("sales-search").addEventListener("submit", (event) => {
    event.preventDefault();
    find($("sales-q").value.trim());
  });
  $("sales").addEventListener("keydown", (event) => {
    if (event.key === "Escape") leave();
  });
}

export function openSales() {
  $("sales").hidden = false;
  $("sale-detail").hidden = true;
  say($("sales-message"), "");
  listToday();
  $("sales-q").focus();
}

async function listToday() {
  $("sales-list-title").textContent = tr("Today at this till");
  await show(() => api(keyOf(), "GET", "/v1/purchases"), tr("No sales at this till today."));
}

// A transaction id first (the receipt's number); else whoever the text identifies.
async function find(text) {
  if (!text) return listToday();
  try {
    const byTransaction = await api(keyOf(), "GET", `/v1/purchases?transaction_id=${encodeURIComponent(text)}`);
    if (byTransaction.length) {
      $("sales-list-title").textContent = tr("Transaction {id}", { id: text });
      drawList(byTransaction, "");
      if (byTransaction.length === 1) openSale(byTransaction[0].id);
      return;
    }
    const query = identification(text);
    if (!query || query.member_number !== undefined) {
      say($("sales-message"), tr("No sale with the transaction id {id}.", { id: text }), "error");
      return;
    }
    const member = await api(keyOf(), "POST", "/v1/identify", query);
    const name = `${member.first_name || ""} ${member.last_name || ""}`.trim() || tr("this member");
    $("sales-list-title").textContent = tr("Sales of {name}", { name });
    await show(() => api(keyOf(), "GET", `/v1/purchases?member_id=${member.id}`), tr("No sales of {name}.", { name }));
  } catch (error) {
    const warning = error.code === "member_not_found" ? triesLeft(error.details) : "";
    say($("sales-message"), `${words(error)}${warning ? ` ${warning}` : ""}`, "error");
  }
}

async function show(load, empty) {
  try {
    drawList(await load(), empty);
  } catch (error) {
    say($("sales-message"), words(error), "error");
  }
}

function drawList(found, empty) {
  say($("sales-message"), found.length ? "" : empty, "info");
  clear($("sales-list"), found.map((sale) => el("li", { class: `sales-entry ${sale.status}` },
    el("button", {
      class: "sales-open", type: "button", "aria-label": tr("Open sale {id}", { id: sale.transaction_id }),
      onclick: () => openSale(sale.id),
    },
    el("span", { class: "muted", text: localDateTime(sale.created_at) }),
    el("span", { class: "sales-id", text: sale.transaction_id }),
    el("span", { class: "sales-total", text: money(sale.total) }),
    el("span", { class: "badge", text: sale.status === "cancelled" ? tr("Cancelled") : tr("{points} pts", { points: points(sale.points_earned) }) })))));
}

async function openSale(id, message = null) {
  let sale;
  try {
    sale = await api(keyOf(), "GET", `/v1/purchases/${id}`);
  } catch (error) {
    say($("sales-message"), words(error), "error");
    return;
  }
  const box = $("sale-detail");
  box.hidden = false;
  const returns = new Map(); // line_id -> quantity typed
  const preview = el("p", { class: "return-preview", "aria-live": "polite" });
  const status = el("div", { class: "message", role: "status", "aria-live": "polite", hidden: true });
  const open = sale.status === "completed";
  const lineRows = sale.lines.map((line) => {
    const left = leftOf(line);
    const input = open && left > 0n ? el("input", {
      class: "return-qty", inputmode: "decimal", autocomplete: "off", placeholder: "0",
      "aria-label": tr("Return how many {name}", { name: line.name || line.code || line.line_id }),
      oninput: (event) => {
        returns.set(line.line_id, event.target.value.trim());
        preview.textContent = previewText(sale, returns);
      },
    }) : null;
    return el("li", { class: "receipt-row sale-line" },
      el("span", { text: `${line.quantity} × ${line.name || line.code}` }),
      el("span", { class: "muted small", text: line.returned_quantity !== "0" ? tr("{count} returned", { count: line.returned_quantity }) : "" }),
      el("span", { text: money(line.amount) }),
      input);
  });
  const returnButton = open ? el("button", { class: "button secondary", type: "button", text: tr("Return selected") }) : null;
  returnButton?.addEventListener("click", () => pressing(returnButton, () => returnLines(sale, returns, status)));
  const cancelButton = open ? el("button", { class: "button secondary", type: "button", text: tr("Cancel this purchase") }) : null;
  cancelButton?.addEventListener("click", (event) => twoStep(cancelButton, tr("Cancel this purchase"),
    () => pressing(cancelButton, () => cancel(sale, status)), event));
  clear(box, el("div", { class: "receipt-paper" },
    el("header", { class: "receipt-head" },
      el("h2", { id: "sale-detail-title", text: tr("Sale {id}", { id: sale.transaction_id }) }),
      el("span", { class: `badge ${open ? "ok" : ""}`, "data-sale-status": sale.status, text: open ? tr("Recorded") : tr("Cancelled") }),
      el("p", { class: "muted", text: localDateTime(sale.created_at) })),
    el("ul", { class: "receipt-lines" }, lineRows),
    el("dl", { class: "totals receipt-totals" },
      sale.discount_total && !/^0(\.0+)?$/.test(sale.discount_total) ? row(tr("Discounts"), `−${money(sale.discount_total)}`) : null,
      row(tr("Total"), money(sale.total), "total"),
      sale.payments.map((payment) => row(payment.mop === "points" ? tr("Paid with points") : tr("Paid by {mop}", { mop: payment.mop }), money(payment.amount)))),
    sale.member_id ? el("p", {}, el("strong", { text: tr("{points} points", { points: points(sale.points_earned) }) }), " " + tr("earned")) : null,
    open ? preview : null,
    status,
    el("div", { class: "sale-actions" },
      el("button", { class: "button ghost", type: "button", text: tr("Reprint receipt"), onclick: () => window.print() }),
      returnButton, cancelButton)));
  if (message) say(status, message, "ok");
  box.focus();
}

function leftOf(line) {
  return toMinor(line.quantity, 3) - toMinor(line.returned_quantity, 3);
}

// The points a return takes back, computed as the server does: in hundredths, rounded down, the last units
// taking what is left of the line's points.
function previewText(sale, returns) {
  let total = 0n;
  for (const line of sale.lines) {
    const typed = returns.get(line.line_id);
    if (!typed) continue;
    const quantity = toMinor(typed, 3);
    const left = leftOf(line);
    if (quantity === null || quantity <= 0n || quantity > left) {
      return tr("Return at most {count} of {name}.", { count: fromMinor(left, 3).replace(/\.?0+$/, ""), name: line.name || line.code });
    }
    const earned = toMinor(line.points_earned, 2);
    const pointsLeft = earned - toMinor(line.points_returned, 2);
    const share = quantity === left ? pointsLeft : (earned * quantity) / toMinor(line.quantity, 3);
    total += share < pointsLeft ? share : pointsLeft;
  }
  return total > 0n || returns.size ? tr("This return takes back {points} points.", { points: points(fromMinor(total, 2)) }) : "";
}

async function returnLines(sale, returns, status) {
  const lines = [...returns.entries()].filter(([, typed]) => typed).map(([lineId, typed]) => ({ line_id: lineId, quantity: typed }));
  if (!lines.length) {
    say(status, tr("Type how many of a line come back first."), "error");
    return;
  }
  try {
    // The return_id is the return's idempotency key: the same lines of the same sale, retried, come back once.
    const done = await intended(pending, "return", { sale: sale.id, lines }, "R", (returnId) => api(
      keyOf(), "POST", `/v1/purchases/${sale.id}/returns`, { return_id: returnId, lines }));
    const lost = !/^0(\.0+)?$/.test(done.points_not_recovered) ? " " + tr("{points} points were already spent and could not be taken back.", { points: points(done.points_not_recovered) }) : "";
    const balance = done.points_balance !== null ? " " + tr("The balance is now {points} points.", { points: points(done.points_balance) }) : "";
    openSale(sale.id, tr("Returned. {points} points taken back.", { points: points(done.points_taken_back) }) + balance + lost);
  } catch (error) {
    say(status, words(error), "error");
  }
}

async function cancel(sale, status) {
  try {
    const done = await api(keyOf(), "POST", `/v1/purchases/${sale.id}/cancel`);
    const balance = done.points_balance !== null ? " " + tr("The balance is now {points} points.", { points: points(done.points_balance) }) : "";
    openSale(sale.id, tr("Purchase cancelled: earned points taken back, points paid given back.") + balance);
  } catch (error) {
    say(status, words(error), "error");
  }
}

function row(label, value, kind = "") {
  return el("div", { class: `total-row ${kind}` }, el("dt", { text: label }), el("dd", { text: value }));
}
