// Import members: a file checked by a dry run (what it would create, update, leave, and the rows it rejects,
// which can be downloaded), then imported for real. The file goes to POST /v1/imports as it is.
import { words, say, el, clear, money, points, tr } from "./common.js";
import { cc, showSetup } from "./cc-api.js";
import { save } from "./cc-page.js";

const $ = (id) => document.getElementById(id);
let checked = null; // the file the last dry run read, and its answer

export function openImports() {
  say($("import-message"), "", "info");
}

function mediaOf(file) {
  return /\.(ndjson|jsonl|json)$/i.test(file.name) ? "application/x-ndjson" : "text/csv";
}

async function send(file, dryRun) {
  const response = await fetch(`/v1/imports?dry_run=${dryRun}&details=true`, {
    method: "POST",
    headers: { Authorization: `Bearer ${cc.key}`, "Content-Type": mediaOf(file), Accept: "application/json" },
    body: file,
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = Object.assign(new Error(data?.error?.message || ""), data?.error || {}, { status: response.status });
    if (response.status === 401) showSetup(words(error));
    throw error;
  }
  return data;
}

function show(answer) {
  const dry = answer.dry_run;
  $("import-result-title").textContent = dry ? tr("What the file would change") : tr("What the import changed");
  const row = (label, value) => el("tr", {}, el("th", { scope: "row", text: label }), el("td", { class: "num", text: value }));
  clear($("import-summary"), [
    row(dry ? tr("Would be created") : tr("Created"), String(answer.created)),
    row(dry ? tr("Would be updated") : tr("Updated"), String(answer.updated)),
    row(tr("Unchanged"), String(answer.unchanged)),
    row(tr("Rejected"), String(answer.rejected.length)),
    row(tr("Points in the file"), points(answer.points)),
    row(tr("Credit in the file"), money(answer.credit)),
  ]);
  const changes = answer.changes || [];
  $("import-changes-wrap").hidden = !changes.length;
  clear($("import-changes"), changes.map((change) => el("tr", {},
    el("td", { class: "num", text: String(change.line) }),
    el("td", { text: change.external_id }),
    el("td", { text: change.outcome === "created" ? tr("new member") : tr("set to the file's figures") }))));
  $("import-rejects-wrap").hidden = !answer.rejected.length;
  clear($("import-rejects"), answer.rejected.map((rejected) => el("tr", {},
    el("td", { class: "num", text: String(rejected.line) }),
    el("td", { text: rejected.external_id || "" }),
    el("td", { text: rejected.field }),
    el("td", { text: rejected.reason }))));
  $("import-result").hidden = false;
}

function rejectsCsv(rejected) {
  const cell = (value) => `"${String(value ?? "").replaceAll('"', '""')}"`;
  const lines = [["line", "external_id", "field", "reason"].join(",")];
  for (const row of rejected) lines.push([row.line, row.external_id, row.field, row.reason].map(cell).join(","));
  return new Blob([lines.join("\n") + "\n"], { type: "text/csv" });
}

$("import-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("import-file").files[0];
  $("import-run").disabled = true;
  if (!file) {
    say($("import-message"), tr("Choose the file to import first."), "error");
    return;
  }
  say($("import-message"), tr("Checking the file…"), "info");
  try {
    const answer = await send(file, true);
    checked = { file, answer };
    show(answer);
    say($("import-message"), tr("Checked: nothing was written. Import it when the table is what you expect."), "ok");
    $("import-run").disabled = false;
  } catch (error) {
    checked = null;
    say($("import-message"), words(error), "error");
  }
});

$("import-file").addEventListener("change", () => {
  checked = null;
  $("import-run").disabled = true;
  $("import-result").hidden = true;
});

$("import-run").addEventListener("click", async () => {
  if (!checked) return;
  $("import-run").disabled = true;
  say($("import-message"), tr("Importing…"), "info");
  try {
    const answer = await send(checked.file, false);
    show(answer);
    say($("import-message"), tr("Imported: {created} created, {updated} updated.", { created: answer.created, updated: answer.updated }), "ok");
  } catch (error) {
    $("import-run").disabled = false;
    say($("import-message"), words(error), "error");
  }
});

$("import-rejects-download").addEventListener("click", () => {
  if (checked) save(rejectsCsv(checked.answer.rejected), "rejected-rows.csv");
});
