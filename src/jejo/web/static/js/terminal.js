/* jejo operator terminal: every press becomes an event with its own idempotency key, kept in IndexedDB
 * until the server has it. Posting is in order, one event at a time, to POST /api/v1/events with the
 * session cookie. A network error keeps the queue (retried on "online" and every few seconds); a repeated
 * post of an event the server already stored answers 200 "duplicate", so nothing is lost or doubled. */
(() => {
  "use strict";
  const root = document.getElementById("terminal");
  if (!root) return;
  const T = JSON.parse(document.getElementById("term-i18n").textContent);
  const DB_NAME = "jejo-terminal";
  const STORE = "actions";
  const RETRY_MS = 4000;
  const wc = root.dataset.wc;
  let qty = 1;
  let flushing = false;
  let online = navigator.onLine;

  // ---- IndexedDB: the queue of actions not yet accepted by the server ----------------------------
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const req = indexedDB.open(DB_NAME, 1);
        req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "n", autoIncrement: true });
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return dbPromise;
  }
  async function store(mode, fn) {
    const conn = await db();
    return new Promise((resolve, reject) => {
      const tx = conn.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req ? req.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }
  const queued = () => store("readonly", (s) => s.getAll());
  const enqueueRaw = (action) => store("readwrite", (s) => s.add(action));
  const forget = (n) => store("readwrite", (s) => s.delete(n));

  function uuid() {
    if (crypto.randomUUID) return crypto.randomUUID(); // secure contexts (HTTPS, localhost)
    const b = crypto.getRandomValues(new Uint8Array(16)); // plain-HTTP tablets on the plant network
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  // ---- messages and the network indicator -------------------------------------------------------
  const msg = document.getElementById("term-msg");
  let msgTimer = null;
  function say(text, bad) {
    msg.textContent = text;
    msg.hidden = false;
    msg.classList.toggle("is-bad", !!bad);
    clearTimeout(msgTimer);
    msgTimer = setTimeout(() => { msg.hidden = true; }, bad ? 8000 : 2500);
  }
  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, k) => String(values[k]));
  }
  function setOnline(value) {
    online = value;
    const net = document.getElementById("net");
    net.classList.toggle("net-online", value);
    net.classList.toggle("net-offline", !value);
    document.getElementById("net-text").textContent = value ? T.online : T.offline;
  }
  async function showPending() {
    const n = (await queued()).length;
    const el = document.getElementById("net-pending");
    el.hidden = n === 0;
    el.textContent = fmt(T.pending, { num: n });
    root.dataset.pending = String(n);
    return n;
  }

  // ---- posting --------------------------------------------------------------------------------------
  async function flush() {
    if (flushing) return;
    flushing = true;
    let changed = false;
    try {
      for (;;) {
        const items = await queued();
        if (!items.length) break;
        const item = items[0];
        let resp;
        try {
          resp = await fetch("/api/v1/events", {
            method: "POST",
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/json",
              Accept: "application/json",
              "X-Requested-With": "jejo-terminal",
            },
            body: JSON.stringify(item.event),
          });
        } catch (err) {
          setOnline(false); // no answer: keep it, try again later with the same idempotency key
          break;
        }
        setOnline(true);
        if (resp.status === 401) {
          window.location.href = "/login?next=" + encodeURIComponent(location.pathname + location.search);
          break;
        }
        if (resp.ok) { // 201 stored, or 200: the server already had it (a post whose answer was lost)
          await forget(item.n);
          // counts were shown at once on the page; a status or a stop reason changes the queue: re-read it
          if (item.event.type !== "quantity.reported" && item.event.type !== "part.scanned") changed = true;
          continue;
        }
        if (resp.status >= 500 || resp.status === 408 || resp.status === 429) break; // later
        let reason = String(resp.status);
        try {
          const problem = await resp.json();
          reason = problem.detail || problem.title || reason;
        } catch (e) { /* not JSON */ }
        await forget(item.n); // refused for good (e.g. the order was put on hold meanwhile): say so
        changed = true;
        say(fmt(T.rejected, { reason }), true);
      }
    } finally {
      flushing = false;
      const left = await showPending();
      if (changed && left === 0) await refresh();
    }
  }

  async function enqueue(type, payload, workOrder, occurredAt) {
    const event = {
      type,
      payload,
      idempotency_key: uuid(),
      occurred_at: occurredAt || new Date().toISOString(),
      source: `terminal:${wc}`,
    };
    if (workOrder) event.work_order = workOrder;
    await enqueueRaw({ event, queued_at: Date.now() });
    await showPending();
    flush();
  }

  // ---- the page ---------------------------------------------------------------------------------------
  const panel = () => document.getElementById("op-panel");

  async function refresh(wo, seq) {
    const p = panel();
    const params = new URLSearchParams();
    const w = wo || (p && p.dataset.wo);
    const s = seq || (p && p.dataset.seq);
    if (w && s) { params.set("wo", w); params.set("seq", s); }
    try {
      const resp = await fetch(`/terminal/${encodeURIComponent(wc)}/body?${params}`, {
        credentials: "same-origin",
        headers: { "HX-Request": "true" },
      });
      if (resp.ok) {
        document.getElementById("term-body").innerHTML = await resp.text();
        if (w && s) history.replaceState(null, "", `/terminal/${encodeURIComponent(wc)}?${params}`);
        root.dataset.refreshed = String(Date.now());
      }
    } catch (e) { setOnline(false); }
  }

  function setStatus(status) {
    const p = panel();
    p.dataset.status = status;
    const badge = document.getElementById("op-status");
    badge.className = `badge badge-lg op-${status}`;
    badge.textContent = T.status[status] || status;
  }
  function bump(id, by) {
    const el = document.getElementById(id);
    const now = parseFloat(el.textContent.replace(/[^0-9.-]/g, "")) || 0;
    el.textContent = (now + by).toLocaleString();
  }
  function setQty(value) {
    qty = Math.max(1, Math.min(9999, value));
    const out = document.getElementById("qty");
    if (out) out.textContent = String(qty);
  }

  const OP_EVENTS = {
    start: ["operation.started", "running"],
    pause: ["operation.paused", "paused"],
    resume: ["operation.resumed", "running"],
    complete: ["operation.completed", "completed"],
  };

  async function act(button) {
    const action = button.dataset.action;
    const p = panel();
    if (action === "camera") return startCamera();
    if (action === "camera-stop") return stopCamera();
    if (action === "downtime") {
      // the stop keeps its start time; the event classifies it with the reason the operator chose
      await enqueue(
        "machine.state_changed",
        { equipment: button.dataset.equipment, state: "down", reason_code: button.dataset.reason },
        null,
        button.dataset.since || undefined,
      );
      button.closest(".reason-grid").querySelectorAll(".is-chosen").forEach((b) => b.classList.remove("is-chosen"));
      button.classList.add("is-chosen");
      say(T.downtime_sent);
      return;
    }
    if (!p) { say(T.pick_first, true); return; }
    const seq = parseInt(p.dataset.seq, 10);
    const wo = p.dataset.wo;
    const equipment = p.dataset.equipment || undefined;
    if (action === "qty-plus") return setQty(qty + 1);
    if (action === "qty-minus") return setQty(qty - 1);
    if (action === "qty-set") return setQty(parseInt(button.dataset.qty, 10));
    if (OP_EVENTS[action]) {
      const [type, status] = OP_EVENTS[action];
      const payload = { seq };
      if (equipment && action !== "pause") payload.equipment = equipment;
      setStatus(status);
      await enqueue(type, payload, wo);
      return;
    }
    if (action === "good" || action === "scrap") {
      const payload = { seq, [action]: qty };
      if (equipment) payload.equipment = equipment;
      if (action === "scrap") payload.reason_code = button.dataset.reason;
      bump(action === "good" ? "count-good" : "count-scrap", qty);
      const n = qty;
      setQty(1);
      await enqueue("quantity.reported", payload, wo);
      say(`${action === "good" ? T.good : T.scrap} +${n}`);
    }
  }

  root.addEventListener("click", (ev) => {
    const button = ev.target.closest("button[data-action]");
    if (button && root.contains(button)) {
      ev.preventDefault();
      button.disabled = true; // one press, one event: a double tap of a glove does not count twice
      act(button).finally(() => setTimeout(() => { button.disabled = false; }, 350));
      return;
    }
    const link = ev.target.closest("a.queue-item");
    if (link) {
      ev.preventDefault();
      if (!online) { say(T.offline_nav, true); return; }
      refresh(link.dataset.wo, link.dataset.seq);
    }
  });

  // ---- scanning: a keyboard-wedge scanner types the code and Enter; or the tablet's camera ----------
  function handleScan(raw) {
    const code = raw.trim();
    if (!code) return;
    // a work-order sheet carries the order's code, and "<order>/<seq>" for each operation
    const items = Array.from(document.querySelectorAll("a.queue-item"));
    const find = (wo, seq) => items.find((a) => a.dataset.wo === wo && (!seq || a.dataset.seq === seq));
    const cut = code.lastIndexOf("/");
    const opCode = cut > 0 && /^\d+$/.test(code.slice(cut + 1));
    const match = (opCode && find(code.slice(0, cut), code.slice(cut + 1))) || find(code, null);
    if (match) { refresh(match.dataset.wo, match.dataset.seq); say(fmt(T.scanned, { code })); return; }
    const p = panel();
    enqueue("part.scanned", { part_id: code.slice(0, 64), station: wc }, p ? p.dataset.wo : null);
    say(fmt(T.scanned, { code }));
  }
  document.getElementById("scan-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const input = document.getElementById("scan-input");
    handleScan(input.value);
    input.value = "";
    input.focus();
  });

  let cameraControls = null;
  async function startCamera() {
    if (!window.ZXingBrowser || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say(T.no_camera, true);
      return;
    }
    const box = document.getElementById("camera");
    box.hidden = false;
    try {
      const reader = new window.ZXingBrowser.BrowserMultiFormatReader();
      cameraControls = await reader.decodeFromVideoDevice(undefined, document.getElementById("camera-video"),
        (result, err, controls) => {
          if (result) {
            controls.stop();
            box.hidden = true;
            handleScan(result.getText());
          }
        });
    } catch (e) {
      box.hidden = true;
      say(T.no_camera, true);
    }
  }
  function stopCamera() {
    if (cameraControls) cameraControls.stop();
    cameraControls = null;
    document.getElementById("camera").hidden = true;
  }

  window.addEventListener("online", () => { setOnline(true); flush(); });
  window.addEventListener("offline", () => setOnline(false));
  setInterval(() => { if (root.dataset.pending !== "0") flush(); }, RETRY_MS);
  setOnline(navigator.onLine);
  showPending().then((n) => { if (n) flush(); });
  window.jejoTerminal = { flush, queued }; // for the browser tests and the curious
})();
