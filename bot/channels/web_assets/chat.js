// The web chat: messages out by POST, replies in by Server-Sent Events. Text is only ever
// inserted as text (never as HTML), whatever a reply or a visitor's message contains.
(function () {
  "use strict";
  var words = JSON.parse(document.getElementById("words").textContent);
  var root = document.querySelector("main.chat");
  var lang = root.dataset.lang;
  var log = document.getElementById("log");
  var status = document.getElementById("status");
  var form = document.getElementById("composer");
  var input = document.getElementById("text");
  var saved = "rb-chat-log";

  function remember(entry) {
    try {
      var all = JSON.parse(sessionStorage.getItem(saved) || "[]");
      all.push(entry);
      sessionStorage.setItem(saved, JSON.stringify(all.slice(-200)));
    } catch (e) { /* private mode: the log just isn't kept */ }
  }

  function show(who, text, buttons, keep) {
    var item = document.createElement("li");
    item.className = who;
    var bubble = document.createElement("p");
    bubble.textContent = text;
    item.appendChild(bubble);
    (buttons || []).forEach(function (b) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "choice";
      button.textContent = b.label;
      button.addEventListener("click", function () {
        if (b.share) { share(b.value); } else { send(b.value); }
      });
      item.appendChild(button);
    });
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    if (keep) { remember({ who: who, text: text, buttons: buttons || [] }); }
  }

  function id() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // A link to pass on: the system's share sheet where there is one, else the clipboard, else
  // the link itself to copy by hand. Nothing goes to the bot.
  function share(link) {
    function copy() {
      if (!navigator.clipboard) { show("note", link, [], false); return; }
      navigator.clipboard.writeText(link).then(function () {
        show("note", words.copied, [], false);
      }, function () { show("note", link, [], false); });
    }
    if (navigator.share) {
      navigator.share({ url: link }).catch(function (e) {
        if (!e || e.name !== "AbortError") { copy(); }
      });
    } else {
      copy();
    }
  }

  function send(text) {
    show("me", text, [], true);
    var body = JSON.stringify({ text: text, id: id(), lang: lang });
    fetch("/chat/messages", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: body,
      credentials: "same-origin"
    }).then(function (response) {
      if (response.status === 413) { show("note", words.too_long, [], false); }
      else if (response.status === 429) { show("note", words.too_fast, [], false); }
      else if (!response.ok) { show("note", words.failed, [], false); }
    }).catch(function () { show("note", words.failed, [], false); });
  }

  try {
    JSON.parse(sessionStorage.getItem(saved) || "[]").forEach(function (e) {
      show(e.who, e.text, e.buttons, false);
    });
  } catch (e) { /* nothing kept */ }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { return; }
    input.value = "";
    var hint = document.getElementById("join-hint");
    if (hint) { hint.remove(); }
    send(text);
  });

  var events = new EventSource("/chat/events");
  events.onopen = function () { status.textContent = words.connected; status.dataset.state = "open"; };
  events.onerror = function () { status.textContent = words.offline; status.dataset.state = "down"; };
  events.onmessage = function (event) {
    var message = JSON.parse(event.data);
    show("bot", message.text, message.buttons, true);
  };
}());
