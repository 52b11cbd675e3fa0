// What every view of the Campaign Center shares: the message at the top (now, or once the next view shows),
// a refusal shown beside the field it names, a file handed to the browser.
import { LANG, N_, words, say, el, tr } from "./common.js";

const $ = (id) => document.getElementById(id);

let nextNotice = null; // said once the next view is shown
let route = () => {};

export function notice(text, kind = "ok") {
  say($("cc-message"), text, kind);
}

export function routeWith(handler) {
  route = handler;
}

export function takeNotice() {
  const text = nextNotice;
  nextNotice = null;
  return text;
}

export function go(hash, message = null) {
  nextNotice = message;
  if (window.location.hash === hash) route();
  else window.location.hash = hash;
}

// Server refusals that name a field (422 details.field, every one in details.errors) are shown beside each, all
// at once, and said together above the button by the form's own labels ("Uses in all: …", not "max_uses: …").
export function clearFieldErrors(form) {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

// The server's refusals of a field are English (for developers); the usual ones are said in the page's language.
const REFUSALS = [
  [/^Field required$/, N_("is required")],
  [/^Input should be greater than or equal to (\S+)$/, N_("must be at least {number}")],
  [/^Input should be greater than (\S+)$/, N_("must be more than {number}")],
  [/^Input should be less than or equal to (\S+)$/, N_("must be at most {number}")],
  [/^Input should be less than (\S+)$/, N_("must be less than {number}")],
  [/^Input should be a valid integer/, N_("must be a whole number")],
  [/^Input should be a valid (number|decimal)/, N_("must be a number")],
  [/^Input should be a valid UUID/, N_("choose one from the list")],
  [/^Input should be a valid datetime/, N_("must be a date and time")],
  [/^String should have at least (\d+) characters?$/, N_("must have at least {number} characters")],
  [/^String should have at most (\d+) characters?$/, N_("must have at most {number} characters")],
];

export function refusal(message) {
  if (LANG === "en") return message;
  for (const [pattern, said] of REFUSALS) {
    const match = pattern.exec(String(message).trim());
    if (match) return tr(said, { number: match[1] });
  }
  return message;
}

export function fieldErrors(form, error, region) {
  clearFieldErrors(form);
  const found = error.details?.errors?.length ? error.details.errors
    : error.details?.field ? [{ field: error.details.field, message: error.message.replace(/^[\w.]+: /, "") }] : [];
  const problems = found.map((problem) => ({ ...problem, message: refusal(problem.message) }));
  const said = [];
  let first = null;
  for (const problem of problems) {
    let target = null;
    for (let probe = problem.field; probe && !target; probe = probe.includes(".") ? probe.slice(0, probe.lastIndexOf(".")) : "") {
      target = form.querySelector(`[data-path="${probe}"]`);
    }
    const label = target?.labels?.[0]?.textContent.trim();
    if (!target || !label) continue;
    target.setAttribute("aria-invalid", "true");
    target.closest(".field")?.append(el("span", { class: "field-error", text: problem.message }));
    said.push(tr("{label}: {problem}", { label, problem: problem.message }) + (/[.!?]$/.test(problem.message) ? "" : "."));
    first ||= target;
  }
  first?.focus();
  say(region, said.length === problems.length && said.length ? [...new Set(said)].join(" ") : words(error), "error");
}

export function save(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}
