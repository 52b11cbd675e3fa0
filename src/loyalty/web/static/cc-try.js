// Trying rules before the tills do: on a basket, or backtested over past sales, the editor's rule handed over.
import { setupBasket, tryBasket } from "./basket.js";
import { drawChoices } from "./rule-choices.js";
import { defaultPeriod, runBacktest } from "./backtest.js";
import { call, cc } from "./cc-api.js";

const $ = (id) => document.getElementById(id);

// The editor's rule handed to "try a basket" and the backtest: the rule, which editor it came from ("new" or a
// rule id) to bring it back there, and whether the next basket or backtest opens with it chosen alone.
export const handed = { draft: null, from: null, chosen: false };
let basketReady = false;

export async function openBasket() {
  if (!basketReady) {
    await setupBasket(call);
    basketReady = true;
  }
  const rules = await call("GET", "/v1/rules");
  drawChoices($("basket-rules"), rules, { editorRule: handed.draft, checkEditor: handed.chosen });
  handed.chosen = false;
}

export async function openBacktest() {
  defaultPeriod(cc.business?.timezone);
  const rules = await call("GET", "/v1/rules");
  const purchaseDraft = handed.draft?.trigger === "purchase" ? handed.draft : null;
  drawChoices($("backtest-rules"), rules, { editorRule: purchaseDraft, checkEditor: handed.chosen && Boolean(purchaseDraft), trigger: "purchase" });
  handed.chosen = false;
}

$("backtest-form").addEventListener("submit", (event) => {
  event.preventDefault();
  runBacktest(cc.key, handed.draft);
});

$("basket-form").addEventListener("submit", (event) => {
  event.preventDefault();
  tryBasket(cc.key, handed.draft);
});
