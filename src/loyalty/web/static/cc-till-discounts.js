// The dashboard's list of tills whose charged loyalty discounts differ from loyalty's own, from
// GET /v1/reports/till-discounts: which till, how many sales, both sums and the difference.
import { el, clear, money, tr } from "./common.js";
import { call } from "./cc-api.js";

export async function loadTillDiscounts(days) {
  const report = await call("GET", `/v1/reports/till-discounts?days=${days}`);
  const body = document.getElementById("till-discounts-body");
  clear(body, report.tills.length ? report.tills.map((till) => el("li", {},
    el("span", {},
      el("span", { class: "primary-text", text: `${till.branch} · ${till.terminal}` }),
      el("span", { class: "secondary-text",
        text: tr("{count} sales · till gave {till}, loyalty {loyalty}", {
          count: till.sales_that_differ,
          till: tr("{currency} {amount}", { currency: report.currency, amount: money(till.till_discounts) }),
          loyalty: tr("{currency} {amount}", { currency: report.currency, amount: money(till.loyalty_discounts) }),
        }) })),
    el("span", { class: Number(till.difference) > 0 ? "minus" : "plus",
      text: `${Number(till.difference) > 0 ? "+" : ""}${money(till.difference)}` }))) :
    el("li", { class: "empty", text: tr("Every till charged the discounts loyalty gives in this period.") }));
}
