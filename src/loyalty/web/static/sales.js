// The till's past sales: today's at this till, or found by transaction id or member; one opened shows its
// receipt again, returns some of its lines (with the points they take back shown first) or cancels it.
import { api, tr, words, say, el, clear, money, points, toMinor, fromMinor, decimalsOf, localDateTime, twoStep } from "./common.js";
import { identification, triesLeft } from "./identify.js";
import { intended, pressing } from "./intent.js";

const $ = (id) => document.getElementById(id);
let keyOf = () => null;
let leave = () => {};
let current = () => null; // the transaction id of the sale in progress at this till
let takeUp = async () => {};
const pending = {}; // the return whose answer was lost, to retry with its return_id

export function setupSales({ key, back, sale, resume }) {
  keyOf = key;
  leave = back;
  current = sale;
  takeUp = resume;
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
  listOpenPayments();
  $("sales-q").focus();
}

// --- payments left open by a sale that was lost (another tab, a crash): given back, or its sale taken up ------

async function listOpenPayments() {
  let open;
  try {
    open = (await api(keyOf(), "GET", "/v1/payments")).filter((payment) => payment.transaction_id !== current());
  } catch {
    return; // the past sales stand without it
  }
  $("open-payments").hidden = !open.length;
  clear($("open-payments-list"), open.map((payment) => {
    const giveBack = el("button", { class: "button secondary small", type: "button", text: tr("Give back"), "aria-label": tr("Give back {payment} on sale {sale}", { payment: paidText(payment), sale: payment.transaction_id }) });
    giveBack.addEventListener("click", (event) => twoStep(giveBack, tr("Give back"), () => pressing(giveBack, () => giveBackPayment(payment)), event));
    const resume = el("button", { class: "button ghost small", type: "button", text: tr("Take up the sale"), "aria-label": tr("Take up sale {sale}", { sale: payment.transaction_id }) });
    resume.addEventListener("click", () => pressing(resume, () => takeUpSale(payment, open)));
    const member = payment.member_name || tr("A member");
    return el("li", { class: "sales-entry open-payment", "data-payment": payment.id },
      el("span", { class: "muted", text: localDateTime(payment.created_at) }),
      el("span", { class: "sales-id", text: payment.transaction_id }),
      el("span", { text: tr("{member}: {payment}", { member, payment: paidText(payment) }) }),
      el("span", { class: "row-actions" }, giveBack, resume));
  }));
}

function paidText(payment) {
  return payment.wallet === "credit"
    ? tr("{amount} paid with credit", { amount: money(payment.amount) })
    : tr("{amount} paid with {points} points", { amount: money(payment.amount), points: points(payment.points_used) });
}

async function giveBackPayment(payment) {
  try {
    const back = await api(keyOf(), "POST", `/v1/payments/${payment.id}/cancel`);
    const balance = back.wallet === "credit" ? tr("credit {amount}", { amount: money(back.credit_balance) }) : tr("{points} points", { points: points(back.points_balance) });
    await listOpenPayments();
    const fields = { member: payment.member_name, payment: paidText(payment), balance };
    // Without a name the sentence is a whole one of its own, so each language can say "to the member" its way.
    const given = payment.member_name ? tr("Given back to {member}: {payment}.", fields) : tr("Given back to the member: {payment}.", fields);
    const now = tr("Balance now {balance}.", fields);
    say($("open-payments-message"), given + " " + now, "ok");
    if ($("open-payments").hidden) say($("sales-message"), given, "ok");
  } catch (error) {
    say($("open-payments-message"), words(error), "error");
  }
}

async function takeUpSale(payment, open) {
  try {
    await takeUp(payment.transaction_id, payment.member_id, open.filter((other) => other.transaction_id === payment.transaction_id));
  } catch (error) {
    // The till's own refusal (a sale in progress) is already in words; the server's are said by their code.
    say($("open-payments-message"), error instanceof Error && error.status === undefined ? error.message : words(error), "error");
  }
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
    el("span", { class: "badge", text: sale.status === "cancelled" ? tr("Cancelled") : tr("{points} pts", { points: points(keptPoints(sale)) }) })))));
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
    const back = returnedValue(line);
    return el("li", { class: "receipt-row sale-line" },
      el("span", { text: `${line.quantity} × ${line.name || line.code}` }),
      el("span", { class: "muted small returned", text: back === null ? "" : tr("{count} returned (−{amount})", { count: line.returned_quantity, amount: money(back) }) }),
      el("span", { text: money(line.amount) }),
      input);
  });
  const returned = returnedTotal(sale);
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
      sale.payments.map((payment) => row(payment.mop === "points" ? tr("Paid with points") : tr("Paid by {mop}", { mop: payment.mop }), money(payment.amount))),
      returned ? row(tr("Returned"), `−${money(returned.money)}`, "returned") : null,
      returned ? row(tr("Kept"), money(returned.kept), "kept") : null),
    sale.member_id ? pointsKept(sale) : null,
    open ? preview : null,
    status,
    el("div", { class: "sale-actions" },
      el("button", { class: "button ghost", type: "button", text: tr("Reprint receipt"), onclick: () => window.print() }),
      returnButton, cancelButton)));
  if (message) say(status, message, "ok");
  box.focus();
}

// The value of a line's returned items: what the line came to after its discounts, in proportion, to the cent
// (half up); null when nothing of it came back.
function returnedValue(line) {
  const quantity = toMinor(line.quantity, 3);
  const back = toMinor(line.returned_quantity, 3);
  if (!back || !quantity) return null;
  const decimals = decimalsOf(line.amount);
  const paid = toMinor(line.amount, decimals) - (toMinor(line.discount || "0", decimals) ?? 0n);
  return fromMinor((paid * back * 2n + quantity) / (quantity * 2n), decimals);
}

function returnedTotal(sale) {
  const values = sale.lines.map(returnedValue).filter((value) => value !== null);
  if (!values.length) return null;
  const decimals = decimalsOf(sale.total);
  const total = values.reduce((sum, value) => sum + toMinor(value, decimals), 0n);
  return { money: fromMinor(total, decimals), kept: fromMinor(toMinor(sale.total, decimals) - total, decimals) };
}

// The points a sale still gives its member: those earned less those its returns took back.
function keptPoints(sale) {
  const kept = toMinor(sale.points_earned, 2) - toMinor(sale.points_returned || "0", 2);
  return fromMinor(kept > 0n ? kept : 0n, 2);
}

// "33 points earned" until a return takes some back; then what was taken back and what the member keeps.
function pointsKept(sale) {
  const earned = toMinor(sale.points_earned, 2);
  const back = sale.lines.reduce((sum, line) => sum + toMinor(line.points_returned || "0", 2), 0n);
  const paragraph = el("p", { class: "sale-points" });
  if (sale.status !== "completed" || back <= 0n) {
    paragraph.append(el("strong", { text: tr("{points} points", { points: points(sale.points_earned) }) }), " " + (sale.status === "completed" ? tr("earned") : tr("earned, taken back by the cancellation")));
    return paragraph;
  }
  const kept = fromMinor(earned - back > 0n ? earned - back : 0n, 2);
  paragraph.append(el("strong", { text: tr("{points} points", { points: points(kept) }) }), " " + tr("kept of {earned} earned: {back} taken back by returns", { earned: points(sale.points_earned), back: points(fromMinor(back, 2)) }));
  return paragraph;
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
    const what = done.lines.map((back) => {
      const line = sale.lines.find((one) => one.line_id === back.line_id);
      const value = line ? returnedValue({ ...line, returned_quantity: back.quantity }) : null;
      return `${back.quantity} × ${line?.name || line?.code || back.line_id}${value === null ? "" : ` (−${money(value)})`}`;
    }).join(", ");
    openSale(sale.id, tr("Returned {what}. {points} points taken back.", { what, points: points(done.points_taken_back) }) + balance + lost);
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
