// "Try a basket": what the rules would give for a purchase (or another trigger), and why each other rule would not.
import { api, words, say, el, clear, money, signedPoints, splitList, toMinor, fromMinor, decimalsOf, tr } from "./common.js";
import { chosenRules } from "./rule-choices.js";

const $ = (id) => document.getElementById(id);
const linesBox = $("basket-lines");
let catalogue = [];
let lineCount = 0;

export async function setupBasket(call) {
  const data = await fetch("/static/catalogue.json").then((response) => response.json());
  await drawPayments(call);
  catalogue = data.groups.flatMap((group) => group.items);
  clear($("basket-add"), el("option", { value: "", text: tr("Add an item from the catalogue…") }),
    data.groups.map((group) => el("optgroup", { label: group.name },
      group.items.map((item) => el("option", { value: item.code, text: `${item.name} — ${money(item.price)}` })))));
  $("basket-trigger").addEventListener("change", syncTrigger);
  $("basket-add").addEventListener("change", (event) => {
    const item = catalogue.find((candidate) => candidate.code === event.target.value);
    if (item) addLine({ ...item, quantity: "1", amount: item.price });
    event.target.value = "";
  });
  $("basket-add-line").addEventListener("click", () => addLine({})?.querySelector("input").focus());
  syncTrigger();
}

// A payment field for points, credit and each of the business's own means of payment, as its tills report them.
async function drawPayments(call) {
  let mops = ["cash", "card"];
  try {
    const answer = await call("GET", "/v1/means-of-payment");
    if (answer.means_of_payment.length) mops = answer.means_of_payment;
  } catch {
    // The usual two: the basket can still be tried.
  }
  const labels = [["points", tr("Paid with points")], ["credit", tr("Paid with credit")],
    ...mops.map((mop) => [mop, mop === "cash" ? tr("Paid in cash") : tr("Paid by {means}", { means: mop })])];
  clear($("basket-payments"), labels.map(([mop, label], index) => el("div", { class: "field" },
    el("label", { for: `basket-pay-${index}`, text: label }),
    el("input", { id: `basket-pay-${index}`, inputmode: "decimal", placeholder: tr("e.g. 10.00"), "data-mop": mop }))));
}

function syncTrigger() {
  const trigger = $("basket-trigger").value;
  for (const part of document.querySelectorAll("[data-basket-trigger]")) part.hidden = part.dataset.basketTrigger !== trigger;
}

// Line total = unit price × whole quantity, in minor units; other quantities are left for the marketer to type.
function total(price, quantity) {
  const minor = toMinor(price, decimalsOf(price));
  if (minor === null || !/^\d+$/.test(String(quantity))) return price;
  return fromMinor(minor * BigInt(quantity), decimalsOf(price));
}

export function addLine(item) {
  const n = ++lineCount;
  const input = (key, label, value, attrs = {}) => el("div", { class: "field" },
    el("label", { for: `basket-${n}-${key}`, text: label }),
    el("input", { id: `basket-${n}-${key}`, "data-key": key, value: value ?? "", ...attrs }));
  const row = el("div", { class: "basket-line", "data-line": String(n), "data-price": item.price || "" },
    input("name", tr("Item"), item.name),
    input("code", tr("Code"), item.code),
    input("department", tr("Department"), item.department),
    input("tags", tr("Tags"), (item.tags || []).join(", ")),
    input("quantity", tr("Qty"), item.quantity ?? "1", { inputmode: "decimal" }),
    input("amount", tr("Line total"), item.amount ?? "", { inputmode: "decimal" }),
    el("button", { class: "button ghost small", type: "button", "aria-label": tr("Remove line {number}", { number: n }), text: tr("Remove"),
      onclick: () => row.remove() }));
  row.querySelector('[data-key="quantity"]').addEventListener("input", (event) => {
    if (row.dataset.price) row.querySelector('[data-key="amount"]').value = total(row.dataset.price, event.target.value.trim());
  });
  linesBox.append(row);
  return row;
}

function basketBody(rules) {
  const trigger = $("basket-trigger").value;
  const body = { trigger };
  if (trigger === "purchase") {
    const items = [...linesBox.children].map((row, index) => {
      const value = (key) => row.querySelector(`[data-key="${key}"]`).value.trim();
      return {
        line_id: String(index + 1), name: value("name"), code: value("code"), department: value("department") || null,
        tags: splitList(value("tags")), quantity: value("quantity") || "1", amount: value("amount"),
      };
    });
    const payments = [...$("basket-payments").querySelectorAll("[data-mop]")]
      .map((input) => ({ mop: input.dataset.mop, amount: input.value.trim() }))
      .filter((payment) => payment.amount);
    body.purchase = { transaction_id: "try", items, payments };
  }
  if (trigger === "code_used") body.code = $("basket-code").value.trim();
  if (trigger === "event") body.event = $("basket-event").value.trim();
  const tags = splitList($("basket-member-tags").value);
  const lifetime = $("basket-lifetime").value.trim();
  if (tags.length || lifetime) body.member = { ...(tags.length ? { tags } : {}), ...(lifetime ? { lifetime_points: lifetime } : {}) };
  body.rules = rules;
  return body;
}

export async function tryBasket(key, draft) {
  const rules = chosenRules($("basket-rules"), draft);
  const region = $("basket-message");
  if (!rules.length) return say(region, tr("Choose at least one rule to try."), "error");
  if ($("basket-trigger").value === "purchase" && !linesBox.children.length) {
    return say(region, tr("Add at least one item to the basket."), "error");
  }
  try {
    const result = await api(key, "POST", "/v1/rules/simulate", basketBody(rules));
    say(region, "");
    show(result);
  } catch (error) {
    say(region, words(error), "error");
  }
  return null;
}

function show(result) {
  const box = $("basket-result");
  box.hidden = false;
  clear(box,
    el("p", {}, el("span", { class: "big-number", "data-points": result.points_earned, text: signedPoints(result.points_earned) }), " ", tr("points")),
    result.earned.length ? el("ul", { class: "list" }, result.earned.map((award) => el("li", {},
      el("span", {}, el("span", { class: "primary-text", text: award.rule_name }),
        el("span", { class: "secondary-text", text: award.explanation })),
      el("span", { class: "plus", text: signedPoints(award.points) })))) : el("p", { class: "muted", text: tr("No rule gives points for this.") }),
    result.effects.length ? [el("h3", { text: tr("Also") }), el("ul", {}, result.effects.map((effect) => el("li", { text: effect.explanation })))] : null,
    result.skipped.length ? [el("h3", { text: tr("Why the other rules give nothing") }), el("ul", { class: "list" }, result.skipped.map((rule) => el("li", {},
      el("span", {}, el("span", { class: "primary-text", text: rule.name }), el("span", { class: "secondary-text", text: rule.reason })))))] : null);
  box.scrollIntoView({ block: "nearest" });
}
