// Benefits: the choices every benefit select offers, and the benefits view (the list and the form).
import { say, el, clear, money, splitList, tr } from "./common.js";
import { setBenefits } from "./rule-form.js";
import { call } from "./cc-api.js";
import { fieldErrors } from "./cc-page.js";
import { addTranslations, namesOf } from "./cc-names.js";

const $ = (id) => document.getElementById(id);
export const TRIGGER_CODE = "__trigger"; // the "fires the promo code rules" choice of a code's benefit select

export let benefits = [];

export async function loadBenefitChoices() {
  benefits = await call("GET", "/v1/benefits");
  setBenefits(benefits);
  for (const select of [$("code-benefit"), $("bulk-benefit")]) {
    const chosen = select.value;
    clear(select, benefits.map((benefit) => el("option", { value: benefit.id, text: benefit.name })),
      el("option", { value: TRIGGER_CODE, text: tr("No benefit: fires the promo code rules") }));
    if (chosen) select.value = chosen;
  }
}

function gives(benefit) {
  if (benefit.kind === "free_item") return tr("{count} free", { count: benefit.max_units || 1 });
  if (benefit.discount?.percent) {
    const off = tr("{percent}% off", { percent: benefit.discount.percent });
    return benefit.discount.max ? off + " " + tr("(at most {amount})", { amount: money(benefit.discount.max) }) : off;
  }
  return tr("{amount} off", { amount: money(benefit.discount?.amount) });
}

function on(benefit) {
  const parts = benefit.items ? Object.values(benefit.items).flat() : [];
  const min = benefit.conditions?.min_spend ? " · " + tr("from {amount} spent", { amount: money(benefit.conditions.min_spend) }) : "";
  return (parts.length ? parts.join(", ") : tr("any item")) + min;
}

export async function loadBenefits() {
  await loadBenefitChoices();
  clear($("benefits-body"), benefits.length ? benefits.map((benefit) => el("tr", {},
    el("td", { class: "primary-text", text: benefit.name }),
    el("td", { text: gives(benefit) }),
    el("td", { text: on(benefit) }),
    el("td", { text: benefit.valid_days ? tr("{count} days", { count: benefit.valid_days }) : tr("no end") }))) :
    el("tr", {}, el("td", { colspan: "4", class: "empty", text: tr("No benefits yet.") })));
  syncBenefitKind();
}

function syncBenefitKind() {
  const kind = $("benefit-kind").value;
  for (const part of document.querySelectorAll("[data-benefit]")) part.hidden = part.dataset.benefit !== kind;
}
$("benefit-kind").addEventListener("change", syncBenefitKind);
addTranslations($("benefit-form"));

$("benefit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const value = (name) => form.elements[name].value.trim();
  const kind = value("kind");
  const body = { name: value("name"), kind: kind === "free_item" ? "free_item" : "discount" };
  if (kind === "discount_percent") body.discount = { percent: value("percent"), ...(value("max") ? { max: value("max") } : {}) };
  if (kind === "discount_amount") body.discount = { amount: value("amount") };
  if (kind === "free_item" && value("max_units")) body.max_units = Number(value("max_units"));
  const items = {};
  for (const name of ["departments", "codes", "tags"]) if (splitList(value(name)).length) items[name] = splitList(value(name));
  if (Object.keys(items).length) body.items = items;
  if (value("valid_days")) body.valid_days = Number(value("valid_days"));
  if (value("min_spend")) body.conditions = { min_spend: value("min_spend") };
  if (namesOf(form)) body.names = namesOf(form);
  try {
    const made = await call("POST", "/v1/benefits", body);
    form.reset();
    await loadBenefits();
    say($("benefit-message"), tr("\"{name}\" created. Give it through a rule, a promo code or a member's page.", { name: made.name }), "ok");
  } catch (error) {
    fieldErrors(form, error, $("benefit-message"));
  }
});
