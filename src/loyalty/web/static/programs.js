// The Campaign Center's programs: deals (rules with a discount action), punch cards, shop prices, top-up bonus.
// Deals and punch cards are edited in their own forms and stopped or resumed from their lists, each change that
// reaches the tills confirmed first.
import { words, say, el, clear, points, splitList, tr } from "./common.js";
import { pressing } from "./intent.js";
import { dealText, statusText } from "./rule-words.js";
import { confirmChange } from "./cc-confirm.js";
import { addTranslations, fillNames, namesOf } from "./cc-names.js";

const $ = (id) => document.getElementById(id);
let call = null;
let wired = false;
let editingDeal = null; // the stored deal open in the deal form, or null for a new one
let editingCard = null; // the stored punch card open in its form, or null for a new one
let rewardNames = {};

export async function loadPrograms(caller) {
  call = caller;
  if (!wired) wire();
  const [rules, cards, benefits, business] = await Promise.all([
    call("GET", "/v1/rules"), call("GET", "/v1/punch-cards"), call("GET", "/v1/benefits"), call("GET", "/v1/business"),
  ]);
  rewardNames = Object.fromEntries(benefits.map((benefit) => [benefit.id, benefit.name]));
  const deals = rules.filter((rule) => rule.actions.some((action) => action.type === "discount"));
  clear($("deals-list"), deals.length ? deals.map((rule) => el("li", { "data-deal": rule.name },
    el("span", {},
      el("span", { class: "primary-text", text: rule.name }),
      el("span", { class: "secondary-text", text: dealWords(rule) })),
    el("span", { class: "row-actions" },
      el("span", { class: `badge ${rule.status === "active" ? "ok" : ""}`, text: statusText(rule.status) }),
      el("button", { class: "button ghost small", type: "button", "aria-label": tr("Edit {name}", { name: rule.name }), text: tr("Edit"), onclick: () => editDeal(rule) }),
      stopOrResume(rule, () => setDealStatus(rule)))))
    : el("li", { class: "muted", text: tr("No deals yet.") }));
  clear($("punch-cards-list"), cards.length ? cards.map((card) => el("li", { "data-punch-card": card.name },
    el("span", {},
      el("span", { class: "primary-text", text: card.name }),
      el("span", { class: "secondary-text", text: cardWords(card) })),
    el("span", { class: "row-actions" },
      el("span", { class: `badge ${card.status === "active" ? "ok" : ""}`, text: statusText(card.status) }),
      el("button", { class: "button ghost small", type: "button", "aria-label": tr("Edit {name}", { name: card.name }), text: tr("Edit"), onclick: () => editCard(card) }),
      stopOrResume(card, () => setCardStatus(card)))))
    : el("li", { class: "muted", text: tr("No punch cards yet.") }));
  clear($("pc-reward"), benefits.map((benefit) => el("option", { value: benefit.id, text: benefit.name })));
  clear($("shop-prices"), benefits.length ? benefits.map((benefit) => {
    const input = el("input", { inputmode: "decimal", "aria-label": tr("Price of {name} in points", { name: benefit.name }), placeholder: tr("not sold"), value: benefit.price_points ? points(benefit.price_points) : null, size: 8 });
    return el("li", {},
      el("span", { class: "primary-text", text: benefit.name }),
      el("span", { class: "inline-form" }, input,
        el("button", { class: "button secondary small", type: "button", "aria-label": tr("Save the price of {name}", { name: benefit.name }), text: tr("Save"),
          onclick: () => savePrice(benefit, input) })));
  }) : el("li", { class: "muted", text: tr("Create a benefit first.") }));
  clear($("bonus-rows"));
  for (const tier of business.credit_top_up_bonus || []) addTier(tier);
  if (!(business.credit_top_up_bonus || []).length) addTier({ from: "", bonus: "" });
}

function addTier(tier) {
  $("bonus-rows").append(el("li", { class: "inline-form bonus-row" },
    el("label", { text: tr("From") }), el("input", { class: "bonus-from", inputmode: "decimal", "aria-label": tr("Top-up from"), value: tier.from || null, placeholder: "20.00", size: 8 }),
    el("label", { text: tr("bonus") }), el("input", { class: "bonus-bonus", inputmode: "decimal", "aria-label": tr("Bonus"), value: tier.bonus || null, placeholder: "5.00", size: 8 })));
}

async function savePrice(benefit, input) {
  const text = input.value.trim();
  try {
    const saved = await call("PATCH", `/v1/benefits/${benefit.id}`, { price_points: text || null });
    say($("shop-message-cc"), saved.price_points ? tr("{name} is sold for {points} points.", { name: saved.name, points: points(saved.price_points) }) : tr("{name} is no longer in the shop.", { name: saved.name }), "ok");
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
      say($("bonus-message"), tiers.length ? tr("Bonus tiers saved.") : tr("No bonus on top-ups."), "ok");
    } catch (error) {
      say($("bonus-message"), words(error), "error");
    }
  });
  wireDealForm();
  wireCardForm();
}

// --- deals and punch cards in words, stopped and resumed ------------------------------------------

function dealWords(rule) {
  const tags = rule.conditions?.member_tags || [];
  const audience = tags.length ? tr("members tagged {tags}", { tags: tags.join(", ") }) : tr("every member");
  return `${rule.actions.filter((action) => action.type === "discount").map(dealText).join("; ")} · ${audience}`;
}

function cardWords(card) {
  const reward = rewardNames[card.reward_benefit_id] || tr("reward"); // a tr() inside another's values is not extracted
  return tr("{count} punches by {items} → {reward}", { count: card.punches_required, items: Object.values(card.items).flat().join(", "), reward });
}

// A running deal or card offers Stop; a stopped (or draft) one offers Resume.
function stopOrResume(thing, change) {
  const running = thing.status === "active";
  return el("button", {
    class: `button ${running ? "secondary" : "primary"} small`, type: "button",
    "aria-label": running ? tr("Stop {name}", { name: thing.name }) : tr("Resume {name}", { name: thing.name }), text: running ? tr("Stop") : tr("Resume"),
    onclick: (event) => pressing(event.currentTarget, change),
  });
}

async function setDealStatus(rule) {
  const running = rule.status === "active";
  const sure = running
    ? await confirmChange(tr("Stop “{name}”?", { name: rule.name }), tr("Stop"), tr("From the moment you confirm, the tills no longer give:"), `${dealWords(rule)}.`,
      tr("Sales already made keep their discount. You can resume it later."))
    : await confirmChange(tr("Resume “{name}”?", { name: rule.name }), tr("Resume"), tr("From the moment you confirm, every till gives again:"), `${dealWords(rule)}.`);
  if (!sure) {
    say($("deals-message"), tr("Nothing changed: “{name}” is still {status}.", { name: rule.name, status: statusText(rule.status) }), "info");
    return;
  }
  try {
    await call("POST", `/v1/rules/${rule.id}/${running ? "stop" : "activate"}`);
    await loadPrograms(call);
    say($("deals-message"), running ? tr("“{name}” is stopped: the tills no longer give it.", { name: rule.name }) : tr("“{name}” is active again.", { name: rule.name }), "ok");
  } catch (error) {
    say($("deals-message"), words(error), "error");
  }
}

async function setCardStatus(card) {
  const running = card.status === "active";
  const sure = running
    ? await confirmChange(tr("Stop “{name}”?", { name: card.name }), tr("Stop"), tr("From the moment you confirm, purchases no longer punch this card."),
      tr("Members keep their punches and the rewards they earned. You can resume it later."))
    : await confirmChange(tr("Resume “{name}”?", { name: card.name }), tr("Resume"), tr("From the moment you confirm, purchases punch this card again."));
  if (!sure) {
    say($("punch-cards-message"), tr("Nothing changed: “{name}” is still {status}.", { name: card.name, status: statusText(card.status) }), "info");
    return;
  }
  try {
    await call("PUT", `/v1/punch-cards/${card.id}`, { ...cardDefinition(card), status: running ? "stopped" : "active" });
    await loadPrograms(call);
    say($("punch-cards-message"), running ? tr("“{name}” is stopped: purchases no longer punch it.", { name: card.name }) : tr("“{name}” punches again.", { name: card.name }), "ok");
  } catch (error) {
    say($("punch-cards-message"), words(error), "error");
  }
}

// The fields a punch card is defined by, as PUT takes them back (the answer adds its id and dates).
function cardDefinition(card) {
  const { name, punches_required, items, mode, every, punches, reward_benefit_id, valid_days, status } = card;
  return { name, punches_required, items, mode, every, punches, reward_benefit_id, valid_days, status };
}

// --- the punch card form: a new card, or the one being edited --------------------------------------

function editCard(card) {
  const form = $("punch-card-form");
  editingCard = card;
  form.name.value = card.name;
  fillNames(form, card.names);
  form.punches_required.value = String(card.punches_required);
  form.codes.value = (card.items.codes || []).join(", ");
  form.mode.value = card.mode;
  form.reward.value = card.reward_benefit_id;
  $("punch-card-form-title").textContent = tr("Edit “{name}”", { name: card.name });
  form.querySelector("button[type=submit]").textContent = tr("Save punch card");
  $("punch-card-edit-cancel").hidden = false;
  say($("punch-card-message"), tr("Members keep their punches; the new definition counts from the next purchase."), "info");
  form.scrollIntoView({ block: "nearest" });
  form.name.focus();
}

function stopEditingCard() {
  const form = $("punch-card-form");
  editingCard = null;
  form.reset();
  fillNames(form, null);
  $("punch-card-form-title").textContent = tr("New punch card");
  form.querySelector("button[type=submit]").textContent = tr("Create punch card");
  $("punch-card-edit-cancel").hidden = true;
}

function wireCardForm() {
  const form = $("punch-card-form");
  addTranslations(form);
  $("punch-card-edit-cancel").addEventListener("click", () => {
    stopEditingCard();
    say($("punch-card-message"), "");
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const codes = splitList(form.codes.value);
    const card = {
      name: form.name.value.trim(), punches_required: Number.parseInt(form.punches_required.value, 10) || form.punches_required.value,
      items: { codes }, mode: form.mode.value, reward_benefit_id: form.reward.value, status: "active",
      names: namesOf(form),
    };
    const editing = editingCard;
    if (editing) {
      // What this form does not show (other item selectors, validity, the other mode's counts) is kept.
      const kept = cardDefinition(editing);
      const items = { ...editing.items, codes };
      if (!codes.length) delete items.codes;
      Object.assign(card, { ...kept, ...card, items, status: editing.status });
      if (card.mode !== editing.mode) {
        delete card.every;
        delete card.punches;
      }
    }
    pressing(event.submitter || form.querySelector("button[type=submit]"), async () => {
      try {
        if (editing) await call("PUT", `/v1/punch-cards/${editing.id}`, card);
        else await call("POST", "/v1/punch-cards", card);
        stopEditingCard();
        say($("punch-card-message"), editing ? tr("“{name}” saved: it counts so from the next purchase.", { name: card.name }) : tr("Punch card created."), "ok");
        await loadPrograms(call);
      } catch (error) {
        say($("punch-card-message"), words(error), "error");
      }
    });
  });
}

// A deal is a percentage or money off, never both (the server would refuse one and the form used to drop the
// amount); a new one for every member goes live for everyone at once, and a change to a running one reaches
// every till, so the form asks once more first.
function wireDealForm() {
  const form = $("deal-form");
  addTranslations(form);
  const submit = form.querySelector("button[type=submit]");
  const label = () => (editingDeal ? tr("Save deal") : tr("Create deal"));
  const disarm = () => {
    delete form.dataset.armed;
    submit.textContent = label();
  };
  form.addEventListener("input", disarm);
  $("deal-edit-cancel").addEventListener("click", () => {
    stopEditingDeal();
    say($("deal-message"), "");
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const percent = form.percent.value.trim();
    const amount = form.amount.value.trim();
    if (percent && amount) {
      say($("deal-message"), tr("A deal is a percentage or money off, not both: clear {percent}% or {amount} off.", { percent, amount }), "error");
      form.amount.focus();
      return;
    }
    if (!percent && !amount) {
      say($("deal-message"), tr("Type a percentage (like 20) or money off (like 2.00)."), "error");
      form.percent.focus();
      return;
    }
    const codes = splitList(form.codes.value);
    const tags = splitList(form.member_tags.value);
    const action = { type: "discount", discount: percent ? { percent } : { amount } };
    if (codes.length) action.items = { codes };
    const editing = editingDeal;
    const rule = editing ? revised(editing, form.name.value.trim(), action, tags)
      : { name: form.name.value.trim(), trigger: "purchase", status: "active", actions: [action] };
    if (!editing && tags.length) rule.conditions = { member_tags: tags };
    rule.names = namesOf(form);
    if (!editing && !tags.length && form.dataset.armed !== JSON.stringify(rule)) {
      form.dataset.armed = JSON.stringify(rule);
      submit.textContent = tr("Create for every member");
      say($("deal-message"), tr("{deal} for every member, from now on. Press \"Create for every member\" to confirm, or name an audience tag.", { deal: dealText(action) }), "info");
      return;
    }
    if (editing?.status === "active" && !(await confirmChange(tr("Change “{name}”?", { name: editing.name }), tr("Change"),
      tr("It is active: from the moment you confirm, every till gives this instead:"), `${dealWords(rule)}.`,
      tr("Sales already made keep their discount.")))) {
      say($("deal-message"), tr("Not saved: nothing changed at the tills."), "info");
      return;
    }
    pressing(submit, async () => {
      try {
        if (editing) await call("PUT", `/v1/rules/${editing.id}`, rule);
        else await call("POST", "/v1/rules", rule);
        stopEditingDeal();
        say($("deal-message"), editing ? tr("“{name}” saved ({status}).", { name: rule.name, status: statusText(editing.status) }) : tr("Deal created: members get it from now on."), "ok");
        await loadPrograms(call);
      } catch (error) {
        say($("deal-message"), error.code === "rule_revision_conflict"
          ? tr("Someone changed this deal meanwhile. Cancel editing, then edit it again to see their change.") : words(error), "error");
      }
    });
  });
}

// The stored deal with this form's fields in place of its first discount; what the form does not show (other
// item selectors, a cap, other conditions, validity, limits) is kept. Its status stays.
function revised(stored, name, action, tags) {
  const first = stored.actions.findIndex((one) => one.type === "discount");
  const before = stored.actions[first];
  const items = { ...(before.items || {}), ...(action.items || {}) };
  if (!action.items) delete items.codes;
  const discount = action.discount.percent && before.discount?.max ? { ...action.discount, max: before.discount.max } : action.discount;
  const changed = { type: "discount", discount, ...(Object.keys(items).length ? { items } : {}) };
  const conditions = { ...(stored.conditions || {}) };
  if (tags.length) conditions.member_tags = tags;
  else delete conditions.member_tags;
  return {
    name, trigger: stored.trigger, valid_from: stored.valid_from, valid_until: stored.valid_until, conditions,
    limits: stored.limits, actions: stored.actions.map((one, index) => (index === first ? changed : one)), revision: stored.revision,
  };
}

function editDeal(rule) {
  const form = $("deal-form");
  const deal = rule.actions.find((action) => action.type === "discount");
  editingDeal = rule;
  form.name.value = rule.name;
  fillNames(form, rule.names);
  form.percent.value = deal.discount?.percent || "";
  form.amount.value = deal.discount?.amount || "";
  form.codes.value = (deal.items?.codes || []).join(", ");
  form.member_tags.value = (rule.conditions?.member_tags || []).join(", ");
  delete form.dataset.armed;
  $("deal-form-title").textContent = tr("Edit “{name}”", { name: rule.name });
  form.querySelector("button[type=submit]").textContent = tr("Save deal");
  $("deal-edit-cancel").hidden = false;
  say($("deal-message"), rule.status === "active" ? tr("This deal is active: saving changes it at every till.") : tr("This deal is {status}: saving does not start it.", { status: statusText(rule.status) }), "info");
  form.scrollIntoView({ block: "nearest" });
  form.name.focus();
}

function stopEditingDeal() {
  const form = $("deal-form");
  editingDeal = null;
  form.reset();
  fillNames(form, null);
  delete form.dataset.armed;
  $("deal-form-title").textContent = tr("New deal");
  form.querySelector("button[type=submit]").textContent = tr("Create deal");
  $("deal-edit-cancel").hidden = true;
}
