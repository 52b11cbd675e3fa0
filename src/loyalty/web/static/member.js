// The member app: join, log in with a one-time code, then the QR and short code to show at the till,
// the balance, the wallet and the history. The member key stays in this browser only.
import { api, words, say, el, clear, points, signedPoints, localDate, localDateTime } from "./common.js";
import { standingView } from "./standing.js";

const $ = (id) => document.getElementById(id);
const root = $("app");
const businessId = root.dataset.businessId;
const KEY = `loyalty.member.${businessId}`;
const REFRESH_ME_MS = 15000;

let key = localStorage.getItem(KEY);
let pending = null; // {phone} or {email}: who is waiting for a login code
let me = null;
let idCode = null; // {code, qr, expires_at, issued}
let historyCursor = null;
let lastSeen; // the newest history entry seen, undefined before the first look
let tick = null;
let poll = null;

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
  if (!form.elements.first_name.value.trim()) return invalid(form, "first_name", "Please tell us your first name.", region);
  if (!form.elements.phone.value.trim()) return invalid(form, "phone", "Please type your mobile number.", region);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(form.elements.email.value.trim())) {
    return invalid(form, "email", "Please type your e-mail address: your login codes are sent there.", region);
  }
  if (!form.elements.terms.checked) return invalid(form, "terms", "Please accept the programme's terms to join.", region);
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
      email: form.elements.email.value.trim(),
      consent: { terms: true, sms: form.elements.sms.checked, email: form.elements.email_offers.checked },
    });
    askForCode({ phone: form.elements.phone.value.trim() });
  } catch (error) {
    const field = error.details?.field;
    if (field && form.elements[field]) form.elements[field].setAttribute("aria-invalid", "true");
    say($("join-message"), field === "phone" ? "This does not look like a mobile number. Please check it." : words(error), "error");
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
  if (!value.trim()) return invalid(event.target, "who", "Type your mobile number or e-mail address.", $("login-message"));
  try {
    await sendCode(who(value), $("login-message"));
    askForCode(who(value));
  } catch (error) {
    say($("login-message"), error.details?.field === "phone" ? "This does not look like a mobile number. Please check it." : words(error), "error");
  }
  return null;
});

function askForCode(target) {
  pending = target;
  $("verify-text").textContent = "If the details match a member, a 6-digit code is on its way to you. It works once, for 10 minutes.";
  say($("verify-message"), "");
  $("verify-code").value = "";
  show("verify");
  $("verify-code").focus();
}

$("verify-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = $("verify-code").value.replace(/\D/g, "");
  if (code.length !== 6) return say($("verify-message"), "The code has 6 digits.", "error");
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
    say($("verify-message"), "A new code is on its way. The previous one no longer works.", "ok");
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
  show("welcome");
  if (message) {
    selectTab("login");
    say($("login-message"), message, "info");
  }
}

async function call(method, path, body) {
  try {
    return await api(key, method, path, body);
  } catch (error) {
    if (error.status === 401) signedOut("Your session has ended. Log in again to see your points.");
    throw error;
  }
}

async function loadMe() {
  me = await call("GET", "/v1/me");
  $("hello").textContent = `Hello, ${me.first_name || "there"}`;
  $("balance").textContent = points(me.points_balance);
  $("balance").dataset.balance = me.points_balance;
  $("lifetime").textContent = `${points(me.lifetime_points)} points collected since you joined`;
  clear($("standing"), standingView(me));
  const wallet = [...me.benefits].sort((a, b) => Number(b.redeemable) - Number(a.redeemable));
  clear($("benefits"), wallet.length ? wallet.map((benefit) => el("li", {},
    el("span", {},
      el("span", { class: "primary-text", text: benefit.name }),
      el("span", { class: "secondary-text", text: benefit.redeemable
        ? (benefit.valid_until ? `Valid until ${localDate(benefit.valid_until)}` : "Ready to use at the till")
        : benefit.reason || benefit.status })),
    el("span", { class: `badge ${benefit.redeemable ? "ok" : ""}`, text: benefit.redeemable ? "Ready" : benefit.status }))) :
    el("li", { class: "muted", text: "No benefits yet: they appear here as you collect them." }));
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
  else clear($("history"), rows.length ? rows : el("li", { class: "muted", text: "Nothing yet." }));
  $("more-history").hidden = !historyCursor;
}

let refreshing = null;

// One refresh at a time: a new code replaces the previous one, so two in flight could leave a dead code shown.
function refreshCode() {
  refreshing ||= issueCode().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

async function issueCode() {
  const button = $("refresh-code");
  button.disabled = true;
  try {
    const issued = await call("POST", `/v1/members/${me.id}/identification-code`);
    const svg = await call("POST", "/v1/me/qr.svg", { qr: issued.qr });
    idCode = { ...issued, issued: Date.now() };
    $("qr").innerHTML = svg; // our own server's SVG, drawn by segno
    $("qr").dataset.qr = issued.qr;
    $("short-code").textContent = issued.code;
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
  const total = new Date(idCode.expires_at).getTime() - idCode.issued;
  const left = Math.max(0, new Date(idCode.expires_at).getTime() - Date.now());
  const seconds = Math.ceil(left / 1000);
  $("countdown-bar").style.transform = `scaleX(${total > 0 ? left / total : 0})`;
  if (left > 0) {
    $("countdown-text").textContent = `Valid for ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    $("qr").classList.remove("expired");
    return;
  }
  $("countdown-text").textContent = "This code has expired.";
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
  tick = setInterval(countdown, 1000);
  // The balance changes at the till while the app is open: look again now and then, only while it is seen.
  poll = setInterval(() => {
    if (document.visibilityState === "visible") loadMe().then(() => loadHistory()).catch(() => {});
  }, REFRESH_ME_MS);
}

$("refresh-code").addEventListener("click", refreshCode);
$("more-history").addEventListener("click", () => loadHistory(true).catch(() => {}));
$("logout").addEventListener("click", async () => {
  try {
    await api(key, "POST", "/v1/me/logout");
  } catch {
    // Signed out on this device either way.
  }
  signedOut("You are logged out.");
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && key && !$("account").hidden && !idCode) refreshCode();
});

if (key) openAccount();
else show("welcome");
