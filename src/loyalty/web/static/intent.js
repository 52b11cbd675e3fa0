// A write a person means once (a payment, a top-up, a purchase in the point shop, a return) happens once, however
// often its button is pressed: while its request is on its way a second press does nothing, and a retry after a
// lost answer (the network, a 503) sends the same Idempotency-Key, so the server writes it once. Anything else to
// write (another amount, another sale, another item) gets a key of its own. No DOM but `pressing`.
import { uid } from "./common.js";

// An answer that may hide a write: the same key must go with the retry. Any other answer is definite.
export function lostAnswer(error) {
  return Boolean(error) && (error.status === 0 || error.status === 503);
}

// The attempt for writing `what`: the pending one while it is for the same thing, a new key otherwise.
export function attemptFor(pending, what, prefix) {
  const fingerprint = JSON.stringify(what);
  return pending && pending.fingerprint === fingerprint ? pending : { fingerprint, key: uid(prefix) };
}

// Sends `what` with its key: `holder[field]` keeps the attempt (in localStorage, for the till's sale) until a
// definite answer ends it.
export async function intended(holder, field, what, prefix, send) {
  holder[field] = attemptFor(holder[field], what, prefix);
  try {
    const answer = await send(holder[field].key);
    holder[field] = null;
    return answer;
  } catch (error) {
    if (!lostAnswer(error)) holder[field] = null;
    throw error;
  }
}

// The writes on their way, by name: `run` starts one unless it is already running; `changed` redraws buttons.
export class InFlight {
  constructor(changed = () => {}) {
    this.names = new Set();
    this.changed = changed;
  }

  has(name) {
    return this.names.has(name);
  }

  any() {
    return this.names.size > 0;
  }

  async run(name, work) {
    if (this.names.has(name)) return undefined;
    this.names.add(name);
    this.changed();
    try {
      return await work();
    } finally {
      this.names.delete(name);
      this.changed();
    }
  }
}

// Runs `work` with `button` disabled, so a double tap starts it once. `button.dataset.done` keeps it disabled after.
export async function pressing(button, work) {
  if (button.disabled || button.dataset.pressed) return undefined;
  button.dataset.pressed = "1";
  button.disabled = true;
  try {
    return await work();
  } finally {
    delete button.dataset.pressed;
    button.disabled = Boolean(button.dataset.done);
  }
}
