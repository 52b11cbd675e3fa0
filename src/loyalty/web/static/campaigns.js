// The Campaign Center: dashboard, rules, try a basket, benefits, promo codes and members, over the admin API.
// Here the business is opened and the view the address names is shown; each view is a module of its own.
import { api, words, say } from "./common.js";
import { loadSettings } from "./cc-settings.js";
import { loadPrograms } from "./programs.js";
import { cc, call, showSetup, askForKeys } from "./cc-api.js";
import { routeWith, takeNotice } from "./cc-page.js";
import { loadDashboard } from "./cc-dashboard.js";
import { loadRules, openRule } from "./cc-rules.js";
import { openBasket, openBacktest } from "./cc-try.js";
import { loadBenefits } from "./cc-benefits.js";
import { loadCodes } from "./cc-codes.js";
import { searchMembers } from "./cc-members.js";
import { openImports } from "./cc-imports.js";
import { loadPaymentSettings } from "./cc-payment-settings.js";

const $ = (id) => document.getElementById(id);

const loaders = {
  dashboard: loadDashboard,
  rules: loadRules,
  rule: openRule,
  basket: openBasket,
  backtest: openBacktest,
  benefits: loadBenefits,
  codes: loadCodes,
  members: () => searchMembers(false),
  imports: openImports,
  settings: () => Promise.all([loadSettings(call), loadPaymentSettings()]),
  programs: () => loadPrograms(call),
};

async function route() {
  const [name, arg] = window.location.hash.replace(/^#\/?/, "").split("/");
  const view = name === "rules" && arg ? "rule" : loaders[name] ? name : "dashboard";
  for (const section of document.querySelectorAll("[data-view]")) section.hidden = section.dataset.view !== view;
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === (view === "rule" ? "rules" : view)) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  say($("cc-message"), takeNotice() || "", "ok");
  try {
    await loaders[view](arg);
  } catch (error) {
    say($("cc-message"), words(error), "error");
  }
}

async function start() {
  $("cc-setup").hidden = true;
  try {
    cc.business = cc.business || (await api(cc.key, "GET", "/v1/business"));
  } catch (error) {
    showSetup(words(error));
    return;
  }
  $("business-name").textContent = cc.business.name;
  $("cc").hidden = false;
  await route();
}

askForKeys(start);
routeWith(route);
window.addEventListener("hashchange", route);
if (cc.key) start();
else showSetup();
