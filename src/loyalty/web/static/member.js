// The member app: join, log in with a one-time code, then the QR and short code to show at the till,
// the balance, the wallet and the history. The member key stays in this browser only.
import { api, N_, tr, LANG, named, words, say, el, clear, money, points, signedPoints, localDate, localDateTime, toMinor } from "./common.js";
import { standingView } from "./standing.js";
import { InFlight, intended, pressing } from "./intent.js";

const $ = (id) => document.getElementById(id);
const root = $("app");
const businessId = root.dataset.businessId;
const KEY = `loyalty.member.${businessId}`;
const REFRESH_ME_MS = 15000;
const LOOK_AGAIN_MS = 5000; // another device of the member may have asked for a new code

let key = localStorage.getItem(KEY);
let pending = null; // {phone} or {email}: who is waiting for a login code
let me = null;
let idCode = null; // {code, qr, expires_at, issued}: times on the server's clock
let clockOffset = 0; // server clock - this device's clock, in ms, measured from the last code answer
let look = null;
let historyCursor = null;
let lastSeen; // the newest history entry seen, undefined before the first look
let tick = null;
let poll = null;
const writing = new InFlight(); // a purchase in the point shop on its way: Buy waits for it
const attempts = {}; // the purchase whose answer was lost, to retry with its Idempotency-Key

function show(screen) {
  for (const name of ["welcome", "verify", "account"]) $(name).hidden = name !== screen;
  $("logout").hidden = screen !== "account";
}

// --- join and log in ------------------------------------------------------------------------------

function selectTab(name) {
  for (const tab of ["join", "login"]) {
    const selected = tab === name;
    $(`tab-${tab}`).setAttribute("aria-selected", String(selected));
    $(`tab-${tab}`).tabIndex = selected ? 0 : -1;
    $(`${tab}-form`).hidden = !selected;
  }
}

for (const tab of ["join", "login"]) {
  $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
  $(`tab-${tab}`).addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      const other = tab === "join" ? "login" : "join";
      selectTab(other);
      $(`tab-${other}`).focus();
    }
  });
}

function invalid(form, name, message, region) {
  const field = form.elements[name];
  field.setAttribute("aria-invalid", "true");
  field.focus();
  say(region, message, "error");
  return false;
}

function checkJoin(form) {
  for (const field of form.elements) field.removeAttribute?.("aria-invalid");
  const region = $("join-message");
  if (!form.elements.first_name.value.trim()) return invalid(form, "first_name", tr("Please tell us your first name."), region);
  if (!form.elements.phone.value.trim()) return invalid(form, "phone", tr("Please type your mobile number."), region);
  const email = form.elements.email.value.trim();
  if (email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    return invalid(form, "email", tr("This does not look like an e-mail address. Please check it, or leave it empty."), region);
  }
  if (!form.elements.terms.checked) return invalid(form, "terms", tr("Please accept the programme's terms to join."), region);
  return true;
}

$("join-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  if (!checkJoin(form)) return;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    await api(null, "POST", `/v1/app/${businessId}/register`, {
      first_name: form.elements.first_name.value.trim(),
      last_name: form.elements.last_name.value.trim(),
      phone: form.elements.phone.value.trim(),
      email: form.elements.email.value.trim() || null,
      consent: { terms: true, sms: form.elements.sms.checked, email: form.elements.email_offers.checked },
    });
    askForCode({ phone: form.elements.phone.value.trim() }, true);
  } catch (error) {
    const field = error.details?.field;
    if (field && form.elements[field]) form.elements[field].setAttribute("aria-invalid", "true");
    say($("join-message"), field === "phone" ? tr("This does not look like a mobile number. Please check it.") : words(error), "error");
  } finally {
    button.disabled = false;
  }
});

function who(text) {
  const value = text.trim();
  return value.includes("@") ? { email: value } : { phone: value };
}

async function sendCode(target, region) {
  await api(null, "POST", `/v1/app/${businessId}/login`, target);
  say(region, "");
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const value = event.target.elements.who.value;
  if (!value.trim()) return invalid(event.target, "who", tr("Type your mobile number or e-mail address."), $("login-message"));
  try {
    await sendCode(who(value), $("login-message"));
    askForCode(who(value));
  } catch (error) {
    say($("login-message"), error.details?.field === "phone" ? tr("This does not look like a mobile number. Please check it.") : words(error), "error");
  }
  return null;
});

function askForCode(target, joined = false) {
  pending = target;
  $("verify-text").textContent = joined
    ? tr("A 6-digit code is on its way to your phone by SMS. It works once, for 10 minutes.")
    : tr("If the details match a member, a 6-digit code is on its way to you. It works once, for 10 minutes.");
  say($("verify-message"), "");
  $("verify-code").value = "";
  show("verify");
  $("verify-code").focus();
}

$("verify-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = $("verify-code").value.replace(/\D/g, "");
  if (code.length !== 6) return say($("verify-message"), tr("The code has 6 digits."), "error");
  try {
    const session = await api(null, "POST", `/v1/app/${businessId}/login/verify`, { ...pending, code });
    key = session.key;
    localStorage.setItem(KEY, key);
    pending = null;
    await openAccount();
  } catch (error) {
    say($("verify-message"), words(error), "error");
    $("verify-code").select();
  }
  return null;
});

$("resend").addEventListener("click", async () => {
  try {
    await sendCode(pending, $("verify-message"));
    say($("verify-message"), tr("A new code is on its way. The previous one no longer works."), "ok");
  } catch (error) {
    say($("verify-message"), words(error), "error");
  }
});
$("verify-back").addEventListener("click", () => show("welcome"));

// --- the account ----------------------------------------------------------------------------------

function signedOut(message) {
  key = null;
  lastSeen = undefined;
  localStorage.removeItem(KEY);
  clearInterval(tick);
  clearInterval(poll);
  clearInterval(look);
  show("welcome");
  if (message) {
    selectTab("login");
    say($("login-message"), message, "info");
  }
}

async function call(method, path, body, headers = {}) {
  const used = key;
  try {
    return await api(used, method, path, body, headers);
  } catch (error) {
    // A call still on its way when the member logged out says nothing: the logout already did.
    if (error.status === 401 && used && key === used) signedOut(tr("Your session has ended. Log in again to see your points."));
    throw error;
  }
}

async function loadMe() {
  me = await call("GET", "/v1/me");
  $("hello").textContent = me.first_name ? tr("Hello, {name}", { name: me.first_name }) : tr("Hello");
  // A language picked in the app (?lang=) is the member's: their texts and e-mails follow it.
  const picked = new URLSearchParams(window.location.search).get("lang");
  if (picked && picked === LANG && me.language !== picked) call("PATCH", "/v1/me", { language: picked }).catch(() => {});
  $("balance").textContent = points(me.points_balance);
  $("balance").dataset.balance = me.points_balance;
  $("lifetime").textContent = tr("{points} points collected since you joined", { points: points(me.lifetime_points) });
  clear($("standing"), standingView(me));
  const wallet = [...me.benefits].sort((a, b) => Number(b.redeemable) - Number(a.redeemable));
  clear($("benefits"), wallet.length ? wallet.map((benefit) => el("li", {},
    el("span", {},
      el("span", { class: "primary-text", text: named(benefit) }),
      el("span", { class: "secondary-text", text: benefit.redeemable
        ? (benefit.valid_until ? tr("Valid until {day}", { day: localDate(benefit.valid_until) }) : tr("Ready to use at the till"))
        : benefit.reason || tr(benefit.status) })),
    el("span", { class: `badge ${benefit.redeemable ? "ok" : ""}`, text: benefit.redeemable ? tr("Ready") : tr(benefit.status) }))) :
    el("li", { class: "muted", text: tr("No benefits yet: they appear here as you collect them.") }));
  $("credit").textContent = money(me.credit_balance || "0.00");
  $("credit").dataset.credit = me.credit_balance || "0.00";
  await loadPrograms();
}

// --- punch cards, the point shop, stored credit ---------------------------------------------------

const CREDIT_KINDS = { credit_load: N_("Top-up"), credit_bonus: N_("Top-up bonus"), credit_pay: N_("Paid with credit"), credit_refund: N_("Credit given back") };
// A benefit's status, said in the page's language (the API's word is the msgid).
export const BENEFIT_STATUSES = [N_("active"), N_("used"), N_("expired"), N_("inactive"), N_("reserved")];

function punchCard(card) {
  const circles = Array.from({ length: card.punches_required }, (_, index) => el("span", {
    class: `punch ${index < card.punches ? "filled" : ""}`, "aria-hidden": "true",
  }));
  return el("div", { class: "punch-card", role: "img", "aria-label": named(card) + ": " + tr("{count} of {required}", { count: card.punches, required: card.punches_required }), "data-punches": String(card.punches) },
    el("div", { class: "punch-card-head" }, el("span", { class: "punch-card-name", text: named(card) }),
      el("span", { class: "muted small", text: tr("{count} of {required}", { count: card.punches, required: card.punches_required }) })),
    el("div", { class: "punches" }, circles),
    card.completed ? el("p", { class: "muted small", text: card.completed === 1 ? tr("1 card filled so far") : tr("{count} cards filled so far", { count: card.completed }) }) : null);
}

async function loadPrograms() {
  const [cards, items, credit] = await Promise.all([
    call("GET", `/v1/members/${me.id}/punch-cards`),
    call("GET", "/v1/shop"),
    call("GET", `/v1/members/${me.id}/credit?limit=10`),
  ]);
  $("cards-section").hidden = !cards.length;
  clear($("punch-cards"), cards.map(punchCard));
  $("shop-section").hidden = !items.length;
  clear($("shop"), items.map((item) => el("li", {},
    el("span", {},
      el("span", { class: "primary-text", text: named(item) }),
      el("span", { class: "secondary-text", text: tr("{points} points", { points: points(item.price_points) }) })),
    el("button", { class: "button secondary small", type: "button", "aria-label": tr("Buy {name}", { name: named(item) }),
      disabled: writing.has("buy") || toMinor(me.points_balance, 2) < toMinor(item.price_points, 2),
      onclick: (event) => pressing(event.currentTarget, () => buy(item)), text: tr("Buy") }))));
  $("credit-section").hidden = !credit.items.length;
  clear($("credit-history"), credit.items.map((item) => el("li", {},
    el("span", {},
      el("span", { class: "primary-text", text: CREDIT_KINDS[item.kind] ? tr(CREDIT_KINDS[item.kind]) : item.kind }),
      el("span", { class: "secondary-text", text: localDateTime(item.at) })),
    el("span", { class: item.amount.startsWith("-") ? "minus" : "plus", text: item.amount.startsWith("-") ? money(item.amount) : `+${money(item.amount)}` }))));
}

function buy(item) {
  return writing.run("buy", async () => {
    try {
      const bought = await intended(attempts, "buy", { member: me.id, benefit: item.benefit_id }, "S", (idempotencyKey) => call(
        "POST", `/v1/members/${me.id}/benefits/buy`, { benefit_id: item.benefit_id }, { "Idempotency-Key": idempotencyKey }));
      say($("shop-message"), tr("{name} is in your benefits: {points} points spent.", { name: named(item), points: points(bought.points_paid) }), "ok");
      await loadMe();
      await loadHistory();
    } catch (error) {
      if (error.status !== 401) say($("shop-message"), words(error), "error");
    }
  });
}

async function loadHistory(more = false) {
  const query = new URLSearchParams({ limit: "10" });
  if (more && historyCursor) query.set("cursor", historyCursor);
  const page = await call("GET", `/v1/me/history?${query}`);
  if (!more) {
    // Something new happened at the till: the code shown there was most likely just used, so show a fresh one.
    const newest = page.items[0]?.id || null;
    if (lastSeen !== undefined && newest !== lastSeen && idCode) refreshCode();
    lastSeen = newest;
  }
  historyCursor = page.next_cursor;
  const rows = page.items.map((item) => el("li", {},
    el("span", {},
      el("span", { class: "primary-text", text: item.label }),
      item.detail ? el("span", { class: "secondary-text", text: item.detail }) : null,
      el("span", { class: "secondary-text", text: localDateTime(item.at) })),
    el("span", { class: item.points.startsWith("-") ? "minus" : "plus", text: signedPoints(item.points) })));
  if (more) $("history").append(...rows);
  else clear($("history"), rows.length ? rows : el("li", { class: "muted", text: tr("Nothing yet.") }));
  $("more-history").hidden = !historyCursor;
}

let refreshing = null;

// One request at a time: a new code replaces the previous one, so two in flight could leave a dead code shown.
// Without `renew` the app shows the member's live code (the one every device of the member shows).
function refreshCode(renew = false) {
  refreshing ||= loadCode(renew).finally(() => {
    refreshing = null;
  });
  return refreshing;
}

// The server's clock, as this device's clock plus the offset measured from the answer (half the round trip
// counted on each side): a phone whose clock runs fast still counts a valid code down from the right time.
function serverNow() {
  return Date.now() + clockOffset;
}

async function loadCode(renew) {
  const button = $("refresh-code");
  button.disabled = true;
  try {
    const sent = Date.now();
    const shown = renew
      ? await call("POST", `/v1/members/${me.id}/identification-code`)
      : await call("GET", "/v1/me/identification-code");
    const received = Date.now();
    if (shown.server_time) clockOffset = new Date(shown.server_time).getTime() - (sent + received) / 2;
    if (!idCode || idCode.qr !== shown.qr) {
      const svg = await call("POST", "/v1/me/qr.svg", { qr: shown.qr });
      $("qr").innerHTML = svg; // our own server's SVG, drawn by segno
      $("qr").dataset.qr = shown.qr;
      $("short-code").textContent = shown.code;
    }
    idCode = { ...shown, issued: shown.server_time ? new Date(shown.server_time).getTime() : serverNow() };
    say($("code-message"), "");
    countdown();
  } catch (error) {
    if (error.status !== 401) say($("code-message"), words(error), "error");
  } finally {
    button.disabled = false;
  }
}

function countdown() {
  if (!idCode) return;
  const total = Math.max(new Date(idCode.expires_at).getTime() - idCode.issued, 1);
  const left = Math.max(0, new Date(idCode.expires_at).getTime() - serverNow());
  const seconds = Math.ceil(left / 1000);
  $("countdown-bar").style.transform = `scaleX(${Math.min(1, left / total)})`;
  if (left > 0) {
    $("countdown-text").textContent = tr("Valid for {time}", { time: `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}` });
    $("qr").classList.remove("expired");
    return;
  }
  $("countdown-text").textContent = tr("This code has expired.");
  $("short-code").textContent = "––––";
  $("qr").classList.add("expired");
  idCode = null;
  if (document.visibilityState === "visible") refreshCode();
}

async function openAccount() {
  show("account");
  try {
    await loadMe();
    await Promise.all([loadHistory(), refreshCode()]);
  } catch (error) {
    if (error.status !== 401) say($("code-message"), words(error), "error");
    return;
  }
  clearInterval(tick);
  clearInterval(poll);
  clearInterval(look);
  tick = setInterval(countdown, 1000);
  look = setInterval(() => {
    if (document.visibilityState === "visible") refreshCode();
  }, LOOK_AGAIN_MS);
  // The balance changes at the till while the app is open: look again now and then, only while it is seen.
  poll = setInterval(() => {
    if (document.visibilityState === "visible") loadMe().then(() => loadHistory()).catch(() => {});
  }, REFRESH_ME_MS);
}

$("refresh-code").addEventListener("click", () => refreshCode(true));
$("more-history").addEventListener("click", () => loadHistory(true).catch(() => {}));
$("logout").addEventListener("click", async () => {
  try {
    await api(key, "POST", "/v1/me/logout");
  } catch {
    // Signed out on this device either way.
  }
  signedOut(tr("You are logged out."));
});
// --- my data: a copy of it, and erasure --------------------------------------------------------------

$("download-data").addEventListener("click", async () => {
  const button = $("download-data");
  button.disabled = true;
  try {
    const response = await fetch("/v1/me/data?format=zip", { headers: { Authorization: `Bearer ${key}` } });
    if (response.status === 401) return signedOut("Your session has ended. Log in again to see your points.");
    if (!response.ok) throw new Error("not ready");
    const link = el("a", { href: URL.createObjectURL(await response.blob()), download: "my-data.zip" });
    document.body.append(link);
    link.click();
    link.remove();
    say($("privacy-message"), tr("Your data is downloading: one spreadsheet file per kind of record, in a zip."), "info");
  } catch {
    say($("privacy-message"), tr("Your data could not be prepared just now. Please try again."), "error");
  } finally {
    button.disabled = false;
  }
});
$("erase-start").addEventListener("click", () => {
  $("erase-confirm").hidden = false;
  $("erase-start").hidden = true;
  $("erase-sure").checked = false;
  $("erase-do").disabled = true;
});
$("erase-cancel").addEventListener("click", () => {
  $("erase-confirm").hidden = true;
  $("erase-start").hidden = false;
});
$("erase-sure").addEventListener("change", () => {
  $("erase-do").disabled = !$("erase-sure").checked;
});
$("erase-do").addEventListener("click", async () => {
  $("erase-do").disabled = true;
  try {
    await call("POST", "/v1/me/erase", { confirm: true });
  } catch (error) {
    $("erase-do").disabled = false;
    const credit = tr("You still have stored credit. Spend it, or ask the shop to pay it out, before deleting your membership.");
    if (error.status !== 401) say($("privacy-message"), error.code === "credit_outstanding" ? credit : words(error), "error");
    return;
  }
  $("erase-confirm").hidden = true;
  $("erase-start").hidden = false;
  signedOut(tr("Your membership was deleted. Thank you for having been with us."));
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && key && !$("account").hidden && !idCode) refreshCode();
});

if (key) openAccount();
else show("welcome");
