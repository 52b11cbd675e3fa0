// Promo codes: the shared codes and their uses, a new shared code, and a batch of one-time codes to download.
import { el, clear, say, localDate, tr } from "./common.js";
import { call, cc } from "./cc-api.js";
import { clearFieldErrors, fieldErrors, save } from "./cc-page.js";
import { TRIGGER_CODE, benefits, loadBenefitChoices } from "./cc-benefits.js";

const $ = (id) => document.getElementById(id);

function benefitName(id) {
  return benefits.find((benefit) => benefit.id === id)?.name || tr("a benefit");
}

export async function loadCodes() {
  await loadBenefitChoices();
  const page = await call("GET", "/v1/codes?limit=100");
  clear($("codes-body"), page.items.length ? page.items.map((code) => el("tr", {},
    el("td", { class: "primary-text", text: code.code }),
    el("td", { text: code.effect === "trigger" ? tr("Fires the promo code rules") : benefitName(code.benefit_id) }),
    // No template literal inside another: the catalogue extractor would lose the words after it.
    el("td", { class: "num", text: code.max_uses ? `${code.uses} / ${code.max_uses}` : String(code.uses) }),
    el("td", { text: code.valid_until ? tr("until {date}", { date: localDate(code.valid_until) }) : tr("no end") }))) :
    el("tr", {}, el("td", { colspan: "4", class: "empty", text: tr("No shared codes yet.") })));
}

function codeTarget(select) {
  return select.value === TRIGGER_CODE ? { effect: "trigger" } : { benefit_id: select.value };
}

$("code-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const value = (name) => form.elements[name].value.trim();
  const body = { code: value("code"), ...codeTarget(form.elements.benefit) };
  for (const name of ["max_uses", "max_uses_per_member"]) if (value(name)) body[name] = Number(value(name));
  for (const name of ["valid_from", "valid_until"]) if (value(name)) body[name] = new Date(value(name)).toISOString();
  try {
    const made = await call("POST", "/v1/codes", body);
    form.reset();
    clearFieldErrors(form);
    await loadCodes();
    say($("code-message"), tr("Code {code} is ready to use at the till.", { code: made.code }), "ok");
  } catch (error) {
    fieldErrors(form, error, $("code-message"));
  }
});

$("bulk-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const body = { count: Number(form.elements.count.value), length: Number(form.elements.length.value || 8), ...codeTarget(form.elements.benefit) };
  try {
    const batch = await call("POST", "/v1/codes", body);
    clearFieldErrors(form);
    say($("bulk-message"), tr("{count} one-time codes made.", { count: batch.count }), "ok");
    const download = el("button", { class: "button secondary", type: "button", text: tr("Download the {count} codes (CSV)", { count: batch.count }) });
    download.addEventListener("click", async () => {
      const response = await fetch(batch.csv, { headers: { Authorization: `Bearer ${cc.key}` } });
      if (!response.ok) return say($("bulk-message"), tr("The CSV could not be downloaded. Try again."), "error");
      save(await response.blob(), `codes-${batch.batch_id}.csv`);
      return null;
    });
    const result = $("bulk-result");
    result.hidden = false;
    clear(result, el("ul", { class: "codes-out", "aria-label": tr("The first codes") }, batch.codes.slice(0, 12).map((code) => el("li", { text: code }))),
      batch.codes.length > 12 ? el("p", { class: "muted small", text: tr("…and {count} more in the CSV.", { count: batch.codes.length - 12 }) }) : null,
      download);
  } catch (error) {
    fieldErrors(form, error, $("bulk-message"));
  }
});
