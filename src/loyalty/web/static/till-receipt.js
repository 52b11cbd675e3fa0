// Confirming or cancelling the sale, and the receipt.
import { api, tr, words, say, el, clear, money, points, signedPoints, fromMinor, twoStep, localDateTime } from "./common.js";
import { pressing } from "./intent.js";
import { pendingText } from "./standing.js";
import { till, view } from "./till-state.js";
import { body, dealName, priced, render, requote, resetSale, writing } from "./till-sale.js";
import { refreshMember } from "./till-member.js";
import { split, undoPayment } from "./till-payments.js";

// --- confirm, cancel, receipt --------------------------------------------------------------------

view.cancel.addEventListener("click", (event) => twoStep(view.cancel, tr("Cancel sale"), () => writing.run("cancel", async () => {
  for (const payment of [...till.sale.payments]) await undoPayment(payment, false);
  if (till.sale.payments.length) return;
  resetSale();
  say(view.saleMessage, tr("Sale cancelled. Nothing was recorded."), "ok");
}), event));

// The sale's transaction id is its idempotency key: a retry after a lost answer records it once.
view.confirm.addEventListener("click", () => writing.run("confirm", async () => {
  say(view.saleMessage, tr("Recording…"), "info");
  try {
    const latest = await priced();
    const { payments, error } = split(latest.total);
    if (error) {
      till.quote = latest;
      say(view.saleMessage, error, "error");
      return;
    }
    const sent = body(payments, latest.rejected);
    const recorded = await api(till.key, "POST", "/v1/purchases", sent);
    showReceipt(recorded, sent);
    resetSale();
  } catch (error) {
    say(view.saleMessage, words(error), "error");
    if (error.code === "benefit_unavailable") {
      // Spent at another till meanwhile: priced again, it shows as not applied and the next confirm leaves it out.
      await refreshMember();
      await requote();
    }
  }
}));

function showReceipt(recorded, sent) {
  const member = till.sale.member;
  const discounts = {};
  for (const discount of recorded.discounts) {
    for (const part of discount.lines) (discounts[part.line_id] ||= []).push({ name: dealName(discount), amount: part.amount });
  }
  view.workspace.hidden = true;
  view.receipt.hidden = false;
  const cancelButton = el("button", { class: "button secondary big", type: "button", text: tr("Cancel this purchase") });
  const message = el("div", { class: "message", role: "status", "aria-live": "polite", hidden: true });
  cancelButton.addEventListener("click", (event) => twoStep(cancelButton, tr("Cancel this purchase"), () => pressing(cancelButton, async () => {
    try {
      const cancelled = await api(till.key, "POST", `/v1/purchases/${recorded.id}/cancel`);
      cancelButton.dataset.done = "1";
      const lost = cancelled.points_not_recovered && !/^0(\.0+)?$/.test(cancelled.points_not_recovered);
      const taken = cancelled.points_balance !== null
        ? tr("Purchase cancelled. Earned points were taken back; the balance is now {points} points.", { points: points(cancelled.points_balance) })
        : tr("Purchase cancelled. Earned points were taken back.");
      const spent = lost ? " " + tr("{points} points were already spent and could not be taken back.", { points: points(cancelled.points_not_recovered) }) : "";
      say(message, `${taken}${spent}`, "ok");
      view.receipt.querySelector(".receipt-status").textContent = tr("Cancelled");
    } catch (error) {
      say(message, words(error), "error");
    }
  }), event));
  const newSaleButton = el("button", { class: "button primary big", type: "button", text: tr("New sale"), onclick: () => {
    view.receipt.hidden = true;
    view.workspace.hidden = false;
    render();
    view.loyaltyButton.focus();
  } });
  clear(view.receipt, el("div", { class: "receipt-paper" },
    el("header", { class: "receipt-head" },
      el("h1", { id: "receipt-title", text: tr("Sale confirmed") }),
      el("span", { class: "receipt-status badge ok", text: tr("Recorded") }),
      el("p", { class: "muted", text: `${recorded.transaction_id} · ${localDateTime(recorded.created_at)}` })),
    el("ul", { class: "receipt-lines" }, sent.items.map((item) => el("li", {},
      el("div", { class: "receipt-row" }, el("span", { text: `${item.quantity} × ${item.name}` }), el("span", { text: money(item.amount) })),
      (discounts[item.line_id] || []).map((discount) => el("div", { class: "receipt-row discount" },
        el("span", { text: discount.name }), el("span", { text: `−${money(discount.amount)}` })))))),
    el("dl", { class: "totals receipt-totals" },
      recorded.discount_total !== fromMinor(0n, till.decimals) ? row(tr("Discounts"), `−${money(recorded.discount_total)}`) : null,
      row(tr("Total"), money(recorded.total), "total"),
      (recorded.payments || sent.payments).map((payment) => row(payment.mop === "points" ? tr("Paid with points") : payment.mop === "credit" ? tr("Paid with credit") : tr("Paid by {mop}", { mop: payment.mop }), money(payment.amount)))),
    member ? el("section", { class: "receipt-points", "aria-label": tr("Points") },
      el("p", { class: "earned-big" }, el("strong", { text: tr("{points} points", { points: signedPoints(recorded.points_earned) }) }), " " + tr("earned")),
      recorded.earned.length ? el("ul", { class: "explanations" }, recorded.earned.map((award) => el("li", {},
        el("span", { class: "explanation-rule", text: `${award.rule_name}: ${signedPoints(award.points)}` }), " ",
        el("span", { class: "muted", text: award.explanation })))) : null,
      !/^0(\.0+)?$/.test(recorded.points_paid) ? el("p", { text: tr("{points} points paid", { points: points(recorded.points_paid) }) }) : null,
      recorded.punches?.length ? el("ul", { class: "explanations receipt-punches", "aria-label": tr("Punch cards") }, recorded.punches.map((punch) => el("li", {},
        el("span", { text: punch.explanation }),
        punch.rewards.length ? el("strong", { class: "reward-earned", text: " " + tr("Reward in the wallet.") }) : null))) : null,
      recorded.credit_balance && recorded.credit_balance !== fromMinor(0n, till.decimals) || creditPaidIn(sent) ? el("p", { class: "credit-left", text: tr("Credit left: {amount}", { amount: money(recorded.credit_balance) }) }) : null,
      el("p", { class: "new-balance" }, (member.first_name ? tr("{name}'s new balance:", { name: member.first_name }) : tr("The member's new balance:")) + " ",
        el("strong", { "data-balance": recorded.points_balance, text: tr("{points} points", { points: points(recorded.points_balance) }) })))
      : el("p", { class: "muted", text: tr("No member in this sale: no points earned.") }),
    message,
    el("div", { class: "sale-actions" }, cancelButton, newSaleButton)));
  view.receipt.focus();
  if (member) sayPending(member.id);
}

// Points earned today may wait out the return period before they can be spent: the receipt says so once the
// member's standing is read back (the purchase's answer counts them in neither balance).
async function sayPending(memberId) {
  try {
    const text = pendingText(await api(till.key, "GET", `/v1/members/${memberId}`));
    if (text) view.receipt.querySelector(".new-balance")?.after(el("p", { class: "standing-line pending", "data-standing": "pending", text }));
  } catch {
    // The receipt stands without it.
  }
}

function row(label, value, kind = "") {
  return el("div", { class: `total-row ${kind}` }, el("dt", { text: label }), el("dd", { text: value }));
}

function creditPaidIn(sent) {
  return sent.payments.some((payment) => payment.mop === "credit");
}
