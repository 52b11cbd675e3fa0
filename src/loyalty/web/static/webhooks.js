// The Campaign Center's webhooks (in Settings): endpoints, their deliveries, a test, a retry, a new secret.
// A script of its own: it reads the admin key the Campaign Center keeps and loads when Settings is shown.
import { api, words, say, el, clear, localDateTime } from "./common.js";

const KEY = "loyalty.admin.key";
const $ = (id) => document.getElementById(id);
const call = (method, path, body) => api(localStorage.getItem(KEY), method, path, body);

function message(text, kind = "ok") {
  say($("webhook-message"), text, kind);
}

function showSecret(endpoint) {
  const box = $("webhook-secret");
  clear(box,
    el("p", { text: `The signing secret of ${endpoint.url}, shown only now: copy it into the receiving system.` }),
    el("code", { class: "secret", text: endpoint.secret }));
  box.hidden = false;
}

async function load() {
  if (!localStorage.getItem(KEY) || !$("webhooks")) return;
  try {
    const { items } = await call("GET", "/v1/webhooks");
    clear($("webhooks-body"), items.length ? items.map(row) : el("tr", {}, el("td", { colspan: "4", class: "muted", text: "No endpoint yet." })));
  } catch (error) {
    message(words(error), "error");
  }
}

function row(endpoint) {
  const state = endpoint.status === "failing" ? `Failing (${endpoint.consecutive_failures} failed attempts in a row)` : endpoint.status === "disabled" ? "Switched off" : "Active";
  const button = (text, action) => el("button", {
    class: "button secondary small", type: "button", text, "aria-label": `${text}: ${endpoint.url}`, onclick: action,
  });
  return el("tr", { "data-endpoint": endpoint.id },
    el("td", {}, el("span", { text: endpoint.url }), endpoint.description ? el("div", { class: "muted", text: endpoint.description }) : null),
    el("td", { text: endpoint.events.join(", ") }),
    el("td", { text: state }),
    el("td", { class: "actions" },
      button("Send a test", () => sendTest(endpoint)),
      button("Deliveries", () => showDeliveries(endpoint)),
      button("New secret", () => rotate(endpoint)),
      button("Delete", () => remove(endpoint))));
}

async function sendTest(endpoint) {
  try {
    const sent = await call("POST", `/v1/webhooks/${endpoint.id}/test`);
    if (sent.status === "delivered") message(`Test delivered: the endpoint answered ${sent.response_status}.`);
    else message(`Test not accepted: ${sent.error || "no answer"}. It will be tried again.`, "error");
    await showDeliveries(endpoint);
  } catch (error) {
    message(words(error), "error");
  }
}

async function rotate(endpoint) {
  try {
    showSecret(await call("POST", `/v1/webhooks/${endpoint.id}/rotate-secret`));
    message("New secret made: the old one no longer signs.");
  } catch (error) {
    message(words(error), "error");
  }
}

async function remove(endpoint) {
  try {
    await call("DELETE", `/v1/webhooks/${endpoint.id}`);
    $("webhook-deliveries").hidden = true;
    message(`Deleted ${endpoint.url}.`);
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
      el("h3", { text: `Deliveries to ${endpoint.url}` }),
      items.length ? el("table", {},
        el("thead", {}, el("tr", {}, ["Event", "Status", "Attempts", "Answer", "Next attempt", ""].map((title) => el("th", { scope: "col", text: title })))),
        el("tbody", {}, items.map((item) => el("tr", { "data-delivery": item.id },
          el("td", { text: item.type }),
          el("td", { text: item.status }),
          el("td", { class: "num", text: String(item.attempts) }),
          el("td", { text: item.response_status ? String(item.response_status) : item.error || "" }),
          el("td", { text: localDateTime(item.next_attempt_at) }),
          el("td", {}, item.status === "delivered" ? null : el("button", {
            class: "button secondary small", type: "button", text: "Retry", "aria-label": `Retry ${item.type}`,
            onclick: () => retry(endpoint, item),
          }))))))
        : el("p", { class: "muted", text: "Nothing sent yet." }));
    box.hidden = false;
  } catch (error) {
    message(words(error), "error");
  }
}

async function retry(endpoint, item) {
  try {
    const done = await call("POST", `/v1/webhooks/${endpoint.id}/deliveries/${item.id}/retry`);
    message(done.status === "delivered" ? "Delivered." : `Not accepted again: ${done.error || "no answer"}.`, done.status === "delivered" ? "ok" : "error");
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
    message(`Added ${made.url}.`);
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
