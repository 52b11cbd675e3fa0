// Asks before anything changes at the tills, in the Campaign Center's dialog; resolves true when the marketer
// confirms. The dialog's confirming button says what it does ("Stop", "Resume", "Change"), in the page's language.
import { el, clear } from "./common.js";

const $ = (id) => document.getElementById(id);

export function confirmChange(title, yes, ...paragraphs) {
  const dialog = $("confirm-dialog");
  $("confirm-title").textContent = title;
  clear($("confirm-text"), paragraphs.filter(Boolean).map((text) => el("p", { text })));
  $("confirm-yes").textContent = yes;
  dialog.returnValue = "";
  dialog.showModal();
  $("confirm-no").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
  });
}
