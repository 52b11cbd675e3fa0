// The cashier's till: setting up its key, past sales, and the start. The sale, the member panel, the payments
// and the scanner are modules of their own (till-*.js), which this one loads.
import { api, tr, words, say } from "./common.js";
import { openSales, setupSales } from "./sales.js";
import { $, KEY, SALE, newSale, restore, save, showSetup, till, view } from "./till-state.js";
import { loadCatalogue, render, requote } from "./till-sale.js";
import { refreshMember } from "./till-member.js";
import { loadMeansOfPayment } from "./till-payments.js";
import "./till-receipt.js";
import "./till-scanner.js";

// --- setup ---------------------------------------------------------------------------------------

async function checkKey(candidate) {
  // A quote writes nothing and only a pos key may ask for one: the cheapest honest check.
  await api(candidate, "POST", "/v1/quotes", {
    transaction_id: "key-check", items: [{ line_id: "1", amount: "0" }],
  });
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
  if (candidate !== till.key) {
    localStorage.removeItem(SALE); // a sale in progress belonged to the other till
    till.sale = newSale();
  }
  till.key = candidate;
  localStorage.setItem(KEY, till.key);
  view.setupKey.value = "";
  start();
});

view.settings.addEventListener("click", () => {
  view.setupKey.value = "";
  showSetup(till.key ? tr("This till has a key. Paste another one to replace it.") : "");
  view.setupMessage.dataset.kind = "info";
});

// --- past sales ----------------------------------------------------------------------------------

function backToSale() {
  $("sales").hidden = true;
  view.workspace.hidden = false;
  render();
  view.loyaltyButton.focus();
}

// A sale lost with its payments (another tab, a crash) is taken up again under its transaction id, with its member
// and payments: the cashier adds the items again and confirms, and the payments count once.
async function resumeSale(transactionId, memberId, payments) {
  if (till.sale.lines.length || till.sale.payments.length || till.sale.member) {
    throw new Error(tr("Finish or cancel the sale in progress first, then take this one up."));
  }
  const member = await api(till.key, "GET", `/v1/members/${memberId}`);
  till.sale = {
    ...newSale(), transactionId, member, resumed: true,
    payments: payments.map((payment) => ({
      id: payment.id, amount: payment.amount, points_used: payment.points_used, ...(payment.wallet === "credit" ? { wallet: "credit" } : {}),
    })),
  };
  save();
  backToSale();
  say(view.saleMessage, tr("Sale {sale} taken up with its payments: add its items again, then confirm.", { sale: transactionId }), "info");
  await refreshMember();
}

setupSales({ key: () => till.key, back: backToSale, sale: () => till.sale.transactionId, resume: resumeSale });

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
  if (!till.catalogue.length) await loadCatalogue();
  await loadMeansOfPayment();
  restore();
  render();
  await requote();
  await refreshMember();
}

if (till.key) start();
else showSetup();
