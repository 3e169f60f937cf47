/* jejo line board: the server pushes the re-rendered tiles over server-sent events; no page reloads.
 * EventSource reconnects by itself (the server asks for 3 s); the header shows when the link is lost. */
(() => {
  "use strict";
  const board = document.getElementById("board");
  if (!board || !window.EventSource) return;
  const tiles = document.getElementById("board-tiles");
  const conn = document.getElementById("board-conn");
  let updates = 0;
  const source = new EventSource(board.dataset.stream, { withCredentials: true });
  source.onmessage = (ev) => {
    const data = JSON.parse(ev.data);
    tiles.innerHTML = data.html;
    updates += 1;
    board.dataset.updates = String(updates);
    board.dataset.seq = String(data.seq);
    conn.textContent = conn.dataset.live;
    board.classList.remove("is-lost");
  };
  source.onerror = () => {
    conn.textContent = conn.dataset.lost;
    board.classList.add("is-lost");
  };
  window.addEventListener("pagehide", () => source.close());
})();
