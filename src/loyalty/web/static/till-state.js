// The till's state, shared by its modules: the key, the catalogue, the sale in progress and its latest quote.
// The sale is kept in localStorage, so a reload or a crash of the tab loses nothing.
import { say, keyFromFragment, uid } from "./common.js";

export const KEY = "loyalty.till.key";
export const SALE = "loyalty.till.sale";
export const $ = (id) => document.getElementById(id);

export const view = {
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

export const till = {
  key: keyFromFragment(KEY),
  catalogue: [],
  decimals: 2, // the currency's, read from the catalogue's prices
  sale: null,
  quote: null,
  quoteSeq: 0,
  quoteFailed: false,
  meansOfPayment: ["cash"], // the business's, read at start
};
till.sale = newSale();

export function newSale() {
  return {
    transactionId: uid("T"), nextLine: 1, lines: [], member: null, benefits: [], codes: [], payments: [],
    tenders: [{ mop: null, amount: "" }],
  };
}

export function save() {
  localStorage.setItem(SALE, JSON.stringify(till.sale));
}

export function restore() {
  try {
    const stored = JSON.parse(localStorage.getItem(SALE) || "null");
    if (stored && stored.transactionId && Array.isArray(stored.lines)) till.sale = { ...newSale(), ...stored };
  } catch {
    till.sale = newSale();
  }
}

export function showSetup(message) {
  view.workspace.hidden = true;
  view.receipt.hidden = true;
  $("sales").hidden = true;
  $("till-sales").hidden = true;
  view.setup.hidden = false;
  say(view.setupMessage, message || "", "error");
  view.setupKey.focus();
}
