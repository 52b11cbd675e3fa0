// Scanning: the member's QR by the camera (BarcodeDetector), and a handheld scanner whatever has the focus.
import { say, tr } from "./common.js";
import { identification } from "./identify.js";
import { BurstReader } from "./scanner.js";
import { till, view } from "./till-state.js";
import { addItem } from "./till-sale.js";
import { identify } from "./till-member.js";

// --- the camera (BarcodeDetector, where the browser has it) --------------------------------------

let stream = null;

async function scan() {
  try {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    view.scannerVideo.srcObject = stream;
    view.scanner.showModal();
    await view.scannerVideo.play();
    while (stream) {
      const found = await detector.detect(view.scannerVideo).catch(() => []);
      if (found.length) {
        stopScan();
        return identify({ qr: found[0].rawValue });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch {
    stopScan();
    say(view.searchMessage, tr("The camera is not available. Type the member's code or phone number instead."), "error");
  }
  return null;
}

function stopScan() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  if (view.scanner.open) view.scanner.close();
}

view.scan.addEventListener("click", scan);
view.scannerClose.addEventListener("click", stopScan);
view.scanner.addEventListener("cancel", stopScan);

// --- a handheld scanner, whatever has the focus ---------------------------------------------------

const burst = new BurstReader();
let burstField = null;
let burstValue = "";
let burstFocus = null;

document.addEventListener("keydown", (event) => {
  if (view.workspace.hidden || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
  const kind = burst.key(event.key, event.timeStamp);
  if (kind === "first") {
    burstFocus = document.activeElement;
    burstField = burstFocus && burstFocus.tagName === "INPUT" ? burstFocus : null;
    burstValue = burstField ? burstField.value : "";
  } else if (kind === "scan") {
    // The Enter ends the scan: it neither presses the focused button nor submits the focused field's form.
    event.preventDefault();
    event.stopImmediatePropagation();
    if (burstField) burstField.value = burstValue;
    scanned(burst.scanned, burstFocus);
  }
}, true);

function scanned(text, focus) {
  const wanted = text.trim().toUpperCase();
  const product = till.catalogue.flatMap((group) => group.items).find((item) => item.code.toUpperCase() === wanted);
  if (product) {
    addItem(product);
    if (focus && document.contains(focus)) focus.focus();
    return;
  }
  const query = identification(text);
  if (!query) return;
  if (till.sale.member && till.sale.payments.length) {
    say(view.saleMessage, tr("Points were already paid for this sale by its member. Undo that payment before scanning another member."), "error");
    return;
  }
  view.search.hidden = false;
  view.loyaltyButton.setAttribute("aria-expanded", "true");
  identify(query);
}
