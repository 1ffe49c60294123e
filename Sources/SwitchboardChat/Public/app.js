// Switchboard chat page. All user-provided text goes through textContent, never innerHTML.
(function () {
  "use strict";

  const $ = (id) => document.getElementById(id);
  const statusLine = $("status");
  const joinSection = $("join");
  const joinForm = $("join-form");
  const nameInput = $("name");
  const joinError = $("join-error");
  const chatSection = $("chat");
  const list = $("messages");
  const typingLine = $("typing");
  const composer = $("composer");
  const textInput = $("text");
  const sendError = $("send-error");

  const TYPING_IDLE_MS = 2000;
  const seen = new Set();
  const typists = new Map(); // name -> timer that clears a stale "typing" flag
  let myName = null;
  let typingSent = false;
  let typingTimer = null;

  const socket = io();

  function setStatus(state, text) {
    statusLine.dataset.state = state;
    statusLine.textContent = text;
  }

  function showError(element, text) {
    element.textContent = text || "";
    element.hidden = !text;
  }

  function formatTime(timestamp) {
    const date = new Date(timestamp);
    return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function addMessage(message) {
    if (!message || typeof message !== "object") return;
    if (message.id != null) {
      if (seen.has(String(message.id))) return;
      seen.add(String(message.id));
    }
    const item = document.createElement("li");
    item.className = "message" + (message.name === myName ? " mine" : "");
    const meta = document.createElement("div");
    meta.className = "meta";
    const author = document.createElement("span");
    author.className = "author";
    author.textContent = String(message.name ?? "");
    const time = document.createElement("time");
    time.textContent = formatTime(message.timestamp);
    if (typeof message.timestamp === "number") time.dateTime = new Date(message.timestamp).toISOString();
    meta.append(author, time);
    const body = document.createElement("p");
    body.className = "text";
    body.textContent = String(message.text ?? "");
    item.append(meta, body);
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(item);
    if (atBottom || message.name === myName) list.scrollTop = list.scrollHeight;
  }

  function renderTyping() {
    const names = [...typists.keys()];
    if (names.length === 0) typingLine.textContent = "";
    else if (names.length === 1) typingLine.textContent = names[0] + " is typing…";
    else if (names.length === 2) typingLine.textContent = names[0] + " and " + names[1] + " are typing…";
    else typingLine.textContent = "Several people are typing…";
  }

  function setTyping(value) {
    clearTimeout(typingTimer);
    if (value) typingTimer = setTimeout(() => setTyping(false), TYPING_IDLE_MS);
    if (value === typingSent || !myName) return;
    typingSent = value;
    (value ? socket.volatile : socket).emit("typing", value); // a lost "stop" would linger
  }

  function register(name, onDone) {
    socket.timeout(5000).emit("register", name, (err, answer) => {
      if (err) return onDone("The server did not answer. Try again.");
      if (!answer || !answer.ok) return onDone((answer && answer.error) || "Could not join.");
      myName = answer.name;
      onDone(null);
    });
  }

  // ---- connection state

  socket.on("connect", () => {
    setStatus("connected", "Connected");
    // After a reconnection the server has forgotten our name: register again.
    if (myName) register(myName, (error) => { if (error) setStatus("error", error); });
  });
  socket.on("disconnect", (reason) => {
    setStatus("disconnected", reason === "io client disconnect" ? "Disconnected" : "Connection lost, reconnecting…");
    typists.forEach((timer) => clearTimeout(timer));
    typists.clear();
    renderTyping();
    typingSent = false;
  });
  socket.on("connect_error", () => setStatus("disconnected", "Cannot reach the server, retrying…"));
  socket.io.on("reconnect_attempt", (attempt) => setStatus("connecting", "Reconnecting (attempt " + attempt + ")…"));

  // ---- server events

  socket.on("chatHistory", (messages) => {
    if (Array.isArray(messages)) messages.forEach(addMessage);
  });
  socket.on("receiveMessage", (message) => {
    addMessage(message);
    if (message && typists.has(message.name)) {
      clearTimeout(typists.get(message.name));
      typists.delete(message.name);
      renderTyping();
    }
  });
  socket.on("typing", (event) => {
    if (!event || typeof event.name !== "string" || event.name === myName) return;
    clearTimeout(typists.get(event.name));
    if (event.typing) typists.set(event.name, setTimeout(() => { typists.delete(event.name); renderTyping(); }, TYPING_IDLE_MS * 3));
    else typists.delete(event.name);
    renderTyping();
  });

  // ---- user actions

  joinForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = nameInput.value.trim();
    if (!name) return showError(joinError, "Please enter a name.");
    const button = joinForm.querySelector("button");
    button.disabled = true;
    register(name, (error) => {
      button.disabled = false;
      if (error) return showError(joinError, error);
      showError(joinError, "");
      joinSection.hidden = true;
      chatSection.hidden = false;
      list.scrollTop = list.scrollHeight;
      textInput.focus();
    });
  });

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = textInput.value;
    if (!text.trim()) return;
    setTyping(false);
    const button = composer.querySelector("button");
    button.disabled = true;
    socket.timeout(5000).emit("sendMessage", { text }, (err, answer) => {
      button.disabled = false;
      if (err) return showError(sendError, "Message not delivered (no answer from the server).");
      if (!answer || !answer.ok) return showError(sendError, (answer && answer.error) || "Message not delivered.");
      showError(sendError, "");
      if (textInput.value === text) textInput.value = "";
      textInput.focus();
    });
  });

  textInput.addEventListener("input", () => setTyping(textInput.value.length > 0));
  textInput.addEventListener("blur", () => setTyping(false));
})();
