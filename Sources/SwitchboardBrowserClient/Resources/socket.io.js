/*!
 * Switchboard browser client: a dependency-free Socket.IO v5 / Engine.IO v4 client.
 * API-compatible with the commonly used parts of socket.io-client 4.x:
 *   const socket = io(url?, opts?); socket.on / emit / timeout / emitWithAck / volatile ...
 * Layers, bottom-up: Emitter, Engine.IO codec, transports (polling, websocket), EngineSocket,
 * Socket.IO codec, Manager (one engine connection, reconnection), Socket (one namespace), io().
 */
(function (root) {
  "use strict";

  // ---------------------------------------------------------------- Emitter

  /** Minimal event emitter: on/once/off/emit/listeners/hasListeners. */
  class Emitter {
    on(event, fn) {
      this._callbacks = this._callbacks || new Map();
      if (!this._callbacks.has(event)) this._callbacks.set(event, []);
      this._callbacks.get(event).push(fn);
      return this;
    }
    addEventListener(event, fn) { return this.on(event, fn); }
    once(event, fn) {
      const wrapper = (...args) => { this.off(event, wrapper); fn.apply(this, args); };
      wrapper.fn = fn;
      return this.on(event, wrapper);
    }
    off(event, fn) {
      if (!this._callbacks) return this;
      if (event === undefined) { this._callbacks.clear(); return this; }
      if (fn === undefined) { this._callbacks.delete(event); return this; }
      const list = this._callbacks.get(event);
      if (list) {
        const index = list.findIndex((cb) => cb === fn || cb.fn === fn);
        if (index !== -1) list.splice(index, 1);
        if (list.length === 0) this._callbacks.delete(event);
      }
      return this;
    }
    removeListener(event, fn) { return this.off(event, fn); }
    removeAllListeners(event) { return this.off(event); }
    removeEventListener(event, fn) { return this.off(event, fn); }
    emit(event, ...args) {
      const list = this._callbacks && this._callbacks.get(event);
      if (list) for (const cb of list.slice()) cb.apply(this, args);
      return this;
    }
    /** Emits a local event (used by Socket, whose `emit` sends to the server). */
    emitReserved(event, ...args) { return Emitter.prototype.emit.call(this, event, ...args); }
    listeners(event) { return (this._callbacks && this._callbacks.get(event)) || []; }
    hasListeners(event) { return this.listeners(event).length > 0; }
  }

  /** Subscribes and returns the function that unsubscribes. */
  function on(target, event, fn) {
    target.on(event, fn);
    return () => target.off(event, fn);
  }

  // ---------------------------------------------------------------- binary helpers

  const hasBlob = typeof Blob === "function";
  const hasFile = typeof File === "function";

  function isBinary(value) {
    return value instanceof ArrayBuffer || ArrayBuffer.isView(value) ||
      (hasBlob && value instanceof Blob) || (hasFile && value instanceof File);
  }

  function hasBinary(value) {
    if (!value || typeof value !== "object") return false;
    if (isBinary(value)) return true;
    if (Array.isArray(value)) return value.some((item) => hasBinary(item));
    return Object.keys(value).some((key) => hasBinary(value[key]));
  }

  /** Bytes a packet takes in a polling payload (UTF-8 text, base64 binary, plus the separator). */
  function payloadLength(packet) {
    const data = packet.data;
    if (isBinary(data)) return 1 + Math.ceil((data.byteLength !== undefined ? data.byteLength : data.size) / 3) * 4 + 1;
    let length = 2;
    if (typeof data === "string") {
      for (let i = 0; i < data.length; i++) {
        const code = data.charCodeAt(i);
        if (code < 0x80) length += 1;
        else if (code < 0x800) length += 2;
        else if (code >= 0xd800 && code < 0xdc00) { length += 4; i++; }
        else length += 3;
      }
    }
    return length;
  }

  function toBytes(value) {
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }

  function encodeBase64(value) {
    const bytes = toBytes(value);
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  }

  function decodeBase64(text) {
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  // ---------------------------------------------------------------- Engine.IO codec

  const EIO_TYPES = ["open", "close", "ping", "pong", "message", "upgrade", "noop"];
  const SEPARATOR = "\x1e";

  /** Encodes for WebSocket: strings as `<type><data>`, binary messages as raw frames. */
  function encodeEnginePacket(packet) {
    if (packet.type === "message" && isBinary(packet.data)) return packet.data;
    return String(EIO_TYPES.indexOf(packet.type)) + (packet.data === undefined ? "" : packet.data);
  }

  /** Encodes for polling: binary as `b<base64>` (Blobs are read first, hence async). */
  async function encodeEnginePacketAsText(packet) {
    if (packet.type === "message" && isBinary(packet.data)) {
      let data = packet.data;
      if (hasBlob && data instanceof Blob) data = await data.arrayBuffer();
      return "b" + encodeBase64(data);
    }
    return encodeEnginePacket(packet);
  }

  function decodeEnginePacket(data) {
    if (typeof data !== "string") return { type: "message", data };
    if (data.charAt(0) === "b") return { type: "message", data: decodeBase64(data.slice(1)) };
    const type = EIO_TYPES[Number(data.charAt(0))];
    if (!type || data.length === 0) return { type: "error", data: "parser error" };
    return data.length > 1 ? { type, data: data.slice(1) } : { type };
  }

  // ---------------------------------------------------------------- transports

  function transportError(message, description) {
    const error = new Error(message);
    error.type = "TransportError";
    error.description = description;
    return error;
  }

  function encodeQuery(query) {
    return Object.keys(query)
      .filter((key) => query[key] !== undefined && query[key] !== null)
      .map((key) => encodeURIComponent(key) + "=" + encodeURIComponent(query[key]))
      .join("&");
  }

  /** Base transport: state, events (`open`, `packet`, `drain`, `error`, `close`). */
  class Transport extends Emitter {
    constructor(opts) {
      super();
      this.opts = opts;
      this.sid = opts.sid;
      this.readyState = "";
      this.writable = false;
    }
    uri(scheme) {
      const query = Object.assign({}, this.opts.query, { EIO: 4, transport: this.name });
      if (this.sid) query.sid = this.sid;
      if (this.name === "polling") query.t = Date.now().toString(36) + Math.random().toString(36).slice(2, 6);
      const port = this.opts.port ? ":" + this.opts.port : "";
      return scheme + "://" + this.opts.hostname + port + this.opts.path + "?" + encodeQuery(query);
    }
    open() { this.readyState = "opening"; this.doOpen(); return this; }
    close() {
      if (this.readyState === "opening" || this.readyState === "open") {
        this.doClose();
        this.onClose();
      }
      return this;
    }
    send(packets) { if (this.readyState === "open") this.write(packets); }
    onOpen() { this.readyState = "open"; this.writable = true; this.emitReserved("open"); }
    onPacket(packet) { this.emitReserved("packet", packet); }
    onError(message, description) { this.emitReserved("error", transportError(message, description)); return this; }
    onClose(details) { this.readyState = "closed"; this.emitReserved("close", details); }
    pause(onPause) { onPause(); }
  }

  /** HTTP long-polling over fetch: one pending GET, one POST at a time. */
  class Polling extends Transport {
    get name() { return "polling"; }
    doOpen() { this.poll(); }
    request(method, body) {
      const headers = Object.assign({}, this.opts.extraHeaders);
      if (method === "POST") headers["Content-Type"] = "text/plain;charset=UTF-8";
      const controller = typeof AbortController === "function" ? new AbortController() : null;
      const promise = fetch(this.uri(this.opts.secure ? "https" : "http"), {
        method, body, headers, cache: "no-store",
        credentials: this.opts.withCredentials ? "include" : "same-origin",
        signal: controller ? controller.signal : undefined,
      }).then((response) => {
        if (response.status !== 200) throw transportError("xhr " + (method === "GET" ? "poll" : "post") + " error", response.status);
        return response.text();
      });
      return { promise, controller };
    }
    poll() {
      this.polling = true;
      const request = this.request("GET");
      this.pollRequest = request;
      request.promise.then((text) => {
        this.pollRequest = null;
        if (this.readyState === "closed") return;
        this.onData(text);
      }, (error) => {
        this.pollRequest = null;
        if (this.readyState === "closed") return;
        this.emitReserved("error", error.type === "TransportError" ? error : transportError("xhr poll error", error));
      });
    }
    onData(text) {
      for (const raw of text.split(SEPARATOR)) {
        const packet = decodeEnginePacket(raw);
        if (this.readyState === "opening" && packet.type === "open") this.onOpen();
        if (packet.type === "close") { this.onClose({ description: "transport closed by the server" }); return; }
        this.onPacket(packet);
      }
      if (this.readyState === "closed") return;
      this.polling = false;
      this.emitReserved("pollComplete");
      if (this.readyState === "open") this.poll();
    }
    write(packets) {
      this.writable = false;
      Promise.all(packets.map(encodeEnginePacketAsText)).then((encoded) => {
        const request = this.request("POST", encoded.join(SEPARATOR));
        return request.promise;
      }).then(() => {
        this.writable = true;
        this.emitReserved("drain");
      }, (error) => {
        if (this.readyState !== "closed") this.emitReserved("error", transportError("xhr post error", error));
      });
    }
    pause(onPause) {
      this.readyState = "pausing";
      const paused = () => { this.readyState = "paused"; onPause(); };
      let pending = 0;
      const done = () => { if (--pending === 0) paused(); };
      if (this.polling) { pending++; this.once("pollComplete", done); }
      if (!this.writable) { pending++; this.once("drain", done); }
      if (pending === 0) paused();
    }
    doClose() {
      const abort = () => { if (this.pollRequest && this.pollRequest.controller) this.pollRequest.controller.abort(); };
      if (this.readyState === "open") {
        encodeEnginePacketAsText({ type: "close" }).then((body) => this.request("POST", body).promise)
          .catch(() => {}).then(abort);
      } else {
        abort();
      }
    }
  }

  /** WebSocket transport: one Engine.IO packet per frame, binary as raw frames. */
  class WS extends Transport {
    get name() { return "websocket"; }
    doOpen() {
      // Errors are reported on a later tick, once the engine and the manager listen.
      const Impl = this.opts.WebSocket || root.WebSocket;
      if (typeof Impl !== "function") {
        setTimeout(() => this.onError("websocket error", "WebSocket is not available"), 0);
        return;
      }
      try {
        this.ws = new Impl(this.uri(this.opts.secure ? "wss" : "ws"));
      } catch (error) {
        setTimeout(() => this.onError("websocket error", error), 0);
        return;
      }
      this.ws.binaryType = "arraybuffer";
      this.ws.onopen = () => this.onOpen();
      this.ws.onclose = (event) => this.onClose({ description: "websocket connection closed", context: event });
      this.ws.onmessage = (event) => this.onPacket(decodeEnginePacket(event.data));
      this.ws.onerror = (event) => this.onError("websocket error", event);
    }
    write(packets) {
      for (const packet of packets) {
        try { this.ws.send(encodeEnginePacket(packet)); } catch (error) { /* the close event follows */ }
      }
      this.emitReserved("drain");
    }
    doClose() {
      if (this.ws) {
        this.ws.onclose = this.ws.onmessage = this.ws.onerror = null;
        this.ws.onopen = null;
        try { this.ws.close(); } catch (error) { /* already closed */ }
        this.ws = null;
      }
    }
  }

  const TRANSPORTS = { polling: Polling, websocket: WS };

  // ---------------------------------------------------------------- Engine.IO socket

  /**
   * One Engine.IO session: handshake, heartbeat watchdog, write buffer, upgrade probe.
   * Events: open, handshake, message/data, ping, upgrading, upgrade, upgradeError, drain, error, close.
   */
  class EngineSocket extends Emitter {
    constructor(opts) {
      super();
      this.opts = opts;
      this.transports = opts.transports;
      this.readyState = "opening";
      this.writeBuffer = [];
      this.prevBufferLen = 0;
      this.upgrading = false;
      this.id = null;
      this.setTransport(this.createTransport(this.transports[0]));
      this.transport.open();
    }
    createTransport(name, sid) {
      const Impl = TRANSPORTS[name];
      return new Impl(Object.assign({}, this.opts, { sid: sid }));
    }
    setTransport(transport) {
      if (this.transport) this.transport.removeAllListeners();
      this.transport = transport;
      transport.on("drain", () => this.onDrain());
      transport.on("packet", (packet) => this.onPacket(packet));
      transport.on("error", (error) => this.onError(error));
      transport.on("close", (details) => this.onClose("transport close", details));
    }
    onPacket(packet) {
      if (this.readyState !== "opening" && this.readyState !== "open" && this.readyState !== "closing") return;
      switch (packet.type) {
        case "open": {
          let handshake;
          try { handshake = JSON.parse(packet.data); } catch (error) { this.onError(transportError("parser error", error)); return; }
          this.onHandshake(handshake);
          break;
        }
        case "ping":
          this.resetPingTimeout();
          this.sendPacket("pong");
          this.emitReserved("ping");
          break;
        case "message":
          this.emitReserved("data", packet.data);
          this.emitReserved("message", packet.data);
          break;
        case "error":
          this.onError(transportError("parser error", packet.data));
          break;
        default:
          break; // pong, upgrade and noop carry nothing for us
      }
    }
    onHandshake(handshake) {
      this.emitReserved("handshake", handshake);
      this.id = handshake.sid;
      this.transport.sid = handshake.sid;
      this.upgrades = (handshake.upgrades || []).filter((name) => this.transports.includes(name));
      this.pingInterval = handshake.pingInterval;
      this.pingTimeout = handshake.pingTimeout;
      this.maxPayload = handshake.maxPayload;
      this.readyState = "open";
      this.emitReserved("open");
      this.flush();
      if (this.readyState !== "open") return;
      this.resetPingTimeout();
      if (this.opts.upgrade !== false && this.transport.name === "polling") {
        for (const name of this.upgrades) this.probe(name);
      }
    }
    /** The server pings every pingInterval; silence for pingInterval + pingTimeout means a dead link. */
    resetPingTimeout() {
      clearTimeout(this.pingTimer);
      this.pingTimer = setTimeout(() => this.onClose("ping timeout"), this.pingInterval + this.pingTimeout);
    }
    probe(name) {
      let transport = this.createTransport(name, this.id);
      let failed = false;
      const fail = (error) => {
        if (failed) return;
        failed = true;
        cleanup();
        if (transport) { transport.close(); transport = null; }
        this.upgrading = false;
        this.emitReserved("upgradeError", error);
        this.flush();
      };
      const onOpen = () => {
        if (failed) return;
        transport.send([{ type: "ping", data: "probe" }]);
        transport.once("packet", (packet) => {
          if (failed) return;
          if (packet.type !== "pong" || packet.data !== "probe") { fail(transportError("probe error", transport.name)); return; }
          this.upgrading = true;
          this.emitReserved("upgrading", transport);
          this.transport.pause(() => {
            if (failed || this.readyState === "closed") return;
            cleanup();
            this.setTransport(transport);
            transport.send([{ type: "upgrade" }]);
            this.emitReserved("upgrade", transport);
            transport = null;
            this.upgrading = false;
            this.flush();
          });
        });
      };
      const onError = (error) => fail(transportError("probe error", error));
      const onClose = () => fail(transportError("transport closed"));
      const onEngineClose = () => fail(transportError("socket closed"));
      const cleanup = () => {
        transport.off("open", onOpen);
        transport.off("error", onError);
        transport.off("close", onClose);
        this.off("close", onEngineClose);
      };
      transport.once("open", onOpen);
      transport.once("error", onError);
      transport.once("close", onClose);
      this.once("close", onEngineClose);
      transport.open();
    }
    onDrain() {
      this.writeBuffer.splice(0, this.prevBufferLen);
      this.prevBufferLen = 0;
      if (this.writeBuffer.length === 0) this.emitReserved("drain");
      else this.flush();
    }
    flush() {
      if (this.readyState !== "closed" && this.transport.writable && !this.upgrading && this.writeBuffer.length) {
        const packets = this.writablePackets();
        this.prevBufferLen = packets.length;
        this.transport.send(packets);
      }
    }
    /** For polling, as many queued packets as fit in one payload of at most maxPayload bytes. */
    writablePackets() {
      if (this.transport.name !== "polling" || !this.maxPayload || this.writeBuffer.length === 1) {
        return this.writeBuffer.slice();
      }
      let size = 0;
      for (let i = 0; i < this.writeBuffer.length; i++) {
        size += payloadLength(this.writeBuffer[i]);
        if (i > 0 && size > this.maxPayload) return this.writeBuffer.slice(0, i);
      }
      return this.writeBuffer.slice();
    }
    /** Queues a message packet (string or binary). */
    write(data) { this.sendPacket("message", data); return this; }
    send(data) { return this.write(data); }
    sendPacket(type, data) {
      if (this.readyState === "closing" || this.readyState === "closed") return;
      this.writeBuffer.push({ type, data });
      this.flush();
    }
    close() {
      const close = () => { this.onClose("forced close"); };
      if (this.readyState === "opening" || this.readyState === "open") {
        this.readyState = "closing";
        if (this.writeBuffer.length && this.transport.readyState === "open") this.once("drain", close);
        else close();
      }
      return this;
    }
    onError(error) {
      this.emitReserved("error", error);
      this.onClose("transport error", error);
    }
    onClose(reason, description) {
      if (this.readyState !== "opening" && this.readyState !== "open" && this.readyState !== "closing") return;
      clearTimeout(this.pingTimer);
      const transport = this.transport;
      transport.removeAllListeners();
      transport.on("error", () => {});
      transport.close();
      this.readyState = "closed";
      this.id = null;
      this.emitReserved("close", reason, description);
      this.writeBuffer = [];
      this.prevBufferLen = 0;
    }
  }

  // ---------------------------------------------------------------- Socket.IO codec

  const PacketType = { CONNECT: 0, DISCONNECT: 1, EVENT: 2, ACK: 3, CONNECT_ERROR: 4, BINARY_EVENT: 5, BINARY_ACK: 6 };

  /** Replaces binary leaves by `{_placeholder:true,num:n}` and collects them. */
  function deconstruct(value, buffers) {
    if (isBinary(value)) {
      buffers.push(value);
      return { _placeholder: true, num: buffers.length - 1 };
    }
    if (Array.isArray(value)) return value.map((item) => deconstruct(item, buffers));
    if (value && typeof value === "object" && !(value instanceof Date)) {
      const out = {};
      for (const key of Object.keys(value)) out[key] = deconstruct(value[key], buffers);
      return out;
    }
    return value;
  }

  function reconstruct(value, buffers) {
    if (!value || typeof value !== "object") return value;
    if (value._placeholder === true) {
      if (typeof value.num === "number" && value.num >= 0 && value.num < buffers.length) return buffers[value.num];
      throw new Error("illegal attachments");
    }
    if (Array.isArray(value)) return value.map((item) => reconstruct(item, buffers));
    const out = {};
    for (const key of Object.keys(value)) out[key] = reconstruct(value[key], buffers);
    return out;
  }

  /** Encodes a packet as an array: the text part, then each binary attachment. */
  function encodeSocketPacket(packet) {
    let type = packet.type;
    let data = packet.data;
    const buffers = [];
    if ((type === PacketType.EVENT || type === PacketType.ACK) && hasBinary(data)) {
      type = type === PacketType.EVENT ? PacketType.BINARY_EVENT : PacketType.BINARY_ACK;
      data = deconstruct(data, buffers);
    }
    let text = String(type);
    if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) text += buffers.length + "-";
    if (packet.nsp && packet.nsp !== "/") text += packet.nsp + ",";
    if (packet.id !== undefined && packet.id !== null) text += packet.id;
    if (data !== undefined) text += JSON.stringify(data);
    return [text].concat(buffers);
  }

  function isObject(value) { return Object.prototype.toString.call(value) === "[object Object]"; }

  function isValidPayload(type, payload) {
    switch (type) {
      case PacketType.CONNECT: return payload === undefined || isObject(payload);
      case PacketType.DISCONNECT: return payload === undefined;
      case PacketType.CONNECT_ERROR: return typeof payload === "string" || isObject(payload);
      case PacketType.EVENT:
      case PacketType.BINARY_EVENT:
        return Array.isArray(payload) && (typeof payload[0] === "string" || typeof payload[0] === "number");
      case PacketType.ACK:
      case PacketType.BINARY_ACK:
        return Array.isArray(payload);
      default: return false;
    }
  }

  function decodeSocketPacketText(text) {
    let i = 0;
    const type = Number(text.charAt(0));
    if (!(type >= 0 && type <= 6) || text.length === 0) throw new Error("unknown packet type " + text.charAt(0));
    const packet = { type, nsp: "/" };
    if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) {
      const dash = text.indexOf("-", 1);
      const count = text.slice(1, dash);
      if (dash === -1 || !/^\d+$/.test(count)) throw new Error("illegal attachments");
      packet.attachments = Number(count);
      i = dash;
    }
    if (text.charAt(i + 1) === "/") {
      const comma = text.indexOf(",", i + 1);
      const end = comma === -1 ? text.length : comma;
      packet.nsp = text.slice(i + 1, end);
      i = end;
    }
    let digits = "";
    while (i + 1 < text.length && text.charAt(i + 1) >= "0" && text.charAt(i + 1) <= "9") digits += text.charAt(++i);
    if (digits) packet.id = Number(digits);
    if (i + 1 < text.length) {
      let payload;
      try { payload = JSON.parse(text.slice(i + 1)); } catch (error) { throw new Error("invalid payload"); }
      packet.data = payload;
    }
    if (!isValidPayload(type, packet.data)) throw new Error("invalid payload");
    return packet;
  }

  /** Turns engine messages into Socket.IO packets, collecting binary attachments. Emits `decoded`. */
  class Decoder extends Emitter {
    add(data) {
      if (typeof data === "string") {
        if (this.pending) throw new Error("got plaintext data when reconstructing a packet");
        const packet = decodeSocketPacketText(data);
        if (packet.attachments > 0) { this.pending = packet; this.buffers = []; }
        else this.finish(packet);
      } else if (isBinary(data)) {
        if (!this.pending) throw new Error("got binary data when not reconstructing a packet");
        this.buffers.push(data);
        if (this.buffers.length === this.pending.attachments) {
          const packet = this.pending;
          packet.data = reconstruct(packet.data, this.buffers);
          this.pending = null;
          this.buffers = null;
          this.finish(packet);
        }
      } else {
        throw new Error("unknown data type");
      }
    }
    finish(packet) {
      if (packet.type === PacketType.BINARY_EVENT) packet.type = PacketType.EVENT;
      if (packet.type === PacketType.BINARY_ACK) packet.type = PacketType.ACK;
      this.emitReserved("decoded", packet);
    }
    destroy() { this.pending = null; this.buffers = null; }
  }

  // ---------------------------------------------------------------- Manager

  /** Exponential backoff with jitter. */
  class Backoff {
    constructor(opts) {
      this.ms = opts.min; this.max = opts.max; this.factor = 2; this.jitter = opts.jitter; this.attempts = 0;
    }
    duration() {
      let ms = this.ms * Math.pow(this.factor, this.attempts++);
      if (this.jitter) {
        const random = Math.random();
        const deviation = Math.floor(random * this.jitter * ms);
        ms = (Math.floor(random * 10) & 1) === 0 ? ms - deviation : ms + deviation;
      }
      return Math.min(ms, this.max) | 0;
    }
    reset() { this.attempts = 0; }
  }

  /**
   * One Engine.IO connection shared by the namespaces (Sockets) of one server, with reconnection.
   * Events: open, close, error, ping, packet, reconnect_attempt, reconnect, reconnect_error, reconnect_failed.
   */
  class Manager extends Emitter {
    constructor(uri, opts) {
      super();
      if (uri && typeof uri === "object") { opts = uri; uri = undefined; }
      opts = Object.assign({}, opts);
      const target = parseUri(uri || "");
      this.uri = uri;
      this.opts = opts;
      this.engineOpts = {
        hostname: target.hostname,
        port: target.port,
        secure: target.secure,
        path: (opts.path || "/socket.io").replace(/\/$/, "") + "/",
        query: Object.assign({}, target.query, typeof opts.query === "string" ? parseQuery(opts.query) : opts.query),
        transports: opts.transports || ["polling", "websocket"],
        upgrade: opts.upgrade,
        withCredentials: opts.withCredentials,
        extraHeaders: opts.extraHeaders,
        WebSocket: opts.WebSocket,
      };
      this.nsps = {};
      this.subs = [];
      this.reconnection(opts.reconnection !== false);
      this.reconnectionAttempts(opts.reconnectionAttempts || Infinity);
      this.reconnectionDelay(opts.reconnectionDelay || 1000);
      this.reconnectionDelayMax(opts.reconnectionDelayMax || 5000);
      this.randomizationFactor(opts.randomizationFactor != null ? opts.randomizationFactor : 0.5);
      this.backoff = new Backoff({ min: this._reconnectionDelay, max: this._reconnectionDelayMax, jitter: this._randomizationFactor });
      this._timeout = opts.timeout == null ? 20000 : opts.timeout;
      this._readyState = "closed";
      this.decoder = new Decoder();
      this._autoConnect = opts.autoConnect !== false;
      if (this._autoConnect) this.open();
    }
    reconnection(value) { if (value === undefined) return this._reconnection; this._reconnection = !!value; return this; }
    reconnectionAttempts(value) { if (value === undefined) return this._reconnectionAttempts; this._reconnectionAttempts = value; return this; }
    reconnectionDelay(value) {
      if (value === undefined) return this._reconnectionDelay;
      this._reconnectionDelay = value; if (this.backoff) this.backoff.ms = value; return this;
    }
    reconnectionDelayMax(value) {
      if (value === undefined) return this._reconnectionDelayMax;
      this._reconnectionDelayMax = value; if (this.backoff) this.backoff.max = value; return this;
    }
    randomizationFactor(value) {
      if (value === undefined) return this._randomizationFactor;
      this._randomizationFactor = value; if (this.backoff) this.backoff.jitter = value; return this;
    }
    timeout(value) { if (value === undefined) return this._timeout; this._timeout = value; return this; }

    /** Opens the engine connection (no-op when open or opening); `callback(err?)` once settled. */
    open(callback) {
      if (this._readyState.indexOf("open") !== -1) return this;
      const engine = new EngineSocket(this.engineOpts);
      this.engine = engine;
      this._readyState = "opening";
      this.skipReconnect = false;
      // These subscriptions live in this.subs, so that onopen/onclose/cleanup end them.
      const openSub = on(engine, "open", () => {
        this.onopen();
        if (callback) callback();
      });
      const onError = (error) => {
        this.cleanup();
        this._readyState = "closed";
        this.emitReserved("error", error);
        if (callback) callback(error);
        else this.maybeReconnectOnOpen();
      };
      this.subs.push(openSub, on(engine, "error", onError));
      if (this._timeout !== false) {
        const timer = setTimeout(() => {
          openSub();
          onError(new Error("timeout"));
          engine.close();
        }, this._timeout);
        this.subs.push(() => clearTimeout(timer));
      }
      return this;
    }
    connect(callback) { return this.open(callback); }
    onopen() {
      this.cleanup();
      this._readyState = "open";
      this.emitReserved("open");
      const engine = this.engine;
      this.subs.push(
        on(engine, "ping", () => this.emitReserved("ping")),
        on(engine, "data", (data) => this.ondata(data)),
        on(engine, "error", (error) => this.emitReserved("error", error)),
        on(engine, "close", (reason, description) => this.onclose(reason, description)),
        on(this.decoder, "decoded", (packet) => this.emitReserved("packet", packet))
      );
    }
    ondata(data) {
      try { this.decoder.add(data); } catch (error) { this.onclose("parse error", error); }
    }
    maybeReconnectOnOpen() {
      if (!this._reconnecting && this._reconnection && this.backoff.attempts === 0) this.reconnect();
    }
    /** Returns the Socket for a namespace, creating it once. */
    socket(nsp, opts) {
      let socket = this.nsps[nsp];
      if (!socket) {
        socket = new Socket(this, nsp, opts);
        this.nsps[nsp] = socket;
      } else if (this._autoConnect && !socket.active) {
        socket.connect();
      }
      return socket;
    }
    /** Called by a Socket that disconnected: closes the engine once no Socket is active. */
    _destroy(socket) {
      for (const nsp of Object.keys(this.nsps)) {
        if (this.nsps[nsp].active) return;
      }
      this._close();
    }
    /** Encodes and writes one Socket.IO packet. */
    _packet(packet) {
      for (const part of encodeSocketPacket(packet)) this.engine.write(part);
    }
    cleanup() {
      this.subs.forEach((unsubscribe) => unsubscribe());
      this.subs.length = 0;
      this.decoder.destroy();
    }
    _close() {
      this.skipReconnect = true;
      this._reconnecting = false;
      clearTimeout(this.reconnectTimer);
      this.onclose("forced close");
    }
    disconnect() { return this._close(); }
    close() { return this._close(); }
    onclose(reason, description) {
      this.cleanup();
      const engine = this.engine;
      if (engine) engine.close();
      this.backoff.reset();
      this._readyState = "closed";
      this.emitReserved("close", reason, description);
      if (this._reconnection && !this.skipReconnect) this.reconnect();
    }
    reconnect() {
      if (this._reconnecting || this.skipReconnect) return;
      if (this.backoff.attempts >= this._reconnectionAttempts) {
        this.backoff.reset();
        this.emitReserved("reconnect_failed");
        this._reconnecting = false;
        return;
      }
      const delay = this.backoff.duration();
      this._reconnecting = true;
      this.reconnectTimer = setTimeout(() => {
        if (this.skipReconnect) return;
        this.emitReserved("reconnect_attempt", this.backoff.attempts);
        if (this.skipReconnect) return;
        this.open((error) => {
          if (error) {
            this._reconnecting = false;
            this.reconnect();
            this.emitReserved("reconnect_error", error);
          } else {
            const attempts = this.backoff.attempts;
            this._reconnecting = false;
            this.backoff.reset();
            this.emitReserved("reconnect", attempts);
          }
        });
      }, delay);
    }
  }

  // ---------------------------------------------------------------- Socket

  const RESERVED_EVENTS = new Set(["connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"]);

  /**
   * One namespace over a Manager. Local events: connect, connect_error(err), disconnect(reason),
   * plus every event the server emits.
   */
  class Socket extends Emitter {
    constructor(io, nsp, opts) {
      super();
      opts = opts || {};
      this.io = io;
      this.nsp = nsp;
      this.connected = false;
      this.recovered = false;
      this.receiveBuffer = [];
      this.sendBuffer = [];
      this.ids = 0;
      this.acks = {};
      this.flags = {};
      this._queue = [];
      this.auth = opts.auth;
      this._opts = Object.assign({}, opts);
      this._anyListeners = [];
      this._anyOutgoingListeners = [];
      if (this.io._autoConnect) this.open();
    }
    get disconnected() { return !this.connected; }
    get active() { return !!this.subs; }
    subEvents() {
      if (this.subs) return;
      const io = this.io;
      this.subs = [
        on(io, "open", () => this.onopen()),
        on(io, "packet", (packet) => this.onpacket(packet)),
        on(io, "error", (error) => this.onerror(error)),
        on(io, "close", (reason, description) => this.onclose(reason, description)),
      ];
    }
    /** Connects (or reconnects after `disconnect()`). */
    connect() {
      if (this.connected) return this;
      this.subEvents();
      if (!this.io._reconnecting) this.io.open();
      if (this.io._readyState === "open") this.onopen();
      return this;
    }
    open() { return this.connect(); }
    send(...args) { args.unshift("message"); this.emit.apply(this, args); return this; }

    /** Emits an event to the server; a function as last argument receives the acknowledgement. */
    emit(event, ...args) {
      if (RESERVED_EVENTS.has(event)) throw new Error('"' + String(event) + '" is a reserved event name');
      args.unshift(event);
      if (this._opts.retries && !this.flags.volatile) { this._addToQueue(args); return this; }
      const packet = { type: PacketType.EVENT, data: args };
      if (typeof args[args.length - 1] === "function") {
        const id = this.ids++;
        this._registerAckCallback(id, args.pop());
        packet.id = id;
      }
      const engine = this.io.engine;
      const writable = engine && engine.transport && engine.transport.writable && engine.readyState === "open";
      const discard = this.flags.volatile && (!writable || !this.connected);
      if (discard) {
        // volatile packets are dropped rather than buffered
      } else if (this.connected) {
        this._notifyOutgoing(packet);
        this.packet(packet);
      } else {
        this.sendBuffer.push(packet);
      }
      this.flags = {};
      return this;
    }
    _registerAckCallback(id, ack) {
      const timeout = this.flags.timeout !== undefined ? this.flags.timeout : this._opts.ackTimeout;
      if (timeout === undefined) { this.acks[id] = ack; return; }
      const timer = setTimeout(() => {
        delete this.acks[id];
        this.sendBuffer = this.sendBuffer.filter((packet) => packet.id !== id);
        ack.call(this, new Error("operation has timed out"));
      }, timeout);
      const wrapped = (...args) => { clearTimeout(timer); ack.apply(this, [null].concat(args)); };
      wrapped.withError = true;
      wrapped.cancel = () => clearTimeout(timer);
      this.acks[id] = wrapped;
    }
    /**
     * With `retries`: emits one packet at a time and sends it again, with the same ack id, until the
     * server acknowledges it or `retries` resends went unanswered within `ackTimeout` (at least once).
     */
    _addToQueue(args) {
      const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
      const timeout = this.flags.timeout !== undefined ? this.flags.timeout : this._opts.ackTimeout;
      this.flags = {};
      this._queue.push({ packet: { type: PacketType.EVENT, data: args, id: this.ids++ }, ack, timeout, tries: 0, pending: false });
      this._drainQueue(false);
    }
    _drainQueue(force) {
      if (!this.connected || this._queue.length === 0) return;
      const entry = this._queue[0];
      if (entry.pending && !force) return;
      entry.pending = true;
      entry.tries++;
      const id = entry.packet.id;
      let timer = null;
      const settle = (error, args) => {
        if (this._queue[0] !== entry) return;
        entry.pending = false;
        if (error && entry.tries <= this._opts.retries) return this._drainQueue(false);
        this._queue.shift();
        if (entry.ack) { if (error) entry.ack(error); else entry.ack(null, ...args); }
        this._drainQueue(false);
      };
      const answered = (...args) => { clearTimeout(timer); settle(null, args); };
      answered.queued = true;
      answered.cancel = () => clearTimeout(timer);
      if (entry.timeout !== undefined) {
        timer = setTimeout(() => { delete this.acks[id]; settle(new Error("operation has timed out")); }, entry.timeout);
      }
      this.acks[id] = answered;
      const packet = { type: entry.packet.type, data: entry.packet.data.slice(), id };
      this._notifyOutgoing(packet);
      this.packet(packet);
    }
    /** Like emit with an ack, as a Promise (rejects on timeout when a timeout is set). */
    emitWithAck(event, ...args) {
      const withError = this.flags.timeout !== undefined || this._opts.ackTimeout !== undefined || !!this._opts.retries;
      return new Promise((resolve, reject) => {
        args.push((first, second) => {
          if (withError) return first ? reject(first) : resolve(second);
          return resolve(first);
        });
        this.emit(event, ...args);
      });
    }
    packet(packet) { packet.nsp = this.nsp; this.io._packet(packet); }
    onopen() {
      if (typeof this.auth === "function") this.auth((data) => this._sendConnectPacket(data));
      else this._sendConnectPacket(this.auth);
    }
    _sendConnectPacket(data) {
      const payload = this._pid ? Object.assign({ pid: this._pid, offset: this._lastOffset }, data) : data;
      this.packet({ type: PacketType.CONNECT, data: payload });
    }
    onerror(error) { if (!this.connected) this.emitReserved("connect_error", error); }
    onclose(reason, description) {
      const wasConnected = this.connected;
      this.connected = false;
      delete this.id;
      if (wasConnected) this.emitReserved("disconnect", reason, description);
      this._clearAcks();
    }
    _clearAcks() {
      for (const id of Object.keys(this.acks)) {
        if (this.sendBuffer.some((packet) => String(packet.id) === id)) continue;
        const ack = this.acks[id];
        delete this.acks[id];
        // A queued (retried) emit stays queued: it is sent again, same id, after reconnecting.
        if (ack.queued) { ack.cancel(); continue; }
        if (ack.withError) { ack.cancel(); ack.call(this, new Error("socket has been disconnected")); }
      }
    }
    onpacket(packet) {
      if (packet.nsp !== this.nsp) return;
      switch (packet.type) {
        case PacketType.CONNECT:
          if (packet.data && packet.data.sid) this.onconnect(packet.data.sid, packet.data.pid);
          else this.emitReserved("connect_error", new Error("It seems you are trying to reach a Socket.IO server in v2.x with a v3.x client, but they are not compatible"));
          break;
        case PacketType.EVENT:
          this.onevent(packet);
          break;
        case PacketType.ACK:
          this.onack(packet);
          break;
        case PacketType.DISCONNECT:
          this.destroy();
          this.onclose("io server disconnect");
          break;
        case PacketType.CONNECT_ERROR: {
          this.destroy();
          const data = packet.data;
          const error = new Error(typeof data === "string" ? data : data && data.message);
          error.data = data && data.data;
          this.emitReserved("connect_error", error);
          break;
        }
      }
    }
    onevent(packet) {
      const args = packet.data || [];
      if (packet.id != null) args.push(this.ack(packet.id));
      if (this.connected) this.emitEvent(args);
      else this.receiveBuffer.push(Object.freeze(args));
    }
    emitEvent(args) {
      for (const listener of this._anyListeners.slice()) listener.apply(this, args);
      Emitter.prototype.emit.apply(this, args);
      if (this._pid && args.length && typeof args[args.length - 1] === "string") this._lastOffset = args[args.length - 1];
    }
    /** Builds the function a listener calls to acknowledge server event `id` (once). */
    ack(id) {
      let sent = false;
      return (...args) => {
        if (sent) return;
        sent = true;
        this.packet({ type: PacketType.ACK, id, data: args });
      };
    }
    onack(packet) {
      const ack = this.acks[packet.id];
      if (typeof ack !== "function") return;
      delete this.acks[packet.id];
      ack.apply(this, packet.data);
    }
    onconnect(id, pid) {
      this.id = id;
      this.recovered = !!(pid && this._pid === pid);
      this._pid = pid;
      this.connected = true;
      this.emitBuffered();
      this._drainQueue(true);
      this.emitReserved("connect");
    }
    emitBuffered() {
      for (const args of this.receiveBuffer) this.emitEvent(args.slice());
      this.receiveBuffer = [];
      for (const packet of this.sendBuffer) { this._notifyOutgoing(packet); this.packet(packet); }
      this.sendBuffer = [];
    }
    destroy() {
      if (this.subs) { this.subs.forEach((unsubscribe) => unsubscribe()); this.subs = undefined; }
      this.io._destroy(this);
    }
    /** Leaves the namespace; the engine connection closes when no namespace remains. */
    disconnect() {
      if (this.connected) this.packet({ type: PacketType.DISCONNECT });
      this.destroy();
      if (this.connected) this.onclose("io client disconnect");
      return this;
    }
    close() { return this.disconnect(); }
    /** Accepted for compatibility; permessage-deflate is negotiated by the browser. */
    compress() { return this; }
    get volatile() { this.flags.volatile = true; return this; }
    timeout(ms) { this.flags.timeout = ms; return this; }
    onAny(listener) { this._anyListeners.push(listener); return this; }
    prependAny(listener) { this._anyListeners.unshift(listener); return this; }
    offAny(listener) {
      if (!listener) this._anyListeners = [];
      else this._anyListeners = this._anyListeners.filter((l) => l !== listener);
      return this;
    }
    listenersAny() { return this._anyListeners.slice(); }
    onAnyOutgoing(listener) { this._anyOutgoingListeners.push(listener); return this; }
    prependAnyOutgoing(listener) { this._anyOutgoingListeners.unshift(listener); return this; }
    offAnyOutgoing(listener) {
      if (!listener) this._anyOutgoingListeners = [];
      else this._anyOutgoingListeners = this._anyOutgoingListeners.filter((l) => l !== listener);
      return this;
    }
    listenersAnyOutgoing() { return this._anyOutgoingListeners.slice(); }
    _notifyOutgoing(packet) {
      for (const listener of this._anyOutgoingListeners.slice()) listener.apply(this, packet.data);
    }
  }

  // ---------------------------------------------------------------- io()

  function parseQuery(text) {
    const query = {};
    for (const pair of text.replace(/^\?/, "").split("&")) {
      if (!pair) continue;
      const index = pair.indexOf("=");
      const key = decodeURIComponent(index === -1 ? pair : pair.slice(0, index));
      query[key] = index === -1 ? "" : decodeURIComponent(pair.slice(index + 1));
    }
    return query;
  }

  function parseUri(uri) {
    const location = root.location && root.location.href ? root.location : null;
    const base = location ? location.href : "http://localhost";
    // io() with no URL means this page's origin and the main namespace, whatever the page's path.
    let text = uri || (location ? location.protocol + "//" + location.host : "http://localhost");
    if (text.startsWith("//")) text = (location ? location.protocol : "http:") + text;
    const url = new URL(text, base);
    const secure = url.protocol === "https:" || url.protocol === "wss:";
    const port = url.port || (secure ? "443" : "80");
    return {
      hostname: url.hostname.includes(":") && !url.hostname.startsWith("[") ? "[" + url.hostname + "]" : url.hostname,
      port, secure,
      pathname: url.pathname || "/",
      query: parseQuery(url.search),
      id: (secure ? "https" : "http") + "://" + url.hostname + ":" + port,
    };
  }

  const cache = {};

  /** `io(url?, opts?)`: a Socket for the URL's namespace, on a shared Manager unless `forceNew`. */
  function lookup(uri, opts) {
    if (uri && typeof uri === "object") { opts = uri; uri = undefined; }
    opts = opts || {};
    const parsed = parseUri(uri || "");
    const path = opts.path || "/socket.io";
    const id = parsed.id + path;
    const sameNamespace = cache[id] && parsed.pathname in cache[id].nsps;
    const newConnection = opts.forceNew || opts["force new connection"] || opts.multiplex === false || sameNamespace;
    const origin = parsed.id;
    const managerOpts = Object.assign({}, opts, { query: Object.assign({}, parsed.query, typeof opts.query === "string" ? parseQuery(opts.query) : opts.query) });
    let manager;
    if (newConnection) {
      manager = new Manager(origin, managerOpts);
    } else {
      if (!cache[id]) cache[id] = new Manager(origin, managerOpts);
      manager = cache[id];
    }
    return manager.socket(parsed.pathname, opts);
  }

  Object.assign(lookup, { Manager, Socket, connect: lookup, io: lookup, protocol: 5, managers: cache });

  if (typeof module === "object" && module.exports) module.exports = lookup;
  root.io = lookup;
})(typeof globalThis !== "undefined" ? globalThis : typeof self !== "undefined" ? self : this);
