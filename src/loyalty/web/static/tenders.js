// How a sale is paid at the till, in BigInt minor units: no DOM here, so it can be tested outside a browser.
// Points pay first (the server caps them at what the sale owes); the rest goes to the business's means of
// payment. Every tender but the last has a typed amount; the last one takes what is left, so the payments
// always add up to the total, never to more.

import { toMinor, fromMinor, tr } from "./common.js";

// The most points may still pay: what the sale owes, never below zero.
export function pointsCap(totalMinor, pointsPaidMinor) {
  const rest = totalMinor - pointsPaidMinor;
  return rest > 0n ? rest : 0n;
}

// A typed points amount checked against what is due: { minor } or { error } in words.
export function pointsAmount(text, dueMinor, decimals) {
  const minor = toMinor(String(text || "").trim(), decimals);
  const example = fromMinor(500n, decimals);
  if (minor === null || minor <= 0n) return { error: tr("Type the amount to pay with points, like {example}, or press All.", { example }) };
  if (dueMinor <= 0n) return { error: tr("Nothing is left to pay: points cannot pay more than the sale costs.") };
  if (minor > dueMinor) {
    return { error: tr("The sale still owes {due}: points can pay at most that, not {amount}.", { due: fromMinor(dueMinor, decimals), amount: fromMinor(minor, decimals) }) };
  }
  return { minor };
}

// The rest of the sale split over the tenders: { payments: [{mop, amount}], error }.
export function splitRest(restMinor, tenders, decimals) {
  const payments = [];
  if (restMinor <= 0n || !tenders.length) return { payments, error: null };
  let left = restMinor;
  for (const [index, tender] of tenders.entries()) {
    const last = index === tenders.length - 1;
    let minor = left;
    if (!last) {
      minor = toMinor(String(tender.amount ?? "").trim() || "0", decimals);
      if (minor === null || minor < 0n) return { payments: [], error: tr("Type the amount paid by {mop}, like {example}.", { mop: tender.mop, example: fromMinor(1000n, decimals) }) };
      if (minor > left) {
        return { payments: [], error: tr("{amount} by {mop} is more than the {left} left to pay.", { amount: fromMinor(minor, decimals), mop: tender.mop, left: fromMinor(left, decimals) }) };
      }
    }
    left -= minor;
    if (minor > 0n) payments.push({ mop: tender.mop, amount: fromMinor(minor, decimals) });
  }
  // Two tenders of the same means of payment are one payment by it.
  const merged = [];
  for (const payment of payments) {
    const same = merged.find((other) => other.mop === payment.mop);
    if (same) same.amount = fromMinor(toMinor(same.amount, decimals) + toMinor(payment.amount, decimals), decimals);
    else merged.push({ ...payment });
  }
  return { payments: merged, error: null };
}
