// A handheld scanner is a keyboard that types very fast and ends with Enter. This tells its bursts from a
// person's typing, whatever has the focus: no DOM here, so it can be tested outside a browser.
//
// A burst starts after a pause; it is a scan when Enter ends it, it has at least MIN_LENGTH characters and
// its keys came MAX_AVERAGE_MS apart or closer (a scanner types one every few milliseconds, the fastest person
// needs 60 or more). The median gap, not every gap nor their mean, decides: a busy computer may hold a key or
// two back, and in a 4-digit code one held key would weigh on a mean.
//
// A USB scanner is a keyboard: it presses Shift before a capital or "_" as a person would. Shift (and the other
// modifiers) belong to the burst, count as keystrokes in its pace and add no character.

export const PAUSE_MS = 250;
export const MAX_AVERAGE_MS = 30;
export const MIN_LENGTH = 4; // the shortest thing worth scanning: a 4-digit member code
const MODIFIERS = new Set(["Shift", "CapsLock", "AltGraph"]);

export class BurstReader {
  constructor({ pause = PAUSE_MS, maxAverage = MAX_AVERAGE_MS, minLength = MIN_LENGTH } = {}) {
    this.pause = pause;
    this.maxAverage = maxAverage;
    this.minLength = minLength;
    this.scanned = null;
    this.last = -Infinity;
    this.reset();
  }

  reset() {
    this.text = "";
    this.started = false;
    this.gaps = []; // ms between the burst's keystrokes, modifiers and the final Enter included
  }

  // One key at time `at` (ms). Answers what to do with it:
  //   "first"  the key may start a burst: remember what the focused field held before it;
  //   "burst"  the key follows the previous one without a pause;
  //   "scan"   Enter ending a burst: `scanned` holds the text, the field gets back what it held;
  //   "pass"   an ordinary key.
  // No key is held back: a person who types two keys at once loses neither.
  key(name, at) {
    if (at - this.last > this.pause) this.reset(); // a pause: whatever comes starts afresh
    if (this.started) this.gaps.push(at - this.last);
    this.last = at;
    if (name === "Enter") {
      const text = this.text;
      const fast = text.length >= this.minLength && median(this.gaps) <= this.maxAverage;
      this.scanned = fast ? text : null;
      this.reset();
      return this.scanned ? "scan" : "pass";
    }
    const modifier = MODIFIERS.has(name);
    if (!modifier && name.length !== 1) {
      this.reset();
      return "pass";
    }
    this.started = true;
    if (modifier) return "pass";
    this.text += name;
    return this.text.length === 1 ? "first" : "burst";
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
