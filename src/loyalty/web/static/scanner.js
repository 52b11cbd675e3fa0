// A handheld scanner is a keyboard that types very fast and ends with Enter. This tells its bursts from a
// person's typing, whatever has the focus: no DOM here, so it can be tested outside a browser.
//
// A burst starts after a pause; it is a scan when Enter ends it, it has at least MIN_LENGTH characters and
// they came in at MAX_AVERAGE_MS a key or faster (a scanner types one every few milliseconds, the fastest
// person needs 60 or more). The average, not every gap, decides: a busy computer may hold one key back.

export const PAUSE_MS = 250;
export const MAX_AVERAGE_MS = 30;
export const MIN_LENGTH = 4; // the shortest thing worth scanning: a 4-digit member code

export class BurstReader {
  constructor({ pause = PAUSE_MS, maxAverage = MAX_AVERAGE_MS, minLength = MIN_LENGTH } = {}) {
    this.pause = pause;
    this.maxAverage = maxAverage;
    this.minLength = minLength;
    this.scanned = null;
    this.reset();
  }

  reset() {
    this.text = "";
    this.start = 0;
    this.last = -Infinity;
  }

  // One key at time `at` (ms). Answers what to do with it:
  //   "first"  the key may start a burst: remember what the focused field held before it;
  //   "burst"  the key follows the previous one without a pause;
  //   "scan"   Enter ending a burst: `scanned` holds the text, the field gets back what it held;
  //   "pass"   an ordinary key.
  // No key is held back: a person who types two keys at once loses neither.
  key(name, at) {
    const paused = at - this.last > this.pause;
    this.last = at;
    if (name === "Enter") {
      const text = this.text;
      const fast = text.length >= this.minLength && (at - this.start) / text.length <= this.maxAverage;
      this.scanned = !paused && fast ? text : null;
      this.reset();
      return this.scanned ? "scan" : "pass";
    }
    if (name.length !== 1) {
      this.reset();
      return "pass";
    }
    if (paused || !this.text) {
      this.text = name;
      this.start = at;
      return "first";
    }
    this.text += name;
    return "burst";
  }
}
