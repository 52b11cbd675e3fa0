// Paying: points and stored credit against what the sale still owes, the rest by the business's means of
// payment; topping credit up and buying from the point shop.
import { api, tr, named, words, say, money, points, toMinor, fromMinor } from "./common.js";
import { intended } from "./intent.js";
import { pointsAmount, pointsCap, splitRest } from "./tenders.js";
import { $, save, till, view } from "./till-state.js";
import { body, changed, items, writing } from "./till-sale.js";
import { refreshMember } from "./till-member.js";

export function pointsPaid() {
  return till.sale.payments.filter((payment) => payment.wallet !== "credit")
    .reduce((sum, payment) => sum + toMinor(payment.amount, till.decimals), 0n);
}

export function creditPaid() {
  return till.sale.payments.filter((payment) => payment.wallet === "credit")
    .reduce((sum, payment) => sum + toMinor(payment.amount, till.decimals), 0n);
}

// The tenders with their means of payment filled in (a new sale's first one is the business's first).
export function tenders() {
  if (!Array.isArray(till.sale.tenders) || !till.sale.tenders.length) till.sale.tenders = [{ mop: null, amount: "" }];
  return till.sale.tenders.map((tender) => ({
    ...tender, mop: till.meansOfPayment.includes(tender.mop) ? tender.mop : till.meansOfPayment[0],
  }));
}

// The payments the accumulation must see: points, credit, and the rest by the means of payment the cashier chose.
export function split(total) {
  const paid = pointsPaid();
  const credit = creditPaid();
  const rest = toMinor(total, till.decimals) - paid - credit;
  const { payments, error } = splitRest(rest, tenders(), till.decimals);
  const list = [];
  if (paid > 0n) list.push({ mop: "points", amount: fromMinor(paid, till.decimals) });
  if (credit > 0n) list.push({ mop: "credit", amount: fromMinor(credit, till.decimals) });
  return { payments: [...list, ...payments], error };
}

export function paymentsFor(total) {
  return split(total).payments;
}

// --- points payments -----------------------------------------------------------------------------

// What points or credit may still pay: the total less what the member's points and credit already pay.
export function due() {
  return till.quote ? toMinor(till.quote.total, till.decimals) - pointsPaid() - creditPaid() : 0n;
}

async function payWithPoints(event) {
  event.preventDefault();
  const input = $("points-amount");
  if (!till.quote) {
    say(view.saleMessage, tr("The sale is still being priced. Try again in a moment."), "info");
    return;
  }
  const { minor, error } = pointsAmount(input.value, due(), till.decimals);
  if (error) {
    say(view.saleMessage, error, "error");
    input.focus();
    return;
  }
  const amount = fromMinor(minor, till.decimals);
  await writing.run("points", async () => {
    try {
      // The sale goes along: the server pays at most what it still owes, whatever was typed.
      const paid = await payFromWallet("points", amount);
      till.sale.member.points_balance = paid.points_balance;
      input.value = "";
      const partial = paid.amount !== amount;
      say(view.saleMessage, partial
        ? tr("Points paid {paid} of {amount} (all the balance or the sale allows). The rest is paid another way.", { paid: money(paid.amount), amount: money(amount) })
        : tr("Paid {amount} with {points} points.", { amount: money(paid.amount), points: points(paid.points_used) }), partial ? "info" : "ok");
      changed();
    } catch (error) {
      say(view.saleMessage, words(error), "error");
    }
  });
}

// One key per intended payment, kept with the sale: pressing Pay again after a lost answer sends the same key, so
// the server pays once; another amount, member or sale is another payment. A replay is not added twice.
async function payFromWallet(wallet, amount) {
  const sale = till.sale;
  const what = { wallet, amount, member: sale.member.id, sale: sale.transactionId, items: items() };
  const paid = await intended(sale, `${wallet}Attempt`, what, wallet === "credit" ? "C" : "P", (idempotencyKey) => api(
    till.key, "POST", "/v1/payments", {
      member_id: sale.member.id, transaction_id: sale.transactionId, amount,
      ...(wallet === "credit" ? { wallet } : {}), purchase: body([], till.quote.rejected),
    }, { "Idempotency-Key": idempotencyKey }));
  if (!sale.payments.some((payment) => payment.id === paid.id)) {
    sale.payments.push({ id: paid.id, amount: paid.amount, points_used: paid.points_used, ...(wallet === "credit" ? { wallet } : {}) });
  }
  return paid;
}

$("pay-form").addEventListener("submit", payWithPoints);
$("split-payment").addEventListener("click", () => {
  const list = tenders();
  const next = till.meansOfPayment.find((name) => !list.some((tender) => tender.mop === name)) || till.meansOfPayment[0];
  till.sale.tenders = [...list, { mop: next, amount: "" }];
  changed();
  document.querySelector(`[data-focus="tender-amount-${list.length - 1}"]`)?.focus();
});
$("pay-all").addEventListener("click", () => {
  const rest = till.quote ? pointsCap(toMinor(till.quote.total, till.decimals), pointsPaid() + creditPaid()) : 0n;
  $("points-amount").value = rest > 0n ? fromMinor(rest, till.decimals) : "";
  $("points-amount").focus();
});

export async function undoPayment(payment, announce = true) {
  return writing.run(`undo-${payment.id}`, async () => {
    try {
      const undone = await api(till.key, "POST", `/v1/payments/${payment.id}/cancel`);
      till.sale.payments = till.sale.payments.filter((other) => other.id !== payment.id);
      if (till.sale.member) till.sale.member.points_balance = undone.points_balance;
      if (till.sale.member && undone.credit_balance) till.sale.member.credit_balance = undone.credit_balance;
      if (announce) say(view.saleMessage, undone.wallet === "credit" ? tr("{amount} credit given back.", { amount: money(undone.amount) }) : tr("{points} points given back.", { points: points(undone.points_used) }), "ok");
      changed();
    } catch (error) {
      say(view.saleMessage, words(error), "error");
    }
  });
}

export async function payWithCredit(event) {
  event.preventDefault();
  const input = $("credit-amount");
  const minor = toMinor(input.value.trim(), till.decimals);
  if (minor === null || minor <= 0n) {
    say(view.saleMessage, tr("Type the amount to pay with credit, like {example}.", { example: money(fromMinor(500n, till.decimals)) }), "error");
    return;
  }
  if (!till.quote || minor > due()) {
    say(view.saleMessage, till.quote ? tr("The sale still owes {amount}: credit can pay at most that.", { amount: money(fromMinor(due(), till.decimals)) }) : tr("The sale is still being priced. Try again in a moment."), "error");
    input.focus();
    return;
  }
  const amount = fromMinor(minor, till.decimals);
  await writing.run("credit", async () => {
    try {
      const paid = await payFromWallet("credit", amount);
      till.sale.member.credit_balance = paid.credit_balance;
      say(view.saleMessage, tr("Paid {amount} with credit.", { amount: money(paid.amount) }), "ok");
      changed();
    } catch (error) {
      say(view.saleMessage, words(error), "error");
    }
  });
}

export async function topUp(event) {
  event.preventDefault();
  const input = $("top-up-amount");
  const minor = toMinor(input.value.trim(), till.decimals);
  if (minor === null || minor <= 0n) {
    say(view.saleMessage, tr("Type the amount taken for the top-up, like {example}.", { example: money(fromMinor(2000n, till.decimals)) }), "error");
    return;
  }
  const amount = fromMinor(minor, till.decimals);
  const member = till.sale.member;
  await writing.run("top-up", async () => {
    try {
      // The money was taken once: a retry after a lost answer loads once; another amount is another top-up.
      const loaded = await intended(till.sale, "topUpAttempt", { member: member.id, amount }, "L", (idempotencyKey) => api(
        till.key, "POST", `/v1/members/${member.id}/credit`, { amount }, { "Idempotency-Key": idempotencyKey }));
      member.credit_balance = loaded.credit_balance;
      if (till.sale.member?.id === member.id) $("top-up-amount").value = "";
      const values = { amount: money(loaded.amount), bonus: money(loaded.bonus), credit: money(loaded.credit_balance) };
      say(view.saleMessage, loaded.bonus !== fromMinor(0n, till.decimals)
        ? tr("Topped up {amount} with a bonus of {bonus}: credit is now {credit}.", values)
        : tr("Topped up {amount}: credit is now {credit}.", values), "ok");
      save();
    } catch (error) {
      say(view.saleMessage, words(error), "error");
    }
  });
}

export async function buyFromShop(item) {
  const member = till.sale.member;
  await writing.run("shop", async () => {
    try {
      const bought = await intended(till.sale, "shopAttempt", { member: member.id, benefit: item.benefit_id }, "S",
        (idempotencyKey) => api(till.key, "POST", `/v1/members/${member.id}/benefits/buy`, { benefit_id: item.benefit_id },
          { "Idempotency-Key": idempotencyKey }));
      say(view.saleMessage, tr("{name} bought for {points} points: it is in the wallet.", { name: named(item), points: points(bought.points_paid) }), "ok");
      await refreshMember();
    } catch (error) {
      say(view.saleMessage, words(error), "error");
    }
  });
}

export async function loadMeansOfPayment() {
  try {
    const answer = await api(till.key, "GET", "/v1/means-of-payment");
    if (answer.means_of_payment.length) till.meansOfPayment = answer.means_of_payment;
  } catch {
    // Keep cash: the sale can go on, and a quote will say if the key is wrong.
  }
}
