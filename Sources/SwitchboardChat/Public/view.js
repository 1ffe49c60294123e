// Switchboard chat: building DOM nodes. Every piece of user content goes in through textContent
// (or text nodes); nothing here ever assigns innerHTML.
(function (global) {
  "use strict";

  const document = global.document;

  /** Creates `<tag>` with a class, text and attributes; `children` are appended in order. */
  function el(tag, options, children) {
    const node = document.createElement(tag);
    const o = options || {};
    if (o.className) node.className = o.className;
    if (o.text != null) node.textContent = String(o.text);
    if (o.attrs) for (const [name, value] of Object.entries(o.attrs)) if (value != null) node.setAttribute(name, String(value));
    if (o.data) for (const [name, value] of Object.entries(o.data)) if (value != null) node.dataset[name] = String(value);
    if (o.hidden) node.hidden = true;
    for (const child of children || []) if (child != null) node.append(child);
    return node;
  }

  /** Shows `text` in an error/notice element, or hides it when `text` is empty. */
  function say(element, text) {
    element.textContent = text ? String(text) : "";
    element.hidden = !text;
  }

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const dayTimeFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

  /** A `<time>` for a millisecond timestamp (short form today, with the date otherwise). */
  function timeElement(ms, className) {
    const node = el("time", { className });
    if (typeof ms !== "number" || !isFinite(ms)) return node;
    const date = new Date(ms);
    const today = new Date().toDateString() === date.toDateString();
    node.textContent = (today ? timeFormat : dayTimeFormat).format(date);
    node.dateTime = date.toISOString();
    node.title = date.toLocaleString();
    return node;
  }

  const MENTION = /(^|[^A-Za-z0-9_.-])@([A-Za-z0-9_.-]{3,32})/g;

  /** Appends `text` to `parent` as text nodes, wrapping `@username` tokens in spans (own name marked). */
  function appendTextWithMentions(parent, text, myUsername) {
    const value = String(text == null ? "" : text);
    let last = 0;
    MENTION.lastIndex = 0;
    for (let match; (match = MENTION.exec(value)) !== null;) {
      const start = match.index + match[1].length;
      if (start > last) parent.append(document.createTextNode(value.slice(last, start)));
      const name = match[2].replace(/[.-]+$/, "");
      const token = "@" + name;
      const mine = myUsername && name.toLowerCase() === myUsername.toLowerCase();
      parent.append(el("span", { className: mine ? "mention mention-me" : "mention", text: token }));
      last = start + token.length;
      MENTION.lastIndex = last;
    }
    if (last < value.length) parent.append(document.createTextNode(value.slice(last)));
  }

  /** A user's shown name. */
  function displayName(user) {
    if (!user || typeof user !== "object") return "someone";
    return String(user.displayName || user.username || user.id || "someone");
  }

  /** The text of a typing line for the users typing now (already without oneself). */
  function typingText(users) {
    const names = users.map(displayName);
    if (names.length === 0) return "";
    if (names.length === 1) return names[0] + " is typing…";
    if (names.length === 2) return names[0] + " and " + names[1] + " are typing…";
    return names[0] + ", " + names[1] + " and " + (names.length - 2) + " more are typing…";
  }

  const KIND_LABEL = { public: "public room", private: "private room", direct: "direct message" };
  const KIND_ICON = { public: "#", private: "", direct: "@" };  // private: lock.svg, drawn by the stylesheet

  global.SwitchboardView = { el, say, timeElement, appendTextWithMentions, displayName, typingText, KIND_LABEL, KIND_ICON };
})(window);
