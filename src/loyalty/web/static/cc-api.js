// The admin key and the business it opens: every call of the Campaign Center goes through `call`, and a key
// the server refuses brings the key form back.
import { api, words, say, keyFromFragment, tr } from "./common.js";

const KEY = "loyalty.admin.key";
const $ = (id) => document.getElementById(id);

export const cc = { key: keyFromFragment(KEY), business: null };

export function showSetup(message = "", kind = "error") {
  $("cc").hidden = true;
  $("cc-setup").hidden = false;
  say($("cc-setup-message"), message, kind);
  $("cc-setup-key").focus();
}

export async function call(method, path, body) {
  try {
    return await api(cc.key, method, path, body);
  } catch (error) {
    if (error.status === 401 || (error.status === 403 && !cc.business)) showSetup(words(error));
    throw error;
  }
}

// The key form: a key the server accepts is kept, and `start` opens its business.
export function askForKeys(start) {
  $("cc-setup-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const candidate = $("cc-setup-key").value.trim();
    try {
      cc.business = await api(candidate, "GET", "/v1/business");
    } catch (error) {
      say($("cc-setup-message"), words(error), "error");
      return;
    }
    cc.key = candidate;
    localStorage.setItem(KEY, cc.key);
    $("cc-setup-key").value = "";
    start();
  });
  $("cc-settings").addEventListener("click", () => showSetup(tr("Paste another admin key to switch business."), "info"));
}
