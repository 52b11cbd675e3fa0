// The Campaign Center's programs: deals (rules with a discount action), punch cards, shop prices, top-up bonus.
import { words, say, el, clear, points, splitList } from "./common.js";
import { pressing } from "./intent.js";
import { dealText } from "./rule-words.js";

const $ = (id) => document.getElementById(id);
let call = null;
let wired = false;

export async function loadPrograms(caller) {
  call = caller;
  if (!wired) wire();
  const [rules, cards, benefits, business] = await Promise.all([
    call("GET", "/v1/rules"), call("GET", "/v1/punch-cards"), call("GET", "/v1/benefits"), call("GET", "/v1/business"),
  ]);
  const names = Object.fromEntries(benefits.map((benefit) => [benefit.id, benefit.name]));
  const deals = rules.filter((rule) => rule.actions.some((action) => action.type === "discount"));
  clear($("deals-list"), deals.length ? deals.map((rule) => el("li", {},
    el("span", {},
      el("span", { class: "primary-text", text: rule.name }),
      el("span", { class: "secondary-text", text: rule.actions.filter((a) => a.type === "discount").map(dealText).join("; ") })),
    el("span", { class: `badge ${rule.status === "active" ? "ok" : ""}`, text: rule.status })))
    : el("li", { class: "muted", text: "No deals yet." }));
  clear($("punch-cards-list"), cards.length ? cards.map((card) => el("li", {},
    el("span", {},
      el("span", { class: "primary-text", text: card.name }),
      el("span", { class: "secondary-text", text: `${card.punches_required} punches by ${Object.values(card.items).flat().join(", ")} → ${names[card.reward_benefit_id] || "reward"}` })),
    el("span", { class: `badge ${card.status === "active" ? "ok" : ""}`, text: card.status })))
    : el("li", { class: "muted", text: "No punch cards yet." }));
  clear($("pc-reward"), benefits.map((benefit) => el("option", { value: benefit.id, text: benefit.name })));
  clear($("shop-prices"), benefits.length ? benefits.map((benefit) => {
    const input = el("input", { inputmode: "decimal", "aria-label": `Price of ${benefit.name} in points`, placeholder: "not sold", value: benefit.price_points ? points(benefit.price_points) : null, size: 8 });
    return el("li", {},
      el("span", { class: "primary-text", text: benefit.name }),
      el("span", { class: "inline-form" }, input,
        el("button", { class: "button secondary small", type: "button", "aria-label": `Save the price of ${benefit.name}`, text: "Save",
          onclick: () => savePrice(benefit, input) })));
  }) : el("li", { class: "muted", text: "Create a benefit first." }));
  clear($("bonus-rows"));
  for (const tier of business.credit_top_up_bonus || []) addTier(tier);
  if (!(business.credit_top_up_bonus || []).length) addTier({ from: "", bonus: "" });
}

function addTier(tier) {
  $("bonus-rows").append(el("li", { class: "inline-form bonus-row" },
    el("label", { text: "From" }), el("input", { class: "bonus-from", inputmode: "decimal", "aria-label": "Top-up from", value: tier.from || null, placeholder: "20.00", size: 8 }),
    el("label", { text: "bonus" }), el("input", { class: "bonus-bonus", inputmode: "decimal", "aria-label": "Bonus", value: tier.bonus || null, placeholder: "5.00", size: 8 })));
}

async function savePrice(benefit, input) {
  const text = input.value.trim();
  try {
    const saved = await call("PATCH", `/v1/benefits/${benefit.id}`, { price_points: text || null });
    say($("shop-message-cc"), saved.price_points ? `${saved.name} is sold for ${points(saved.price_points)} points.` : `${saved.name} is no longer in the shop.`, "ok");
  } catch (error) {
    say($("shop-message-cc"), words(error), "error");
  }
}

function wire() {
  wired = true;
  $("bonus-add").addEventListener("click", () => addTier({}));
  $("bonus-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const tiers = [...document.querySelectorAll(".bonus-row")].map((row) => ({
      from: row.querySelector(".bonus-from").value.trim(), bonus: row.querySelector(".bonus-bonus").value.trim(),
    })).filter((tier) => tier.from || tier.bonus);
    try {
      await call("PATCH", "/v1/business", { credit_top_up_bonus: tiers });
      say($("bonus-message"), tiers.length ? "Bonus tiers saved." : "No bonus on top-ups.", "ok");
    } catch (error) {
      say($("bonus-message"), words(error), "error");
    }
  });
  wireDealForm();
  $("punch-card-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const card = {
      name: form.name.value.trim(), punches_required: Number.parseInt(form.punches_required.value, 10) || form.punches_required.value,
      items: { codes: splitList(form.codes.value) }, mode: form.mode.value, reward_benefit_id: form.reward.value, status: "active",
    };
    try {
      await call("POST", "/v1/punch-cards", card);
      form.reset();
      say($("punch-card-message"), "Punch card created.", "ok");
      await loadPrograms(call);
    } catch (error) {
      say($("punch-card-message"), words(error), "error");
    }
  });
}

// A deal is a percentage or money off, never both (the server would refuse one and the form used to drop the
// amount); one for every member goes live for everyone at once, so the form asks once more first.
function wireDealForm() {
  const form = $("deal-form");
  const submit = form.querySelector("button[type=submit]");
  const label = submit.textContent;
  const disarm = () => {
    delete form.dataset.armed;
    submit.textContent = label;
  };
  form.addEventListener("input", disarm);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const percent = form.percent.value.trim();
    const amount = form.amount.value.trim();
    if (percent && amount) {
      say($("deal-message"), `A deal is a percentage or money off, not both: clear ${percent}% or ${amount} off.`, "error");
      form.amount.focus();
      return;
    }
    if (!percent && !amount) {
      say($("deal-message"), "Type a percentage (like 20) or money off (like 2.00).", "error");
      form.percent.focus();
      return;
    }
    const codes = splitList(form.codes.value);
    const tags = splitList(form.member_tags.value);
    const action = { type: "discount", discount: percent ? { percent } : { amount } };
    if (codes.length) action.items = { codes };
    const rule = { name: form.name.value.trim(), trigger: "purchase", status: "active", actions: [action] };
    if (tags.length) rule.conditions = { member_tags: tags };
    if (!tags.length && form.dataset.armed !== JSON.stringify(rule)) {
      form.dataset.armed = JSON.stringify(rule);
      submit.textContent = "Create for every member";
      say($("deal-message"), `${dealText(action)} for every member, from now on. Press "Create for every member" to confirm, or name an audience tag.`, "info");
      return;
    }
    pressing(submit, async () => {
      try {
        await call("POST", "/v1/rules", rule);
        form.reset();
        disarm();
        say($("deal-message"), "Deal created: members get it from now on.", "ok");
        await loadPrograms(call);
      } catch (error) {
        say($("deal-message"), words(error), "error");
      }
    });
  });
}
