// Loads socket.io.js from the server named in ?server=, then marks the page ready for the tests.
(function () {
  "use strict";
  const server = new URLSearchParams(location.search).get("server");
  const script = document.createElement("script");
  script.src = server + "/socket.io/socket.io.js";
  script.onload = () => { window.clientLoaded = true; document.getElementById("state").textContent = "ready"; };
  script.onerror = () => { window.clientLoaded = false; document.getElementById("state").textContent = "failed"; };
  document.head.appendChild(script);
})();
