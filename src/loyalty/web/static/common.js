// What the three faces share: the API call, errors in plain words, exact money, and a tiny DOM builder.

// --- the page's language: its words (the server's catalogue) and how it writes numbers ---------------

const SPEECH = (() => {
  try {
    const block = typeof document === "undefined" ? null : document.getElementById("i18n");
    return JSON.parse(block?.textContent || "{}");
  } catch {
    return {};
  }
})();
export const LANG = SPEECH.lang || "en";

// The language switch of a page submits itself as soon as a language is picked.
if (typeof document !== "undefined") {
  for (const select of document.querySelectorAll("[data-language-switch]")) {
    select.addEventListener("change", () => select.form.submit());
  }
}
export const LOCALE = SPEECH.locale || "en";

// Marks a sentence for the catalogues where it is said later, through tr().
export const N_ = (message) => message;

// A name a marketer wrote (a benefit, a punch card, a shop item), in the page's language when it was translated.
export const named = (thing) => (thing && thing.names && thing.names[LANG]) || (thing ? thing.name : "");

// tr("Sale {number}", { number: 3 }): the sentence in the page's language, its fields filled in.
export function tr(message, values = {}) {
  const said = (SPEECH.messages && SPEECH.messages[message]) || message;
  return said.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

export class ApiError extends Error {
  constructor(status, code, message, details = {}, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

// One request to the public API. Resolves with the parsed body; rejects with an ApiError.
export async function api(key, method, path, body, extraHeaders = {}) {
  // Explanations and histories come back in the page's language (API error messages stay English).
  const headers = { Accept: "application/json", "Accept-Language": LANG, ...extraHeaders };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", "The server cannot be reached.");
  }
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const error = data && data.error ? data.error : { code: `http_${response.status}`, message: "" };
    throw new ApiError(response.status, error.code, error.message, error.details || {}, response.headers.get("Retry-After"));
  }
  return data;
}

// Errors in words a cashier, a member or a marketer understands, by the error's code; the server's own
// sentence (English, for developers) otherwise.
const WORDS = {
  network: N_("The server cannot be reached. Check the network, then try again."),
  unauthorized: N_("This device's key is not accepted (wrong, expired or revoked). Set up a new key."),
  forbidden: N_("This key is not allowed to do that. Check that you pasted the right kind of key."),
  member_not_found: N_("No member found. Check the number, or ask the member for a fresh code from the app."),
  transaction_conflict: N_("This sale number was already recorded with other items. Start a new sale."),
  insufficient_points: N_("The member does not have enough points for that."),
  database_busy: N_("The system is busy right now. Nothing was recorded: please try again."),
  outcome_unknown: N_("The connection broke: this may have been recorded. Press the same button again: it will count once."),
  database_unavailable: N_("The system cannot be reached right now. Please try again in a few seconds."),
  internal_error: N_("Something went wrong on the server. Nothing was recorded: please try again."),
  login_code_invalid: N_("This code is wrong, used or expired. Check it, or ask for a new one."),
};
export function words(error) {
  if (!(error instanceof ApiError)) return tr("Something unexpected happened. Please try again.");
  if (error.code === "too_many_attempts") {
    const seconds = Number(error.retryAfter || error.details.retry_after || 60);
    const wait = seconds >= 90 ? tr("{count} minutes", { count: Math.ceil(seconds / 60) }) : tr("{count} seconds", { count: seconds });
    return tr("Too many searches that found no one. Please wait {wait}, then try again.", { wait });
  }
  if (WORDS[error.code]) return tr(WORDS[error.code]);
  // A refusal the faces have no words for: in English, the server's sentence; otherwise a plain sentence with
  // the code, since the API's messages stay English.
  if (LANG !== "en") {
    const field = error.details && error.details.field ? ` (${error.details.field})` : "";
    return tr("The request was refused: {code}{field}.", { code: error.code || error.status, field });
  }
  if (error.status === 422) {
    // Every field the server refused, together, so the form is fixed in one go rather than one retry per field.
    const all = [...new Set((error.details?.errors || []).map((problem) => sentence(namedField(`${problem.field}: ${problem.message}`))))];
    if (all.length > 1) return all.join(" ");
    if (error.message) return sentence(namedField(error.message));
  }
  return error.message ? sentence(error.message) : tr("The request failed ({status}).", { status: error.status });
}

// "means_of_payment.5: 'x' is listed twice" → "Means of payment 6: 'x' is listed twice": the field a refusal
// names, as a person reads it (words, not underscores; positions counted from 1).
export function namedField(message) {
  const match = /^([A-Za-z_]\w*(?:\.\w+)*): ([\s\S]*)$/.exec(message);
  if (!match) return message;
  const parts = match[1].split(".").map((part) => (/^\d+$/.test(part) ? String(Number(part) + 1) : part.replaceAll("_", " ")));
  return `${parts.join(" ")}: ${match[2]}`;
}

function sentence(text) {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

// --- exact money: decimal strings <-> BigInt minor units (no floats near anything that is recorded) ----

export function toMinor(text, decimals) {
  // A decimal comma is read as a point: a French or German cashier types "12,50".
  const match = /^\s*(-)?(\d*)(?:[.,](\d*))?\s*$/.exec(String(text ?? ""));
  if (!match || (match[2] === "" && !match[3])) return null;
  const fraction = match[3] || "";
  if (fraction.length > decimals) return null;
  const value = BigInt((match[2] || "0") + fraction.padEnd(decimals, "0"));
  return match[1] ? -value : value;
}

export function fromMinor(minor, decimals) {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, "0");
  const whole = decimals ? digits.slice(0, -decimals) : digits;
  const fraction = decimals ? `.${digits.slice(-decimals)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

export function decimalsOf(text) {
  const at = String(text).indexOf(".");
  return at < 0 ? 0 : String(text).length - at - 1;
}

function group(whole) {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, SPEECH.group || "\u2009");
}

// "1234.50" -> "1 234.50" in English, "1'234,50" in Swiss French (display only; the string itself is what the
// server computed).
export function money(text) {
  if (text === null || text === undefined) return "";
  const [whole, fraction] = String(text).split(".");
  const sign = whole.startsWith("-") ? "−" : "";
  return `${sign}${group(whole.replace("-", ""))}${fraction !== undefined ? `${SPEECH.decimal || "."}${fraction}` : ""}`;
}

// Points read better without a zero fraction: "50.00" -> "50", "12.50" -> "12.50".
export function points(text) {
  if (text === null || text === undefined) return "";
  const plain = /^-?\d+\.0+$/.test(String(text)) ? String(text).split(".")[0] : String(text);
  return money(plain);
}

export function signedPoints(text) {
  const value = String(text);
  return value.startsWith("-") ? points(value) : `+${points(value)}`;
}

// --- the DOM -------------------------------------------------------------------------------------

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node, ...children) {
  node.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  return node;
}

// A message in a live region: "error", "ok" or "info". An empty text hides it.
export function say(region, text, kind = "info") {
  if (!region) return;
  region.textContent = text || "";
  region.dataset.kind = kind;
  region.hidden = !text;
}

// Dates as the page's locale writes them (English pages keep the browser's own way).
const DATE_LOCALE = LANG === "en" ? undefined : LOCALE;

export function localDateTime(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleString(DATE_LOCALE, { dateStyle: "medium", timeStyle: "short" });
}

export function localDate(iso, style = "medium") {
  if (!iso) return "";
  return new Date(iso).toLocaleDateString(DATE_LOCALE, { dateStyle: style });
}

// A calendar day ("2026-12-06") as the locale writes it short, day and month only ("6.12.", "06/12"), or in the
// options' style; and a month ("2026-12") with its year: a chart's labels. In UTC: a day is the same day anywhere.
export function localDay(day, options = { day: "numeric", month: "numeric" }) {
  const [year, month, date] = String(day).split("-").map(Number);
  return new Date(Date.UTC(year, month - 1, date)).toLocaleDateString(DATE_LOCALE, { ...options, timeZone: "UTC" });
}

export function localMonth(month) {
  const [year, number] = String(month).split("-").map(Number);
  return new Date(Date.UTC(year, number - 1, 1)).toLocaleDateString(DATE_LOCALE, { month: "short", year: "numeric", timeZone: "UTC" });
}

// A key arriving in the URL fragment (#key=…) is stored, then wiped from the address bar and history.
export function keyFromFragment(storageName) {
  const params = new URLSearchParams(window.location.hash.slice(1));
  const key = params.get("key");
  if (key) {
    localStorage.setItem(storageName, key.trim());
    params.delete("key");
    const rest = params.toString();
    history.replaceState(null, "", window.location.pathname + window.location.search + (rest ? `#${rest}` : ""));
  }
  return localStorage.getItem(storageName);
}

export function uid(prefix) {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `${prefix}-${Date.now().toString(36)}-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function splitList(text) {
  return String(text || "")
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

// A destructive button asks once more in place (no modal on a touch screen): the second tap within 4 s acts, but
// not the second tap of a double tap (the click `event`'s detail counts them): a double tap asks, it does not act.
export function twoStep(button, label, action, event = null) {
  if (event && event.detail > 1) return null;
  if (button.dataset.armed) {
    delete button.dataset.armed;
    button.textContent = label;
    return action();
  }
  button.dataset.armed = "1";
  button.textContent = tr("Tap again to confirm");
  setTimeout(() => {
    if (button.dataset.armed) {
      delete button.dataset.armed;
      button.textContent = label;
    }
  }, 4000);
  return null;
}

// A chart's width in its container's CSS pixels, so the SVG is drawn at one unit a pixel and its 11–12 px labels
// stay 11–12 px on any screen (a fixed 860-unit drawing in a 480 px column shrank them to 6 px).
export function chartWidth(container, fallback = 860) {
  const width = Math.round(container.getBoundingClientRect().width);
  return width >= 240 ? width : fallback;
}
