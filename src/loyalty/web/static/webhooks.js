// The Campaign Center's webhooks (in Settings): endpoints, their deliveries, a test, a retry, a new secret.
// A script of its own: it reads the admin key the Campaign Center keeps and loads when Settings is shown.
import { api, words, say, el, clear, localDateTime, tr } from "./common.js";
import { statusText } from "./rule-words.js";

const KEY = "loyalty.admin.key";
const $ = (id) => document.getElementById(id);
const call = (method, path, body) => api(localStorage.getItem(KEY), method, path, body);
const NO_ANSWER = () => tr("no answer"); // not inside another tr()'s values, where the extractor does not see it

function message(text, kind = "ok") {
  say($("webhook-message"), text, kind);
}

function showSecret(endpoint) {
  const box = $("webhook-secret");
  clear(box,
    el("p", { text: tr("The signing secret of {url}, shown only now: copy it into the receiving system.", { url: endpoint.url }) }),
    el("code", { class: "secret", text: endpoint.secret }));
  box.hidden = false;
}

async function load() {
  if (!localStorage.getItem(KEY) || !$("webhooks")) return;
  try {
    const { items } = await call("GET", "/v1/webhooks");
    clear($("webhooks-body"), items.length ? items.map(row) : el("tr", {}, el("td", { colspan: "4", class: "muted", text: tr("No endpoint yet.") })));
  } catch (error) {
    message(words(error), "error");
  }
}

function row(endpoint) {
  const state = endpoint.status === "failing" ? tr("Failing ({count} failed attempts in a row)", { count: endpoint.consecutive_failures })
    : endpoint.status === "disabled" ? tr("Switched off") : tr("Active");
  const button = (text, action) => el("button", {
    class: "button secondary small", type: "button", text, "aria-label": tr("{action}: {url}", { action: text, url: endpoint.url }), onclick: action,
  });
  return el("tr", { "data-endpoint": endpoint.id },
    el("td", {}, el("span", { text: endpoint.url }), endpoint.description ? el("div", { class: "muted", text: endpoint.description }) : null),
    el("td", { text: endpoint.events.join(", ") }),
    el("td", { text: state }),
    el("td", { class: "actions" },
      button(tr("Send a test"), () => sendTest(endpoint)),
      button(tr("Deliveries"), () => showDeliveries(endpoint)),
      button(tr("New secret"), () => rotate(endpoint)),
      button(tr("Delete"), () => remove(endpoint))));
}

async function sendTest(endpoint) {
  try {
    const sent = await call("POST", `/v1/webhooks/${endpoint.id}/test`);
    if (sent.status === "delivered") message(tr("Test delivered: the endpoint answered {status}.", { status: sent.response_status }));
    else message(tr("Test not accepted: {error}. It will be tried again.", { error: sent.error || NO_ANSWER() }), "error");
    await showDeliveries(endpoint);
  } catch (error) {
    message(words(error), "error");
  }
}

async function rotate(endpoint) {
  try {
    showSecret(await call("POST", `/v1/webhooks/${endpoint.id}/rotate-secret`));
    message(tr("New secret made: the old one no longer signs."));
  } catch (error) {
    message(words(error), "error");
  }
}

async function remove(endpoint) {
  try {
    await call("DELETE", `/v1/webhooks/${endpoint.id}`);
    $("webhook-deliveries").hidden = true;
    message(tr("Deleted {url}.", { url: endpoint.url }));
    await load();
  } catch (error) {
    message(words(error), "error");
  }
}

async function showDeliveries(endpoint) {
  const box = $("webhook-deliveries");
  try {
    const { items } = await call("GET", `/v1/webhooks/${endpoint.id}/deliveries`);
    clear(box,
      el("h3", { text: tr("Deliveries to {url}", { url: endpoint.url }) }),
      items.length ? el("table", {},
        el("thead", {}, el("tr", {}, [tr("Event"), tr("Status"), tr("Attempts"), tr("Answer"), tr("Next attempt"), ""].map((title) => el("th", { scope: "col", text: title })))),
        el("tbody", {}, items.map((item) => el("tr", { "data-delivery": item.id },
          el("td", { text: item.type }),
          el("td", { text: statusText(item.status) }),
          el("td", { class: "num", text: String(item.attempts) }),
          el("td", { text: item.response_status ? String(item.response_status) : item.error || "" }),
          el("td", { text: localDateTime(item.next_attempt_at) }),
          el("td", {}, item.status === "delivered" ? null : el("button", {
            class: "button secondary small", type: "button", text: tr("Retry"), "aria-label": tr("Retry {event}", { event: item.type }),
            onclick: () => retry(endpoint, item),
          }))))))
        : el("p", { class: "muted", text: tr("Nothing sent yet.") }));
    box.hidden = false;
  } catch (error) {
    message(words(error), "error");
  }
}

async function retry(endpoint, item) {
  try {
    const done = await call("POST", `/v1/webhooks/${endpoint.id}/deliveries/${item.id}/retry`);
    message(done.status === "delivered" ? tr("Delivered.") : tr("Not accepted again: {error}.", { error: done.error || NO_ANSWER() }), done.status === "delivered" ? "ok" : "error");
    await showDeliveries(endpoint);
  } catch (error) {
    message(words(error), "error");
  }
}

$("webhook-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const events = $("webhook-events").value.split(",").map((name) => name.trim()).filter(Boolean);
  try {
    const made = await call("POST", "/v1/webhooks", {
      url: $("webhook-url").value.trim(), events: events.length ? events : ["*"], description: $("webhook-description").value.trim(),
    });
    showSecret(made);
    message(tr("Added {url}.", { url: made.url }));
    event.target.reset();
    await load();
  } catch (error) {
    message(words(error), "error");
  }
});

function onRoute() {
  if (window.location.hash.replace(/^#\/?/, "").split("/")[0] === "settings") load();
}
window.addEventListener("hashchange", onRoute);
onRoute();
