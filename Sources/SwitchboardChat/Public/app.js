// Switchboard chat: the page controller. State (rooms, messages, outbox) and the socket events of
// docs/CHAT_PROTOCOL.md, rendered through SwitchboardView. User content only ever goes in as text.
(function (global) {
  "use strict";

  const { accounts, tokenStore, call, newClientMessageId, errorText } = global.SwitchboardApi;
  const { el, say, timeElement, appendTextWithMentions, displayName, typingText, KIND_LABEL, KIND_ICON } = global.SwitchboardView;
  const document = global.document;
  const $ = (id) => document.getElementById(id);

  const PAGE_SIZE = 50;
  const TYPING_REPEAT_MS = 3000;   // re-send `typing: true` while typing (the server expires it after 5 s)
  const TYPING_IDLE_MS = 4000;     // no key for this long: `typing: false`
  const TYPING_STALE_MS = 7000;    // a typing line with no update for this long is dropped
  const TYPING_THROTTLE_MS = 1050; // the server takes one typing signal per second and room
  const SEND_TIMEOUT_MS = 10000;
  const RETRY_MS = 3000;

  const ui = {
    status: $("status"), account: $("account"), me: $("me"), signOut: $("sign-out"),
    roomsToggle: $("rooms-toggle"), toggleBadge: $("toggle-badge"),
    auth: $("auth"), authForm: $("auth-form"), authTitle: $("auth-title"), username: $("username"),
    password: $("password"), displayNameField: $("display-name-field"), displayName: $("display-name"),
    authError: $("auth-error"), authSubmit: $("auth-submit"), authMode: $("auth-mode"),
    app: $("app"), sidebar: $("sidebar"), roomList: $("room-list"), dmList: $("dm-list"), dmForm: $("dm-form"),
    dmUsername: $("dm-username"), browseList: $("browse-list"), browseRefresh: $("browse-refresh"), browseEmpty: $("browse-empty"),
    createForm: $("create-form"), newRoomName: $("new-room-name"), newRoomPrivate: $("new-room-private"),
    notifications: $("notifications"), notificationsEmpty: $("notifications-empty"),
    notificationCount: $("notification-count"), sidebarError: $("sidebar-error"),
    roomTitle: $("room-title"), roomKind: $("room-kind"), inviteForm: $("invite-form"),
    inviteUsername: $("invite-username"), leaveRoom: $("leave-room"), roomError: $("room-error"),
    roomNote: $("room-note"), scroller: $("scroller"), loadOlder: $("load-older"), historyStart: $("history-start"),
    messages: $("messages"), typing: $("typing"), composer: $("composer"), text: $("text"), send: $("send"),
    sendError: $("send-error"), presence: $("presence"), online: $("online"), onlineCount: $("online-count"),
    receipts: $("receipts"),
  };

  // ------------------------------------------------------------------------------------------ state

  const state = {
    token: null,
    me: null,                 // user
    socket: null,
    rooms: new Map(),         // roomId → Room (contract object)
    data: new Map(),          // roomId → { messages: Map(id → Message), nextCursor, loaded, loading, error }
    outbox: new Map(),        // clientMessageId → { roomId, clientMessageId, text, status, error, retryTimer }
    current: null,            // roomId open in the main pane
    typing: new Map(),        // roomId → { users: [user], timer }
    readers: new Map(),       // roomId → Map(userId → messageId)
    users: new Map(),         // userId → user (everyone seen)
    notifications: [],        // newest first: { kind, roomId, messageId, from, text, at, seen }
    lastRead: new Map(),      // roomId → messageId last sent in room:read
    editing: null,            // messageId being edited
    typingSent: false, typingSentAt: 0, typingRoom: null, typingIdle: null, typingDelay: null, typingEmittedAt: 0,
    registerMode: false,
  };

  function roomData(roomId) {
    let data = state.data.get(roomId);
    if (!data) {
      data = { messages: new Map(), nextCursor: undefined, loaded: false, loading: false, error: null };
      state.data.set(roomId, data);
    }
    return data;
  }

  function remember(user) {
    if (user && typeof user === "object" && user.id != null) state.users.set(String(user.id), user);
  }

  /** Orders message ids: `<milliseconds>-<sequence>` numerically; other shapes by length, then text. */
  function compareIds(a, b) {
    a = String(a); b = String(b);
    const x = /^(\d+)-(\d+)$/.exec(a), y = /^(\d+)-(\d+)$/.exec(b);
    if (x && y) return Number(x[1]) - Number(y[1]) || Number(x[2]) - Number(y[2]);
    if (a.length !== b.length) return a.length - b.length;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  function compareMessages(a, b) {
    const ta = typeof a.createdAt === "number" ? a.createdAt : 0;
    const tb = typeof b.createdAt === "number" ? b.createdAt : 0;
    return ta !== tb ? ta - tb : compareIds(a.id, b.id);
  }

  function sortedMessages(roomId) {
    return [...roomData(roomId).messages.values()].sort(compareMessages);
  }

  function latestMessage(roomId) {
    const list = sortedMessages(roomId);
    return list.length ? list[list.length - 1] : null;
  }

  function isMine(message) {
    return !!(state.me && message && message.sender && String(message.sender.id) === String(state.me.id));
  }

  function mentionsMe(message) {
    if (!state.me || !message || message.deleted) return false;
    if (Array.isArray(message.mentions) && message.mentions.some((id) => String(id) === String(state.me.id))) return true;
    const pattern = new RegExp("(^|[^A-Za-z0-9_.-])@" + state.me.username.replace(/[.\-]/g, "\\$&") + "(?![A-Za-z0-9_])", "i");
    return pattern.test(String(message.text || ""));
  }

  function roomLabel(room) {
    if (!room) return "";
    if (room.kind === "direct" && room.peer) return displayName(room.peer);
    return String(room.name || room.id);
  }

  /** Stores a message (new, edited or deleted); returns whether it was new. */
  function storeMessage(message) {
    if (!message || typeof message !== "object" || message.id == null || message.roomId == null) return false;
    remember(message.sender);
    const data = roomData(String(message.roomId));
    const id = String(message.id);
    const known = data.messages.get(id);
    if (known && known.editedAt && message.editedAt && message.editedAt < known.editedAt && !message.deleted) return false;
    data.messages.set(id, Object.assign({}, known || {}, message));
    if (message.clientMessageId != null && isMine(message)) settleOutbox(String(message.clientMessageId));
    return !known;
  }

  // ------------------------------------------------------------------------------------- rendering

  function setStatus(stateName, text) {
    ui.status.dataset.state = stateName;
    ui.status.textContent = text;
  }

  function renderRooms() {
    const joined = [], direct = [], browse = [];
    for (const room of state.rooms.values()) {
      if (room.kind === "direct") direct.push(room);
      else if (room.joined === false && room.kind === "public") browse.push(room);
      else joined.push(room);
    }
    const byName = (a, b) => roomLabel(a).localeCompare(roomLabel(b));
    ui.roomList.replaceChildren(...joined.sort(byName).map(roomItem));
    ui.dmList.replaceChildren(...direct.sort(byName).map(roomItem));
    ui.browseList.replaceChildren(...browse.sort(byName).map(browseItem));
    ui.browseEmpty.hidden = browse.length > 0;
    const unread = [...state.rooms.values()].reduce((sum, room) => sum + (room.joined === false ? 0 : unreadOf(room)), 0);
    say(ui.toggleBadge, unread > 0 ? String(unread) : "");
    updateTitle();
  }

  /** "(3) general · Switchboard chat": the unread total and the open room, for the tab strip. */
  function updateTitle() {
    const room = state.rooms.get(state.current);
    const unread = [...state.rooms.values()].reduce((sum, r) => sum + (r.joined === false ? 0 : unreadOf(r)), 0);
    document.title = (unread > 0 ? "(" + unread + ") " : "") + (room ? roomLabel(room) + " · " : "") + "Switchboard chat";
  }

  function unreadOf(room) {
    return typeof room.unread === "number" && room.unread > 0 ? room.unread : 0;
  }

  function roomItem(room) {
    const unread = unreadOf(room);
    const button = el("button", {
      className: "room-button", attrs: { type: "button", "aria-current": room.id === state.current ? "page" : null },
      data: { roomId: room.id, kind: room.kind },
    }, [
      el("span", { className: "kind-icon kind-" + room.kind, text: KIND_ICON[room.kind] ?? "#", attrs: { "aria-hidden": "true" } }),
      el("span", { className: "room-name", text: roomLabel(room) }),
      el("span", { className: "visually-hidden", text: ", " + (KIND_LABEL[room.kind] || "room") }),
      unread > 0 ? el("span", { className: "badge unread", text: unread > 99 ? "99+" : unread }) : null,
      unread > 0 ? el("span", { className: "visually-hidden", text: " unread" }) : null,
    ]);
    button.addEventListener("click", () => openRoom(room.id));
    return el("li", {}, [button]);
  }

  function browseItem(room) {
    const button = el("button", { className: "quiet join-button", text: "Join", attrs: { type: "button", "aria-label": "Join " + roomLabel(room) }, data: { roomId: room.id } });
    button.addEventListener("click", () => joinRoom(room.id, button));
    return el("li", { className: "browse-item" }, [
      el("span", { className: "kind-icon", text: "#", attrs: { "aria-hidden": "true" } }),
      el("span", { className: "room-name", text: roomLabel(room) }),
      button,
    ]);
  }

  function renderRoomHeader() {
    const room = state.rooms.get(state.current);
    if (!state.current) {
      ui.roomTitle.textContent = "No room open";
      ui.roomKind.textContent = "";
    } else if (!room) {
      ui.roomTitle.textContent = "Room unavailable";
      ui.roomKind.textContent = "";
    } else {
      ui.roomTitle.textContent = (room.kind === "direct" ? "@" : room.kind === "private" ? "" : "#") + roomLabel(room);
      ui.roomTitle.classList.toggle("private", room.kind === "private");
      ui.roomKind.textContent = room.kind === "direct" ? "Direct message" + (room.peer ? " with @" + room.peer.username : "")
        : (room.kind === "private" ? "Private room" : "Public room") + (Array.isArray(room.members) ? " · " + room.members.length + " members" : "");
    }
    ui.inviteForm.hidden = !(room && room.kind === "private");
    ui.leaveRoom.hidden = !(room && room.kind !== "direct" && room.joined !== false);
    const usable = !!(room && room.joined !== false);
    ui.text.disabled = !usable;
    ui.send.disabled = !usable;
    updateTitle();
  }

  function messageKey(message) { return "m:" + message.id; }

  function messageVersion(message, pending) {
    return JSON.stringify([message.text, message.editedAt || 0, !!message.deleted, pending ? pending.status : "",
      pending ? pending.error || "" : "", state.editing === message.id, state.me && state.me.username]);
  }

  function messageNode(message, pending) {
    const mine = pending ? true : isMine(message);
    const classes = ["message"];
    if (mine) classes.push("mine");
    if (message.deleted) classes.push("deleted");
    if (!pending && mentionsMe(message) && !mine) classes.push("mentions-me");
    if (pending) classes.push("pending", "pending-" + pending.status);
    const item = el("li", { className: classes.join(" "), data: { id: pending ? null : message.id, clientId: message.clientMessageId } });
    const meta = el("div", { className: "meta" }, [
      el("span", { className: "author", text: displayName(message.sender) }),
      timeElement(message.createdAt),
      message.editedAt && !message.deleted ? el("span", { className: "edited", text: "(edited)" }) : null,
    ]);
    item.append(meta);
    if (!pending && state.editing === message.id) {
      item.append(editForm(message));
      return item;
    }
    const body = el("p", { className: "text" });
    if (message.deleted) body.textContent = "This message was deleted.";
    else appendTextWithMentions(body, message.text, state.me && state.me.username);
    item.append(body);
    if (pending) {
      const line = el("p", { className: "pending-line" });
      if (pending.status === "failed") {
        line.append(el("span", { text: "Not sent: " + (pending.error || "error") + " " }));
        const retry = el("button", { className: "quiet", text: "Retry", attrs: { type: "button" } });
        retry.addEventListener("click", () => { pending.status = "sending"; pending.error = null; sendPending(pending); renderMessages(); });
        const discard = el("button", { className: "quiet", text: "Discard", attrs: { type: "button" } });
        discard.addEventListener("click", () => { state.outbox.delete(pending.clientMessageId); renderMessages(); });
        line.append(retry, discard);
      } else {
        line.textContent = pending.status === "waiting" ? "Waiting to send…" : "Sending…";
      }
      item.append(line);
    } else if (mine && !message.deleted) {
      const edit = el("button", { className: "quiet tool edit", text: "Edit", attrs: { type: "button", "aria-label": "Edit message" } });
      edit.addEventListener("click", () => { state.editing = message.id; renderMessages(); focusEditor(); });
      const remove = el("button", { className: "quiet tool delete", text: "Delete", attrs: { type: "button", "aria-label": "Delete message" } });
      remove.addEventListener("click", () => deleteMessage(message, remove));
      item.append(el("div", { className: "tools" }, [edit, remove]));
    }
    return item;
  }

  function editForm(message) {
    const form = el("form", { className: "edit-form", attrs: { novalidate: "" } });
    const label = el("label", { className: "visually-hidden", text: "Edit message", attrs: { for: "edit-text" } });
    const field = el("textarea", { attrs: { id: "edit-text", rows: "2", maxlength: "4000" } });
    field.value = String(message.text || "");
    const save = el("button", { text: "Save", attrs: { type: "submit" } });
    const cancel = el("button", { className: "quiet", text: "Cancel", attrs: { type: "button" } });
    const error = el("p", { className: "error", attrs: { role: "alert" }, hidden: true });
    cancel.addEventListener("click", stopEditing);
    field.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { event.preventDefault(); stopEditing(); }
      else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = field.value.trim();
      if (!text) return say(error, "A message cannot be empty; delete it instead.");
      if (text === String(message.text || "").trim()) return stopEditing();
      save.disabled = true;
      call(state.socket, "message:edit", { roomId: message.roomId, messageId: message.id, text }).then((reply) => {
        state.editing = null;
        storeMessage(reply.message);
        renderMessages();
        ui.text.focus();
      }, (failure) => { save.disabled = false; say(error, errorText(failure)); });
    });
    form.append(label, field, el("div", { className: "edit-actions" }, [save, cancel]), error);
    return form;
  }

  function focusEditor() {
    const field = $("edit-text");
    if (field) { field.focus(); field.setSelectionRange(field.value.length, field.value.length); }
  }

  function stopEditing() {
    state.editing = null;
    renderMessages();
    ui.text.focus();
  }

  /** Brings the message list of the open room in line with the state, moving as few nodes as possible. */
  function renderMessages() {
    const roomId = state.current;
    const list = ui.messages;
    if (!roomId) { list.replaceChildren(); return; }
    const data = roomData(roomId);
    const wanted = sortedMessages(roomId).map((message) => ({ key: messageKey(message), message, pending: null }));
    for (const pending of state.outbox.values()) {
      if (pending.roomId !== roomId) continue;
      const message = { id: null, clientMessageId: pending.clientMessageId, roomId, sender: state.me, text: pending.text, createdAt: pending.createdAt };
      wanted.push({ key: "p:" + pending.clientMessageId, message, pending });
    }
    const atBottom = ui.scroller.scrollHeight - ui.scroller.scrollTop - ui.scroller.clientHeight < 60;
    const existing = new Map();
    for (const node of list.children) existing.set(node.dataset.key, node);
    const keep = new Set();
    wanted.forEach((item, index) => {
      const version = messageVersion(item.message, item.pending);
      let node = existing.get(item.key);
      if (!node || node.dataset.version !== version) {
        const fresh = messageNode(item.message, item.pending);
        fresh.dataset.key = item.key;
        fresh.dataset.version = version;
        if (node) node.replaceWith(fresh);
        node = fresh;
      }
      keep.add(item.key);
      if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
    });
    for (const [key, node] of existing) if (!keep.has(key)) node.remove();
    ui.loadOlder.hidden = !(data.nextCursor && !data.error);
    ui.loadOlder.disabled = data.loading;
    ui.historyStart.hidden = !(data.loaded && data.nextCursor === null && !data.error);
    renderReceipts();
    if (atBottom) scrollToBottom();
  }

  function scrollToBottom() { ui.scroller.scrollTop = ui.scroller.scrollHeight; }

  function renderReceipts() {
    const roomId = state.current;
    const latest = roomId ? latestMessage(roomId) : null;
    const readers = state.readers.get(roomId);
    const names = [];
    if (latest && readers) {
      for (const [userId, messageId] of readers) {
        if (state.me && userId === String(state.me.id)) continue;
        if (latest.sender && String(latest.sender.id) === userId) continue;
        if (compareIds(messageId, latest.id) >= 0) names.push(displayName(state.users.get(userId) || { id: userId }));
      }
    }
    say(ui.receipts, names.length ? "Seen by " + names.join(", ") : "");
  }

  function renderTyping() {
    const entry = state.typing.get(state.current);
    const users = entry ? entry.users.filter((user) => !state.me || String(user.id) !== String(state.me.id)) : [];
    ui.typing.textContent = typingText(users);
  }

  function renderPresence(users) {
    const list = (users || []).slice().sort((a, b) => displayName(a).localeCompare(displayName(b)));
    list.forEach(remember);
    ui.online.replaceChildren(...list.map((user) => el("li", { className: "online-user" }, [
      el("span", { className: "dot", attrs: { "aria-hidden": "true" } }),
      el("span", { className: "online-name", text: displayName(user) }),
      user.username && user.username !== user.displayName ? el("span", { className: "hint", text: " @" + user.username }) : null,
    ])));
    ui.onlineCount.textContent = "(" + list.length + ")";
  }

  function renderNotifications() {
    ui.notifications.replaceChildren(...state.notifications.slice(0, 30).map((note) => {
      const room = state.rooms.get(note.roomId);
      const where = room ? (room.kind === "direct" ? "a direct message" : roomLabel(room)) : "a room";
      const what = note.kind === "mention" ? " mentioned you in " + where
        : note.kind === "direct" ? " sent you a direct message"
        : note.kind === "invite" ? " invited you to " + where : " in " + where;
      const button = el("button", { className: "notification-button", attrs: { type: "button" }, data: { roomId: note.roomId, kind: note.kind } }, [
        el("span", { className: "from", text: displayName(note.from) }),
        el("span", { className: "what", text: what }),
        note.text ? el("span", { className: "excerpt", text: String(note.text).slice(0, 140) }) : null,
        timeElement(note.at, "when"),
      ]);
      button.addEventListener("click", () => { if (note.roomId) openRoom(note.roomId); });
      return el("li", { className: "notification" + (note.seen ? "" : " unseen") + " kind-" + note.kind }, [button]);
    }));
    ui.notificationsEmpty.hidden = state.notifications.length > 0;
    const unseen = state.notifications.filter((note) => !note.seen).length;
    say(ui.notificationCount, unseen > 0 ? String(unseen) : "");
  }

  // ---------------------------------------------------------------------------------------- rooms

  function upsertRoom(room) {
    if (!room || room.id == null) return null;
    room = Object.assign({}, room, { id: String(room.id) });
    if (room.peer) remember(room.peer);
    const known = state.rooms.get(room.id);
    state.rooms.set(room.id, Object.assign({}, known || {}, room));
    return state.rooms.get(room.id);
  }

  function openRoom(roomId) {
    roomId = String(roomId);
    const known = state.rooms.get(roomId);
    if (known && known.kind === "public" && known.joined === false) return joinRoom(roomId, null);  // opens it once joined
    const changed = state.current !== roomId;
    if (changed) stopTyping();
    state.current = roomId;
    state.editing = changed ? null : state.editing;
    if (global.location.hash !== "#room=" + encodeURIComponent(roomId)) {
      global.history.replaceState(null, "", "#room=" + encodeURIComponent(roomId));
    }
    say(ui.roomError, "");
    say(ui.roomNote, "");
    say(ui.sendError, "");
    if (changed) { ui.messages.replaceChildren(); renderPresence([]); }
    renderRoomHeader();
    renderRooms();
    renderTyping();
    const data = roomData(roomId);
    data.error = null;
    renderMessages();
    scrollToBottom();
    if (!data.loaded) loadHistory(roomId, false);
    else markRead();
    refreshPresence();
    let seenAny = false;
    for (const note of state.notifications) if (note.roomId === roomId && !note.seen) { note.seen = true; seenAny = true; }
    if (seenAny) renderNotifications();
    setSidebar(false);
  }

  function joinRoom(roomId, button) {
    if (button) button.disabled = true;
    call(state.socket, "rooms:join", { roomId }).then((reply) => {
      const room = upsertRoom(Object.assign({}, reply.room, { joined: true }));
      roomData(room.id).loaded = false;
      renderRooms();
      openRoom(room.id);
    }, (failure) => {
      if (button) button.disabled = false;
      say(ui.sidebarError, errorText(failure));
    });
  }

  /** Loads the newest page (`older` false: merged with what is known) or the page before the oldest. */
  function loadHistory(roomId, older) {
    const data = roomData(roomId);
    if (data.loading) return;
    if (older && !data.nextCursor) return;
    data.loading = true;
    ui.messages.setAttribute("aria-busy", "true");  // screen readers: a page of history is not "new messages"
    const payload = { roomId, limit: PAGE_SIZE };
    if (older) payload.before = data.nextCursor;
    const heightBefore = ui.scroller.scrollHeight;
    const topBefore = ui.scroller.scrollTop;
    call(state.socket, "history:fetch", payload).then((reply) => {
      data.loading = false;
      ui.messages.removeAttribute("aria-busy");
      data.error = null;
      const page = Array.isArray(reply.messages) ? reply.messages : [];
      if (!older) {
        // A newest page that does not reach what we already hold leaves a gap: start over from it.
        const oldest = page[page.length - 1];
        if (data.messages.size > 0 && page.length === PAGE_SIZE && oldest && !data.messages.has(String(oldest.id))) data.messages.clear();
        if (data.messages.size === 0 || !data.loaded) data.nextCursor = reply.nextCursor == null ? null : String(reply.nextCursor);
      } else {
        data.nextCursor = reply.nextCursor == null ? null : String(reply.nextCursor);
      }
      data.loaded = true;
      page.forEach(storeMessage);
      if (roomId !== state.current) return;
      renderMessages();
      if (older) ui.scroller.scrollTop = topBefore + (ui.scroller.scrollHeight - heightBefore);
      else scrollToBottom();
      markRead();
    }, (failure) => {
      data.loading = false;
      ui.messages.removeAttribute("aria-busy");
      if (roomId !== state.current) return;
      if (failure.code === "disconnected") { renderMessages(); return; }  // reloaded after reconnecting
      data.error = failure;
      say(ui.roomError, failure.code === "forbidden"
        ? "You cannot read this room: " + errorText(failure) + " (you are not a member)."
        : "Could not load messages: " + errorText(failure));
      if (failure.code === "forbidden" || failure.code === "not_found") { ui.text.disabled = true; ui.send.disabled = true; }
      renderMessages();
    });
  }

  function markRead() {
    const roomId = state.current;
    if (!roomId || document.visibilityState === "hidden" || !state.socket || !state.socket.connected) return;
    const room = state.rooms.get(roomId);
    const latest = latestMessage(roomId);
    if (!room || room.joined === false || !latest) return;
    const last = state.lastRead.get(roomId);
    if (last && compareIds(last, latest.id) >= 0 && !unreadOf(room)) return;
    state.lastRead.set(roomId, String(latest.id));
    room.unread = 0;
    renderRooms();
    call(state.socket, "room:read", { roomId, messageId: latest.id }).then((reply) => {
      const known = state.rooms.get(roomId);
      if (known && typeof reply.unread === "number") { known.unread = reply.unread; renderRooms(); }
    }, () => { state.lastRead.delete(roomId); });
  }

  /** Reloads the room list (public rooms others created appear only this way). */
  function refreshRooms() {
    if (!state.socket || !state.socket.connected) return;
    call(state.socket, "rooms:list").then((reply) => {
      const listed = new Set();
      for (const room of Array.isArray(reply.rooms) ? reply.rooms : []) {
        const known = state.rooms.get(String(room.id));
        const merged = upsertRoom(room);
        listed.add(merged.id);
        // Our own count is fresher for the open room (it was just marked read).
        if (merged.id === state.current && known) merged.unread = known.unread;
      }
      for (const roomId of [...state.rooms.keys()]) if (!listed.has(roomId) && roomId !== state.current) state.rooms.delete(roomId);
      renderRooms();
    }, () => {});
  }

  let presenceTimer = null;
  function refreshPresence() {
    clearTimeout(presenceTimer);
    presenceTimer = setTimeout(() => {
      const roomId = state.current;
      const room = state.rooms.get(roomId);
      if (!roomId || !room || room.joined === false) return renderPresence([]);
      call(state.socket, "presence:list", { roomId }).then((reply) => {
        if (state.current === roomId) renderPresence(Array.isArray(reply.online) ? reply.online : []);
      }, () => {});
    }, 150);
  }

  // ------------------------------------------------------------------------------------- messages

  function settleOutbox(clientMessageId) {
    const pending = state.outbox.get(clientMessageId);
    if (!pending) return;
    clearTimeout(pending.retryTimer);
    state.outbox.delete(clientMessageId);
  }

  function sendPending(pending) {
    clearTimeout(pending.retryTimer);
    if (!state.socket || !state.socket.connected) { pending.status = "waiting"; return; }
    pending.status = "sending";
    call(state.socket, "message:send", { roomId: pending.roomId, clientMessageId: pending.clientMessageId, text: pending.text }, SEND_TIMEOUT_MS)
      .then((reply) => {
        settleOutbox(pending.clientMessageId);
        storeMessage(reply.message);
        if (pending.roomId === state.current) { say(ui.sendError, ""); renderMessages(); scrollToBottom(); markRead(); }
      }, (failure) => {
        if (!state.outbox.has(pending.clientMessageId)) return;  // settled by message:new meanwhile
        if (failure.code === "rate_limited") {
          const wait = Math.max(250, Number(failure.retryAfterMs) || 1000);
          pending.status = "waiting";
          pending.retryTimer = setTimeout(() => sendPending(pending), wait);
          say(ui.sendError, "You are sending too fast; trying again in " + Math.ceil(wait / 1000) + " s.");
        } else if (["unavailable", "internal", "timeout", "disconnected"].includes(failure.code)) {
          pending.status = "waiting";   // same clientMessageId again: the server stores it once
          if (failure.code !== "disconnected") pending.retryTimer = setTimeout(() => sendPending(pending), RETRY_MS);
          say(ui.sendError, errorText(failure) + " The message will be sent again.");
        } else {
          pending.status = "failed";
          pending.error = errorText(failure);
          say(ui.sendError, "Message not sent: " + pending.error);
        }
        if (pending.roomId === state.current) renderMessages();
      });
  }

  function sendMessage(text) {
    const roomId = state.current;
    if (!roomId) return;
    const pending = { roomId, clientMessageId: newClientMessageId(), text, status: "sending", error: null, createdAt: Date.now() };
    state.outbox.set(pending.clientMessageId, pending);
    sendPending(pending);
    renderMessages();
    scrollToBottom();
  }

  function deleteMessage(message, button) {
    button.disabled = true;
    call(state.socket, "message:delete", { roomId: message.roomId, messageId: message.id }).then((reply) => {
      storeMessage(reply.message);
      renderMessages();
    }, (failure) => { button.disabled = false; say(ui.roomError, "Could not delete: " + errorText(failure)); });
  }

  // --------------------------------------------------------------------------------------- typing

  /** Sends `typing`; a `true` within a second of the previous signal waits, as the server drops it. */
  function emitTyping(value) {
    clearTimeout(state.typingDelay);
    if (!state.socket || !state.socket.connected || !state.typingRoom) return;
    const roomId = state.typingRoom;
    const wait = TYPING_THROTTLE_MS - (Date.now() - state.typingEmittedAt);
    if (value && wait > 0) {
      state.typingDelay = setTimeout(() => { if (state.typingSent && state.typingRoom === roomId) emitTyping(true); }, wait);
      return;
    }
    state.typingEmittedAt = Date.now();
    // With an (ignored) acknowledgement: the contract needs none, but servers before chat 92cebdb ran
    // only handlers of events that carried one.
    state.socket.emit("typing", { roomId, typing: value }, () => {});
  }

  function noteTyping() {
    const roomId = state.current;
    if (!roomId || !ui.text.value.trim()) return stopTyping();
    const now = Date.now();
    if (!state.typingSent || state.typingRoom !== roomId || now - state.typingSentAt > TYPING_REPEAT_MS) {
      if (state.typingSent && state.typingRoom !== roomId) stopTyping();
      state.typingRoom = roomId;
      state.typingSent = true;
      state.typingSentAt = now;
      emitTyping(true);
    }
    clearTimeout(state.typingIdle);
    state.typingIdle = setTimeout(stopTyping, TYPING_IDLE_MS);
  }

  function stopTyping() {
    clearTimeout(state.typingIdle);
    if (state.typingSent) emitTyping(false);
    state.typingSent = false;
    state.typingRoom = null;
  }

  // ----------------------------------------------------------------------------------- connection

  function connect() {
    const socket = global.io({
      auth: (send) => send({ token: state.token }),
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
    });
    state.socket = socket;
    setStatus("connecting", "Connecting…");

    socket.on("connect", () => setStatus("online", "Online"));
    socket.on("disconnect", (reason) => {
      state.typing.clear();
      renderTyping();
      state.typingSent = false;
      for (const pending of state.outbox.values()) if (pending.status === "sending") pending.status = "waiting";
      if (reason === "io client disconnect") setStatus("offline", "Offline");
      else setStatus("reconnecting", "Connection lost — reconnecting…");
      renderMessages();
    });
    socket.on("connect_error", (error) => {
      const code = error && error.data && error.data.code;
      if (code === "token_missing" || code === "token_invalid" || code === "token_expired") {
        signOut(code === "token_expired" ? "Your session expired. Please sign in again." : "Please sign in again.");
      } else if (socket.active) {
        setStatus("reconnecting", "Cannot reach the server — retrying…");
      } else {
        setStatus("offline", "Refused: " + ((error && error.message) || "connection refused"));
      }
    });
    socket.io.on("reconnect_attempt", (attempt) => setStatus("reconnecting", "Reconnecting (attempt " + attempt + ")…"));
    socket.io.on("reconnect_failed", () => setStatus("offline", "Offline — could not reach the server"));

    socket.on("session", onSession);
    socket.on("message:new", (message) => {
      const roomId = message && String(message.roomId);
      const isNew = storeMessage(message);
      const room = state.rooms.get(roomId);
      if (room) room.lastMessageId = message.id;
      clearTypist(roomId, message && message.sender);
      if (roomId === state.current) {
        renderMessages();
        if (isMine(message)) scrollToBottom();
        markRead();
      } else if (isNew && room && !isMine(message)) {
        room.unread = unreadOf(room) + 1;
      }
      renderRooms();
    });
    socket.on("message:updated", (message) => {
      storeMessage(message);
      if (message && String(message.roomId) === state.current) renderMessages();
    });
    socket.on("typing:update", (update) => {
      if (!update || update.roomId == null) return;
      const roomId = String(update.roomId);
      const old = state.typing.get(roomId);
      if (old) clearTimeout(old.timer);
      const users = Array.isArray(update.users) ? update.users : [];
      if (users.length === 0) state.typing.delete(roomId);
      else state.typing.set(roomId, { users, timer: setTimeout(() => { state.typing.delete(roomId); renderTyping(); }, TYPING_STALE_MS) });
      if (roomId === state.current) renderTyping();
    });
    socket.on("presence:update", (update) => { if (update) remember(update.user); refreshPresence(); });
    socket.on("room:member", (update) => {
      if (!update) return;
      remember(update.user);
      const room = state.rooms.get(String(update.roomId));
      const isMe = !!(update.user && state.me && String(update.user.id) === String(state.me.id));
      if (room && isMe && update.joined === false) {
        if (room.kind === "public") room.joined = false; else state.rooms.delete(room.id);
        renderRooms();
      } else if (room && isMe && update.joined && room.joined === false) {
        room.joined = true;   // joined in another tab
        renderRooms();
      } else if (room && Array.isArray(room.members) && update.user) {
        const id = String(update.user.id);
        room.members = room.members.filter((member) => String(member) !== id);
        if (update.joined) room.members.push(update.user.id);
        if (room.id === state.current) renderRoomHeader();
      }
      if (String(update.roomId) === state.current) refreshPresence();
    });
    socket.on("room:added", (update) => {
      const room = update && upsertRoom(Object.assign({ joined: true }, update.room));
      if (room) renderRooms();
    });
    socket.on("room:read", (receipt) => {
      if (!receipt || receipt.roomId == null || receipt.userId == null) return;
      const roomId = String(receipt.roomId);
      if (state.me && String(receipt.userId) === String(state.me.id)) {
        const room = state.rooms.get(roomId);
        if (room && room.lastMessageId != null && compareIds(receipt.messageId, room.lastMessageId) >= 0) { room.unread = 0; renderRooms(); }
        return;
      }
      if (!state.readers.has(roomId)) state.readers.set(roomId, new Map());
      const readers = state.readers.get(roomId);
      const before = readers.get(String(receipt.userId));
      if (!before || compareIds(receipt.messageId, before) > 0) readers.set(String(receipt.userId), String(receipt.messageId));
      if (roomId === state.current) renderReceipts();
    });
    socket.on("notification", (note) => {
      if (!note || typeof note !== "object") return;
      remember(note.from);
      const roomId = note.roomId == null ? null : String(note.roomId);
      const seen = roomId === state.current && document.visibilityState !== "hidden";
      state.notifications.unshift({ kind: String(note.kind || ""), roomId, messageId: note.messageId, from: note.from, text: note.text, at: Date.now(), seen });
      renderNotifications();
    });
  }

  function clearTypist(roomId, user) {
    const entry = state.typing.get(roomId);
    if (!entry || !user) return;
    entry.users = entry.users.filter((typist) => String(typist.id) !== String(user.id));
    if (roomId === state.current) renderTyping();
  }

  function onSession(session) {
    if (!session || !session.user) return;
    state.me = session.user;
    remember(session.user);
    ui.me.textContent = displayName(session.user) + " (@" + session.user.username + ")";
    const fresh = new Map();
    for (const room of Array.isArray(session.rooms) ? session.rooms : []) {
      const known = state.rooms.get(String(room.id));
      fresh.set(String(room.id), Object.assign({}, known || {}, room, { id: String(room.id) }));
      if (room.peer) remember(room.peer);
    }
    state.rooms = fresh;
    // What we hold of other rooms may have missed messages while we were away: reload when opened.
    for (const [roomId, data] of state.data) if (roomId !== state.current) data.loaded = false;
    state.lastRead.clear();
    if (!state.current) {
      const fromHash = roomFromHash();
      // A deep link first, else `general` if joined, else any joined room, else join `general` (new users).
      const general = [...fresh.values()].find((room) => room.name === "general" && room.kind === "public");
      const firstJoined = [...fresh.values()].find((room) => room.joined !== false);
      const pick = fromHash || (general && general.joined !== false && general.id) || (firstJoined && firstJoined.id)
        || (general && general.id);
      renderRooms();
      if (pick) openRoom(pick);
    } else {
      renderRooms();
      renderRoomHeader();
      loadHistory(state.current, false);
      refreshPresence();
    }
    for (const pending of state.outbox.values()) if (pending.status !== "failed") sendPending(pending);
    if (state.outbox.size) renderMessages();
  }

  function roomFromHash() {
    const match = /^#room=(.+)$/.exec(global.location.hash || "");
    if (!match) return null;
    try { return decodeURIComponent(match[1]); } catch (_) { return null; }
  }

  // -------------------------------------------------------------------------------- sign in / out

  function setRegisterMode(on) {
    state.registerMode = on;
    ui.authTitle.textContent = on ? "Create an account" : "Sign in to chat";
    ui.authSubmit.textContent = on ? "Create account" : "Sign in";
    ui.authMode.textContent = on ? "Already have an account? Sign in" : "New here? Create an account";
    ui.displayNameField.hidden = !on;
    ui.password.autocomplete = on ? "new-password" : "current-password";
    say(ui.authError, "");
  }

  function showAuth(message) {
    ui.app.hidden = true;
    ui.account.hidden = true;
    ui.roomsToggle.hidden = true;
    ui.auth.hidden = false;
    setRegisterMode(false);
    say(ui.authError, message || "");
    setStatus("offline", "Signed out");
    ui.username.focus();
  }

  function showApp() {
    ui.auth.hidden = true;
    ui.app.hidden = false;
    ui.account.hidden = false;
    ui.roomsToggle.hidden = false;
    ui.text.focus();
  }

  function startSession(token, user) {
    state.token = token;
    state.me = user || null;
    if (user) ui.me.textContent = displayName(user) + " (@" + user.username + ")";
    showApp();
    connect();
  }

  function signOut(message) {
    stopTyping();
    if (state.socket) { state.socket.off(); state.socket.io.off(); state.socket.disconnect(); }
    state.socket = null;
    state.token = null;
    tokenStore.clear();
    for (const pending of state.outbox.values()) clearTimeout(pending.retryTimer);
    state.rooms.clear(); state.data.clear(); state.outbox.clear(); state.typing.clear(); state.readers.clear();
    state.notifications = []; state.lastRead.clear(); state.current = null; state.me = null; state.editing = null;
    ui.messages.replaceChildren();
    renderRooms();
    renderNotifications();
    global.history.replaceState(null, "", global.location.pathname);
    showAuth(message);
  }

  function setSidebar(open) {
    document.body.classList.toggle("sidebar-open", open);
    ui.roomsToggle.setAttribute("aria-expanded", String(open));
  }

  // -------------------------------------------------------------------------------------- wiring

  ui.authMode.addEventListener("click", () => setRegisterMode(!state.registerMode));
  ui.authForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = ui.username.value.trim().toLowerCase();
    const password = ui.password.value;
    if (!/^[a-z0-9_.-]{3,32}$/.test(username)) return say(ui.authError, "Usernames are 3–32 letters, digits, _ . or -.");
    if (password.length < 8) return say(ui.authError, "Passwords have at least 8 characters.");
    ui.authSubmit.disabled = true;
    say(ui.authError, "");
    try {
      const reply = state.registerMode
        ? await accounts.register(username, password, ui.displayName.value.trim() || undefined)
        : await accounts.login(username, password);
      tokenStore.set(reply.token);
      ui.password.value = "";
      startSession(reply.token, reply.user);
    } catch (failure) {
      say(ui.authError, errorText(failure));
    } finally {
      ui.authSubmit.disabled = false;
    }
  });
  ui.signOut.addEventListener("click", () => signOut(""));

  ui.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = ui.text.value.trim();
    if (!text) return;
    if (text.length > 4000) return say(ui.sendError, "Messages are at most 4 000 characters.");
    stopTyping();
    sendMessage(text);
    ui.text.value = "";
    ui.text.rows = 1;
    ui.text.focus();
  });
  ui.text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.composer.requestSubmit();
    }
  });
  ui.text.addEventListener("input", () => {
    ui.text.rows = Math.min(6, Math.max(1, ui.text.value.split("\n").length));
    noteTyping();
  });
  ui.text.addEventListener("blur", stopTyping);

  ui.loadOlder.addEventListener("click", () => state.current && loadHistory(state.current, true));
  ui.scroller.addEventListener("scroll", () => {
    if (ui.scroller.scrollTop < 40 && state.current) {
      const data = roomData(state.current);
      if (data.loaded && data.nextCursor && !data.loading) loadHistory(state.current, true);
    }
  });

  ui.createForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = ui.newRoomName.value.trim();
    if (!/^[\p{L}\p{N} _.-]{1,48}$/u.test(name)) return say(ui.sidebarError, "Room names are 1–48 letters, digits, spaces, - _ or .");
    say(ui.sidebarError, "");
    call(state.socket, "rooms:create", { name, private: ui.newRoomPrivate.checked }).then((reply) => {
      const room = upsertRoom(Object.assign({ joined: true }, reply.room));
      ui.newRoomName.value = "";
      ui.newRoomPrivate.checked = false;
      renderRooms();
      openRoom(room.id);
    }, (failure) => say(ui.sidebarError, failure.code === "conflict" ? "A room with that name already exists." : errorText(failure)));
  });

  ui.dmForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const username = ui.dmUsername.value.trim().replace(/^@/, "").toLowerCase();
    if (!username) return;
    say(ui.sidebarError, "");
    call(state.socket, "dm:open", { username }).then((reply) => {
      const room = upsertRoom(Object.assign({ joined: true }, reply.room));
      ui.dmUsername.value = "";
      renderRooms();
      openRoom(room.id);
    }, (failure) => say(ui.sidebarError, failure.code === "not_found" ? "There is no user @" + username + "." : errorText(failure)));
  });

  ui.inviteForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const username = ui.inviteUsername.value.trim().replace(/^@/, "").toLowerCase();
    const roomId = state.current;
    if (!username || !roomId) return;
    call(state.socket, "rooms:invite", { roomId, username }).then((reply) => {
      upsertRoom(reply.room);
      ui.inviteUsername.value = "";
      say(ui.roomNote, "Invited @" + username + ".");
      renderRoomHeader();
      refreshPresence();
    }, (failure) => say(ui.roomError, failure.code === "not_found" ? "There is no user @" + username + "." : "Could not invite: " + errorText(failure)));
  });

  ui.leaveRoom.addEventListener("click", () => {
    const roomId = state.current;
    call(state.socket, "rooms:leave", { roomId }).then(() => {
      const room = state.rooms.get(roomId);
      if (room && room.kind === "public") room.joined = false; else state.rooms.delete(roomId);
      state.data.delete(roomId);
      state.current = null;
      const general = [...state.rooms.values()].find((r) => r.name === "general" && r.joined !== false);
      const next = general || [...state.rooms.values()].find((r) => r.joined !== false);
      renderRooms();
      if (next) openRoom(next.id); else { renderRoomHeader(); renderMessages(); }
    }, (failure) => say(ui.roomError, "Could not leave: " + errorText(failure)));
  });

  ui.browseRefresh.addEventListener("click", refreshRooms);
  $("sidebar-close").addEventListener("click", () => { setSidebar(false); ui.roomsToggle.focus(); });
  setInterval(refreshRooms, 30000);
  ui.roomsToggle.addEventListener("click", () => {
    const open = !document.body.classList.contains("sidebar-open");
    setSidebar(open);
    if (open) { refreshRooms(); $("sidebar-close").focus(); }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && document.body.classList.contains("sidebar-open")) { setSidebar(false); ui.roomsToggle.focus(); }
  });
  document.addEventListener("visibilitychange", () => { if (document.visibilityState === "visible") markRead(); });
  global.addEventListener("hashchange", () => {
    const roomId = roomFromHash();
    if (roomId && roomId !== state.current && state.socket) openRoom(roomId);
  });
  global.addEventListener("offline", () => setStatus("offline", "Offline — no network"));
  global.addEventListener("online", () => { if (state.socket && !state.socket.connected) state.socket.connect(); });

  // ---------------------------------------------------------------------------------------- start

  (async function start() {
    setRegisterMode(false);
    const token = tokenStore.get();
    if (!token) return showAuth("");
    setStatus("connecting", "Connecting…");
    try {
      const reply = await accounts.me(token);
      startSession(token, reply.user);
    } catch (failure) {
      if (failure.status === 401) { tokenStore.clear(); showAuth("Your session ended. Please sign in again."); }
      else startSession(token, null);  // server unreachable: keep the token and let the socket retry
    }
  })();
})(window);
