// The Campaign Center's settings: the business's means of payment (and, when any, the tills paused for
// too many failed searches).
import { words, say, el, clear } from "./common.js";

const $ = (id) => document.getElementById(id);
let call = null;

export async function loadSettings(caller) {
  call = caller;
  const business = await call("GET", "/v1/business");
  drawMeans(business.means_of_payment);
  say($("mop-message"), "");
}

function meanRow(name = "") {
  const row = el("li", { class: "mop" });
  const input = el("input", { class: "mop-name", value: name, autocomplete: "off", maxlength: "64", "aria-label": "Means of payment" });
  const remove = el("button", { class: "button ghost small", type: "button", text: "Remove", onclick: () => {
    row.remove();
    label();
  } });
  row.append(input, remove);
  return row;
}

// Each field says which one it is, so a refusal naming means_of_payment.2 can be found.
function label() {
  [...$("mop-list").querySelectorAll(".mop-name")].forEach((input, index) => {
    input.setAttribute("aria-label", `Means of payment ${index + 1}`);
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
    say($("mop-message"), `Saved. The tills offer ${business.means_of_payment.join(", ")}.`, "ok");
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
