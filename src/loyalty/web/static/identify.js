// How the till reads its search field: no DOM here, so it can be tested outside a browser.
import { tr } from "./common.js";

// What the cashier typed, or a scanner "typed": a phone, a short code, a QR payload, an e-mail or a member number.
export function identification(text) {
  const value = text.trim();
  if (!value) return null;
  if (value.includes("@")) return { email: value };
  if (/^\+?[\d\s\-().\/]+$/.test(value)) {
    const digits = value.replace(/\D/g, "");
    if (!value.startsWith("+") && digits.length >= 4 && digits.length <= 8) return { code: digits };
    return { phone: value };
  }
  if (/^[A-Za-z0-9_-]{16,}$/.test(value)) return { qr: value };
  return { member_number: value };
}

// What a failed search adds: the tries this till has left before it pauses searches ("" when the server said nothing).
export function triesLeft(details) {
  const left = details?.tries_left;
  if (typeof left !== "number") return "";
  const minutes = Math.max(1, Math.round(Number(details.pause_seconds || 600) / 60));
  if (left === 0) return tr("This till now pauses searches for up to {minutes} minutes; a manager can lift the pause in the Campaign Center. Scanning the QR code still works.", { minutes });
  return left === 1 ? tr("1 try left before this till pauses searches for {minutes} minutes.", { minutes }) : tr("{count} tries left before this till pauses searches for {minutes} minutes.", { count: left, minutes });
}
