// Switchboard operations dashboard: namespace `/admin` (docs/CHAT_PROTOCOL.md) emits `stats` once a
// second; this page keeps the last five minutes and draws them on <canvas> (no libraries).
(function (global) {
  "use strict";

  const document = global.document;
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = "switchboard.adminToken";
  const WINDOW_MS = 5 * 60 * 1000;

  const ui = {
    status: $("status"), account: $("account"), signOut: $("sign-out"), auth: $("auth"), form: $("token-form"),
    token: $("token"), error: $("token-error"), submit: $("token-submit"), dashboard: $("dashboard"),
  };

  const samples = [];   // { t, ...stats }
  let socket = null;

  const charts = [
    { canvas: "chart-connections", now: "now-connections", series: [["connections", "Connections", "--accent"], ["sockets", "Sockets", "--ok"]] },
    { canvas: "chart-messages", now: "now-messages", whole: false, series: [["messagesPerSecond", "Messages/s", "--accent"]] },
    { canvas: "chart-lag", now: "now-lag", series: [["backupLagMessages", "Messages", "--warn"]] },
    { canvas: "chart-rooms", now: "now-rooms", series: [["rooms", "Rooms", "--accent"], ["users", "Users", "--ok"]] },
    { canvas: "chart-rss", now: "now-rss", whole: false, series: [["rssMiB", "RSS MiB", "--bad"]] },
  ];

  function setStatus(state, text) {
    ui.status.dataset.state = state;
    ui.status.textContent = text;
  }

  function showError(text) {
    ui.error.textContent = text || "";
    ui.error.hidden = !text;
  }

  const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  const tick = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

  function number(value, format) {
    return typeof value === "number" && isFinite(value) ? (format || integer).format(value) : "–";
  }

  function bytes(value) {
    if (typeof value !== "number" || !isFinite(value)) return "–";
    const units = ["B", "KiB", "MiB", "GiB"];
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
    return decimal.format(value) + " " + units[unit];
  }

  function ago(ms) {
    if (typeof ms !== "number" || !isFinite(ms)) return "never";
    const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000));
    return seconds < 60 ? seconds + " s ago" : Math.round(seconds / 60) + " min ago";
  }

  function renderNumbers(stats) {
    const set = (id, text) => { $(id).textContent = text; };
    set("stat-connections", number(stats.connections));
    set("stat-sockets", number(stats.sockets));
    set("stat-users", number(stats.users));
    set("stat-rooms", number(stats.rooms));
    set("stat-messagesPerSecond", number(stats.messagesPerSecond, decimal));
    set("stat-messagesTotal", number(stats.messagesTotal));
    set("stat-backupLag", number(stats.backupLagMessages) + " msgs · " + number(stats.backupLagSeconds, decimal) + " s");
    set("stat-lastBackupAt", ago(stats.lastBackupAt));
    set("stat-rss", bytes(stats.rssBytes));
    set("stat-updated", new Date(typeof stats.t === "number" ? stats.t : Date.now()).toLocaleTimeString());
  }

  function cssColor(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
  }

  /** A round tick step (1, 2, 2.5 or 5 × 10ⁿ) so that four steps cover `value`; whole numbers for counts. */
  function tickStep(value, whole) {
    if (!(value > 0)) return whole ? 1 : 0.25;
    const raw = value / 4;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    let step = 10 * power;
    for (const factor of [1, 2, 2.5, 5]) if (factor * power >= raw) { step = factor * power; break; }
    return whole ? Math.max(1, Math.ceil(step)) : step;
  }

  /** Draws one chart: the series over the last five minutes, a 0-based y axis and a legend. */
  function draw(chart) {
    const canvas = $(chart.canvas);
    const ratio = global.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    if (!width || !height) return;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    const g = canvas.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);
    const fg = cssColor("--muted"), line = cssColor("--line");
    const left = 44, right = 8, top = 18, bottom = 18;
    const plotW = width - left - right, plotH = height - top - bottom;
    const now = samples.length ? samples[samples.length - 1].t : Date.now();
    // The x axis grows with the data from one minute up to five, so a fresh dashboard is not a sliver.
    const span = Math.min(WINDOW_MS, Math.max(60000, samples.length ? now - samples[0].t : 0));
    const start = now - span;
    let max = 0;
    for (const sample of samples) for (const [key] of chart.series) if (typeof sample[key] === "number") max = Math.max(max, sample[key]);
    const step = tickStep(max, chart.whole !== false);
    max = step * 4;
    g.font = "11px system-ui, sans-serif";
    g.lineWidth = 1;
    g.textBaseline = "middle";
    for (let i = 0; i <= 4; i += 1) {
      const y = top + plotH - (plotH * i) / 4;
      g.strokeStyle = line;
      g.beginPath(); g.moveTo(left, Math.round(y) + 0.5); g.lineTo(left + plotW, Math.round(y) + 0.5); g.stroke();
      g.fillStyle = fg;
      g.textAlign = "right";
      g.fillText(tick.format(step * i), left - 6, y);
    }
    g.textAlign = "left";
    g.textBaseline = "alphabetic";
    g.fillText(span >= 120000 ? "−" + Math.round(span / 60000) + " min" : "−" + Math.round(span / 1000) + " s", left, height - 4);
    g.textAlign = "right";
    g.fillText("now", left + plotW, height - 4);
    let legendX = left;
    chart.series.forEach(([key, label, color]) => {
      const stroke = cssColor(color);
      g.strokeStyle = stroke;
      g.lineWidth = 2;
      g.beginPath();
      let started = false;
      for (const sample of samples) {
        const value = sample[key];
        if (typeof value !== "number" || sample.t < start) continue;
        const x = left + ((sample.t - start) / span) * plotW;
        const y = top + plotH - (value / max) * plotH;
        if (started) g.lineTo(x, y); else { g.moveTo(x, y); started = true; }
      }
      g.stroke();
      g.fillStyle = stroke;
      g.fillRect(legendX, 4, 10, 4);
      g.fillStyle = fg;
      g.textAlign = "left";
      g.textBaseline = "middle";
      g.fillText(label, legendX + 14, 7);
      legendX += 24 + g.measureText(label).width;
    });
    const last = samples[samples.length - 1];
    if (last) $(chart.now).textContent = chart.series.map(([key]) => number(last[key], decimal)).join(" / ");
  }

  function drawAll() { charts.forEach(draw); }

  function onStats(stats) {
    if (!stats || typeof stats !== "object") return;
    const sample = Object.assign({}, stats, { t: typeof stats.t === "number" ? stats.t : Date.now() });
    if (typeof stats.rssBytes === "number") sample.rssMiB = stats.rssBytes / 1048576;
    samples.push(sample);
    while (samples.length && samples[0].t < sample.t - WINDOW_MS) samples.shift();
    renderNumbers(stats);
    drawAll();
  }

  function showForm(message) {
    ui.dashboard.hidden = true;
    ui.account.hidden = true;
    ui.auth.hidden = false;
    showError(message);
    ui.token.focus();
  }

  function connect(token) {
    if (socket) { socket.off(); socket.io.off(); socket.disconnect(); }
    setStatus("connecting", "Connecting…");
    socket = global.io("/admin", { auth: { token }, reconnectionDelay: 500, reconnectionDelayMax: 4000 });
    socket.on("connect", () => {
      setStatus("online", "Live");
      try { global.sessionStorage.setItem(TOKEN_KEY, token); } catch (_) { /* private mode */ }
      ui.auth.hidden = true;
      ui.dashboard.hidden = false;
      ui.account.hidden = false;
      showError("");
      drawAll();
    });
    socket.on("connect_error", (error) => {
      if (socket.active) return setStatus("reconnecting", "Cannot reach the server — retrying…");
      const code = error && error.data && error.data.code;
      try { global.sessionStorage.removeItem(TOKEN_KEY); } catch (_) { /* private mode */ }
      setStatus("offline", "Refused");
      showForm(code === "admin_disabled"
        ? "The dashboard is disabled on this server (start it with --admin-token)."
        : "Refused: " + ((error && error.message) || "wrong admin token") + (code ? " (" + code + ")" : ""));
    });
    socket.on("disconnect", (reason) => {
      if (reason === "io client disconnect") setStatus("offline", "Not connected");
      else setStatus("reconnecting", "Connection lost — reconnecting…");
    });
    socket.io.on("reconnect_attempt", (attempt) => setStatus("reconnecting", "Reconnecting (attempt " + attempt + ")…"));
    socket.on("stats", onStats);
  }

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = ui.token.value;
    if (!token) return showError("Enter the admin token.");
    showError("");
    connect(token);
  });
  ui.signOut.addEventListener("click", () => {
    try { global.sessionStorage.removeItem(TOKEN_KEY); } catch (_) { /* private mode */ }
    if (socket) { socket.off(); socket.io.off(); socket.disconnect(); socket = null; }
    ui.token.value = "";
    setStatus("offline", "Not connected");
    showForm("");
  });
  global.addEventListener("resize", drawAll);

  let stored = null;
  try { stored = global.sessionStorage.getItem(TOKEN_KEY); } catch (_) { stored = null; }
  if (stored) connect(stored);
})(window);
