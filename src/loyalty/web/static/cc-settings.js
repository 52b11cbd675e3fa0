// The Campaign Center's settings: the business's means of payment (and, when any, the tills paused for
// too many failed searches).
import { words, say, el, clear, tr } from "./common.js";

const $ = (id) => document.getElementById(id);
let call = null;

export async function loadSettings(caller) {
  call = caller;
  const business = await call("GET", "/v1/business");
  drawMeans(business.means_of_payment);
  say($("mop-message"), "");
  await loadLockouts();
}

// Tills with failed searches now: paused ones can be let go by a manager who knows the mistakes were honest.
async function loadLockouts(message = "") {
  const state = await call("GET", "/v1/identification/lockouts");
  const box = $("lockouts");
  box.hidden = false;
  const minutes = Math.round(state.window_seconds / 60);
  const status = el("div", { class: "message", role: "status", "aria-live": "polite", hidden: true });
  const liftAll = state.business_paused ? el("button", {
    class: "button primary", type: "button", text: tr("Lift the pause for every till"), onclick: () => lift(null, status),
  }) : null;
  clear(box,
    el("h2", { id: "lockouts-title", text: tr("Paused tills") }),
    el("p", { class: "hint", text: (state.terminals[0]
      ? tr("A till that fails {limit} searches in {minutes} minutes pauses searching by phone or code (scanning the QR still works).", { limit: state.terminals[0].limit, minutes })
      : tr("A till that fails too many searches in {minutes} minutes pauses searching by phone or code (scanning the QR still works).", { minutes }))
      + " " + tr("{used} of the {limit} failed searches the business allows in that time are used.", { used: state.business_failures, limit: state.business_limit }) }),
    state.business_paused ? el("p", { class: "message", "data-kind": "error", text: tr("Every till is paused: the business's limit is reached.") }) : null,
    liftAll,
    state.terminals.length ? el("table", {},
      el("thead", {}, el("tr", {}, el("th", { scope: "col", text: tr("Till") }), el("th", { scope: "col", class: "num", text: tr("Failed searches") }),
        el("th", { scope: "col", text: tr("State") }), el("th", { scope: "col", text: "" }))),
      el("tbody", {}, state.terminals.map((till) => el("tr", { "data-terminal": till.terminal_id },
        el("td", { text: till.name }),
        el("td", { class: "num", text: tr("{count} of {limit}", { count: till.failures, limit: till.limit }) }),
        el("td", { text: till.paused ? tr("Paused for {minutes} more min", { minutes: Math.ceil(till.retry_after / 60) }) : tr("Searching") }),
        el("td", {}, till.paused ? el("button", {
          class: "button secondary small", type: "button", text: tr("Lift the pause"),
          "aria-label": tr("Lift the pause of {name}", { name: till.name }), onclick: () => lift(till.terminal_id, status),
        }) : null)))))
      : el("p", { class: "muted", text: tr("No failed searches right now.") }),
    status);
  if (message) say(status, message, "ok");
}

async function lift(terminalId, status) {
  try {
    const done = await call("POST", "/v1/identification/lockouts/lift", terminalId ? { terminal_id: terminalId } : {});
    await loadLockouts(tr("Pause lifted: {count} failed searches forgotten.", { count: done.failures_forgotten }));
  } catch (error) {
    say(status, words(error), "error");
  }
}

function meanRow(name = "") {
  const row = el("li", { class: "mop" });
  const input = el("input", { class: "mop-name", value: name, autocomplete: "off", maxlength: "64", "aria-label": tr("Means of payment") });
  const remove = el("button", { class: "button ghost small", type: "button", text: tr("Remove"), onclick: () => {
    row.remove();
    label();
  } });
  row.append(input, remove);
  return row;
}

// Each field says which one it is, so a refusal naming means_of_payment.2 can be found.
function label() {
  [...$("mop-list").querySelectorAll(".mop-name")].forEach((input, index) => {
    input.setAttribute("aria-label", tr("Means of payment {number}", { number: index + 1 }));
    input.dataset.index = String(index);
  });
}

function drawMeans(names) {
  clear($("mop-list"), names.map((name) => meanRow(name)));
  label();
}

$("mop-add").addEventListener("click", () => {
  const row = meanRow();
  $("mop-list").append(row);
  label();
  row.querySelector("input").focus();
});

$("mop-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const names = [...$("mop-list").querySelectorAll(".mop-name")].map((input) => input.value);
  for (const input of $("mop-list").querySelectorAll(".mop-name")) input.removeAttribute("aria-invalid");
  try {
    const business = await call("PATCH", "/v1/business", { means_of_payment: names });
    drawMeans(business.means_of_payment);
    say($("mop-message"), tr("Saved. The tills offer {means}.", { means: business.means_of_payment.join(", ") }), "ok");
  } catch (error) {
    const index = /^means_of_payment\.(\d+)$/.exec(error.details?.field || "")?.[1];
    const input = index !== undefined ? $("mop-list").querySelector(`[data-index="${index}"]`) : null;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
    say($("mop-message"), words(error), "error");
  }
});
