// Switchboard chat: talking to the server (docs/CHAT_PROTOCOL.md). HTTP account calls, the stored
// token, and socket calls with acknowledgements as promises. No DOM here.
(function (global) {
  "use strict";

  const TOKEN_KEY = "switchboard.token";

  /** A failed call: `code` is the contract's error code (or "network" / "timeout" / "disconnected"). */
  class ChatError extends Error {
    constructor(code, message, extra) {
      super(message || code);
      this.code = code;
      Object.assign(this, extra || {});
    }
  }

  const FALLBACK_TEXT = {
    bad_request: "The server did not accept that.",
    not_found: "That does not exist (any more).",
    forbidden: "You are not allowed to do that here.",
    conflict: "That already exists.",
    too_long: "That is too long.",
    rate_limited: "You are sending too fast.",
    unavailable: "The server cannot store that right now; it will be retried.",
    internal: "The server had a problem.",
    network: "Cannot reach the server.",
    timeout: "The server did not answer in time.",
    disconnected: "The connection dropped.",
    username_taken: "That username is taken.",
    bad_credentials: "Wrong username or password.",
  };

  /** The human text for an error reply (the server's message when it sent one). */
  function errorText(error) {
    if (error && typeof error.message === "string" && error.message && error.message !== error.code) return error.message;
    return FALLBACK_TEXT[error && error.code] || "Something went wrong.";
  }

  async function request(method, path, body, token) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    let response;
    try {
      response = await fetch(path, {
        method, headers, cache: "no-store", credentials: "omit",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (_) {
      throw new ChatError("network", FALLBACK_TEXT.network);
    }
    let data = null;
    try { data = await response.json(); } catch (_) { data = null; }
    if (!response.ok) {
      const error = (data && data.error) || {};
      const code = typeof error.code === "string" ? error.code : "http_" + response.status;
      const message = typeof error.message === "string" && error.message ? error.message
        : FALLBACK_TEXT[code] || "The server answered " + response.status + ".";
      throw new ChatError(code, message, { status: response.status });
    }
    return data || {};
  }

  const accounts = {
    /** POST /api/register → {token, user}. */
    register(username, password, displayName) {
      const body = { username, password };
      if (displayName) body.displayName = displayName;
      return request("POST", "/api/register", body);
    },
    /** POST /api/login → {token, user}. */
    login(username, password) { return request("POST", "/api/login", { username, password }); },
    /** GET /api/me → {user}. */
    me(token) { return request("GET", "/api/me", undefined, token); },
  };

  const tokenStore = {
    get() { try { return global.localStorage.getItem(TOKEN_KEY); } catch (_) { return null; } },
    set(token) { try { global.localStorage.setItem(TOKEN_KEY, token); } catch (_) { /* private mode */ } },
    clear() { try { global.localStorage.removeItem(TOKEN_KEY); } catch (_) { /* private mode */ } },
  };

  /** A fresh client message id (UUID v4 form), also outside secure contexts. */
  function newClientMessageId() {
    if (global.crypto && typeof global.crypto.randomUUID === "function") return global.crypto.randomUUID();
    const bytes = new Uint8Array(16);
    global.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /**
   * Emits `event` with `payload` and resolves with the `{ok: true, ...}` reply; rejects with a ChatError
   * for `{ok: false}` replies, a timeout or a dropped connection. Never buffers while disconnected.
   */
  function call(socket, event, payload, timeoutMs) {
    return new Promise((resolve, reject) => {
      if (!socket || !socket.connected) return reject(new ChatError("disconnected", FALLBACK_TEXT.disconnected));
      const args = payload === undefined ? [] : [payload];
      socket.timeout(timeoutMs || 8000).emit(event, ...args, (err, reply) => {
        if (err) {
          const code = /disconnected/.test(String(err.message)) ? "disconnected" : "timeout";
          return reject(new ChatError(code, FALLBACK_TEXT[code]));
        }
        if (reply && reply.ok === true) return resolve(reply);
        const error = (reply && reply.error) || {};
        const code = typeof error.code === "string" ? error.code : "internal";
        const extra = typeof error.retryAfterMs === "number" ? { retryAfterMs: error.retryAfterMs }
          : typeof (reply && reply.retryAfterMs) === "number" ? { retryAfterMs: reply.retryAfterMs } : {};
        reject(new ChatError(code, typeof error.message === "string" && error.message ? error.message : FALLBACK_TEXT[code], extra));
      });
    });
  }

  global.SwitchboardApi = { ChatError, accounts, tokenStore, call, newClientMessageId, errorText };
})(window);
