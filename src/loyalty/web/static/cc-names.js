// A name's translations in a Campaign Center form: a small "Translations" disclosure under the name field, one
// input per language; a language left empty shows members and cashiers the name as written.
import { el, tr, N_ } from "./common.js";

const LANGUAGES = [["fr", N_("French")], ["de", N_("German")], ["it", N_("Italian")]];

export function addTranslations(form) {
  if (form.querySelector("[data-translations]")) return;
  const nameField = form.elements.name.closest(".field") || form.elements.name;
  nameField.after(el("details", { class: "translations", "data-translations": "" },
    el("summary", { text: tr("Translations") }),
    el("p", { class: "muted small", text: tr("The name members and cashiers read in their language; left empty, they read the name as written.") }),
    el("div", { class: "translation-fields" }, LANGUAGES.map(([language, label]) => el("div", { class: "field" },
      el("label", { for: `${form.id}-names-${language}`, text: tr(label) }),
      el("input", { id: `${form.id}-names-${language}`, name: `names.${language}`, "data-path": `names.${language}`, lang: language, maxlength: "200" }))))));
}

// {"fr": "…"} of the languages filled in, or null when none is.
export function namesOf(form) {
  const names = {};
  for (const [language] of LANGUAGES) {
    const value = form.elements[`names.${language}`]?.value.trim();
    if (value) names[language] = value;
  }
  return Object.keys(names).length ? names : null;
}

export function fillNames(form, names) {
  for (const [language] of LANGUAGES) {
    const input = form.elements[`names.${language}`];
    if (input) input.value = (names && names[language]) || "";
  }
  const box = form.querySelector("[data-translations]");
  if (box) box.open = Boolean(names && Object.keys(names).length);
}
