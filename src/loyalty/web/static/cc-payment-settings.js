// The settings of budget payments at a Como till: the wallet they draw from, whether the member confirms them,
// and the smallest and largest payment.
import { say, tr } from "./common.js";
import { call, cc } from "./cc-api.js";
import { fieldErrors } from "./cc-page.js";

const $ = (id) => document.getElementById(id);

export async function loadPaymentSettings() {
  // Disabled while loading: a value typed before the answer arrives would be overwritten by it.
  const fields = $("payment-settings").querySelectorAll("input, select, button");
  for (const field of fields) field.disabled = true;
  try {
    cc.business = await call("GET", "/v1/business");
  } finally {
    for (const field of fields) field.disabled = false;
  }
  $("payment-wallet").value = cc.business.payment_wallet;
  $("payment-verification").checked = cc.business.payment_verification;
  $("payment-min").value = cc.business.payment_min ?? "";
  $("payment-max").value = cc.business.payment_max ?? "";
}

$("payment-settings").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const limit = (id) => $(id).value.trim() || null; // empty: no limit
  try {
    cc.business = await call("PATCH", "/v1/business", {
      payment_wallet: $("payment-wallet").value,
      payment_verification: $("payment-verification").checked,
      payment_min: limit("payment-min"),
      payment_max: limit("payment-max"),
    });
    for (const node of form.querySelectorAll(".field-error")) node.remove();
    for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
    await loadPaymentSettings();
    say($("settings-message"), tr("Settings saved."), "ok");
  } catch (error) {
    fieldErrors(form, error, $("settings-message"));
  }
});
