/*
 * The welfare-concern chat widget. Embed it on any page with two lines:
 *
 *   <link rel="stylesheet" href="https://CHAT-SERVICE/widget/widget.css">
 *   <script src="https://CHAT-SERVICE/widget/widget.js" defer></script>
 *
 * It talks only to the service it was loaded from. Optional attributes on the
 * script tag: data-exit-url (where "Leave this site" goes).
 *
 * Written for people who may be frightened, on a shared device, with someone
 * nearby: the transcript is kept only for this tab (sessionStorage, never
 * localStorage); "Leave this site" and Escape pressed twice wipe it and replace
 * the page, so Back does not return; every reply is shown as text, never HTML.
 *
 * Where the service offers more than one language, a menu chooses it, and the
 * choice wins. Until the person chooses, the service answers in the language
 * their first messages are written in.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var SERVICE = new URL(script.src, window.location.href).origin;
  var EXIT_URL = script.getAttribute("data-exit-url") || "https://www.google.com/";
  var STORAGE_KEY = "welfare-chat";
  var DOUBLE_ESCAPE_MS = 1500;
  var MAX_LENGTH = 2000;
  // After this many typed messages the language is settled: a Polish name
  // given in an English report must not move the report into Polish.
  var FIRST_MESSAGES = 3;
  // The widget's own words, in English. Another language's come with the
  // list of languages the service offers (its translator's widget words), and
  // are shown once the conversation is in that language.
  var ENGLISH = {
    launcher: "Worried about someone? Chat with us",
    title: "Worried about someone?",
    language: "Language",
    notice: "If anyone is in danger now, call 999. This is an automated assistant.",
    message: "Your message",
    send: "Send",
    clear: "Clear chat",
    close: "Close",
    close_label: "Close the chat",
    leave: "Leave this site",
    leave_title: "Leaves at once and clears this chat. You can also press Esc twice.",
    typing: "The assistant is typing\u2026",
    you: "You: ",
    assistant: "Assistant: ",
    unreachable:
      "Sorry, I can't connect just now. If anyone is in danger, call 999. " +
      "Otherwise you can call 101 at any time, day or night.",
  };

  var state = load();
  var lastEscape = 0;
  var busy = false;

  function load() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      if (saved && Array.isArray(saved.messages)) {
        // A transcript saved by an older widget lacks the newer fields.
        return Object.assign(fresh(false), saved);
      }
    } catch (ignored) {
      // A damaged or blocked store just means starting afresh.
    }
    return fresh(false);
  }

  function fresh(open) {
    return {
      sender: null,
      messages: [],
      open: open,
      language: "en",
      chosen: false,
      written: 0,
      languages: [],
    };
  }

  function save() {
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (ignored) {
      // Private modes may refuse storage; the chat still works on this page.
    }
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text !== undefined) {
      node.textContent = text; // always text: a reply can never become HTML
    }
    return node;
  }

  // The page furniture ------------------------------------------------------

  var exitButton = element("button", { type: "button", class: "wc-exit" });

  var launcher = element(
    "button",
    { type: "button", class: "wc-launcher", "aria-expanded": "false", "aria-controls": "wc-panel" }
  );

  var panel = element("section", {
    id: "wc-panel",
    class: "wc-panel",
    role: "dialog",
    "aria-labelledby": "wc-title",
    "aria-describedby": "wc-notice",
  });
  panel.hidden = true;

  var header = element("div", { class: "wc-header" });
  var title = element("h2", { id: "wc-title", class: "wc-title" });
  header.appendChild(title);
  var clearButton = element("button", { type: "button", class: "wc-clear" });
  var closeButton = element("button", { type: "button", class: "wc-close" });
  header.appendChild(clearButton);
  header.appendChild(closeButton);

  var notice = element("p", { id: "wc-notice", class: "wc-notice" });
  var log = element("div", {
    class: "wc-log",
    role: "log",
    "aria-live": "polite",
    "aria-label": "Conversation",
    tabindex: "0",
  });
  var typing = element("p", { class: "wc-typing", role: "status" });
  var form = element("form", { class: "wc-form" });
  var label = element("label", { for: "wc-input", class: "wc-visually-hidden" });
  var input = element("textarea", {
    id: "wc-input",
    class: "wc-input",
    rows: "2",
    maxlength: String(MAX_LENGTH),
    autocomplete: "off",
  });
  var sendButton = element("button", { type: "submit", class: "wc-send" });
  form.appendChild(label);
  form.appendChild(input);
  form.appendChild(sendButton);

  var languageRow = element("div", { class: "wc-language" });
  var languageLabel = element("label", { for: "wc-language" });
  languageRow.appendChild(languageLabel);
  var languageMenu = element("select", { id: "wc-language", class: "wc-language-menu" });
  languageRow.appendChild(languageMenu);
  // In development a language whose replies no translator has reviewed is
  // still offered, with this note; in production the service refuses it.
  var draftNote = element("p", { class: "wc-draft-note" });
  languageRow.appendChild(draftNote);
  languageRow.hidden = true;

  [header, languageRow, notice, log, typing, form].forEach(function (part) {
    panel.appendChild(part);
  });

  // Showing the conversation --------------------------------------------------

  function words() {
    var current = (state.languages || []).filter(function (language) {
      return language.code === state.language;
    })[0];
    var own = (current && current.words) || {};
    var chosen = {};
    Object.keys(ENGLISH).forEach(function (key) {
      chosen[key] = own[key] || ENGLISH[key];
    });
    return chosen;
  }

  function showWords() {
    // Everything around the conversation speaks the conversation's language.
    var said = words();
    [exitButton, launcher, panel].forEach(function (part) {
      part.setAttribute("lang", state.language || "en");
    });
    exitButton.textContent = said.leave;
    exitButton.title = said.leave_title;
    launcher.textContent = said.launcher;
    title.textContent = said.title;
    clearButton.textContent = said.clear;
    closeButton.textContent = said.close;
    closeButton.setAttribute("aria-label", said.close_label);
    notice.textContent = said.notice;
    label.textContent = said.message;
    sendButton.textContent = said.send;
    languageLabel.textContent = said.language;
    typing.textContent = busy ? said.typing : "";
  }

  function showLanguages() {
    var languages = state.languages || [];
    languageRow.hidden = languages.length < 2;
    languageMenu.textContent = "";
    languages.forEach(function (language) {
      var option = element("option", { value: language.code, lang: language.code }, language.name);
      option.selected = language.code === state.language;
      languageMenu.appendChild(option);
    });
    var current = languages.filter(function (language) {
      return language.code === state.language;
    })[0];
    draftNote.hidden = !(current && current.draft);
    draftNote.textContent = current
      ? "Development only: the " + current.name + " replies are a draft that no " +
        "qualified translator has reviewed yet."
      : "";
  }

  function showMessage(message, index) {
    var bubble = element("div", { class: "wc-msg wc-" + message.from });
    if (message.lang) {
      bubble.setAttribute("lang", message.lang); // read aloud in its own language
    }
    var who = message.from === "bot" ? words().assistant : words().you;
    bubble.appendChild(element("span", { class: "wc-visually-hidden" }, who));
    String(message.text)
      .split(/\n+/)
      .forEach(function (paragraph) {
        if (paragraph.trim()) {
          bubble.appendChild(element("p", {}, paragraph));
        }
      });
    if (message.buttons && message.buttons.length) {
      var choices = element("div", { class: "wc-choices" });
      message.buttons.forEach(function (button) {
        var choice = element("button", { type: "button", class: "wc-choice" }, button.title);
        // Only the latest question's buttons can still be pressed.
        choice.disabled = index !== state.messages.length - 1 || busy;
        choice.addEventListener("click", function () {
          send(button.payload, button.title);
        });
        choices.appendChild(choice);
      });
      bubble.appendChild(choices);
    }
    log.appendChild(bubble);
  }

  function render() {
    showLanguages();
    showWords();
    log.textContent = "";
    state.messages.forEach(showMessage);
    log.scrollTop = log.scrollHeight;
  }

  function add(from, text, buttons, lang) {
    state.messages.push({ from: from, text: text, buttons: buttons || [], lang: lang });
    save();
    render();
  }

  function setBusy(waiting) {
    busy = waiting;
    typing.textContent = waiting ? words().typing : "";
    typing.classList.toggle("wc-typing-on", waiting);
    sendButton.disabled = waiting;
    render();
  }

  // Talking to the service ----------------------------------------------------

  function post(path, body) {
    return window
      .fetch(SERVICE + path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "omit",
      })
      .then(function (answer) {
        return answer.json().then(function (data) {
          var language = answer.headers.get("Content-Language");
          return { status: answer.status, data: data, language: language };
        });
      });
  }

  function showReplies(replies, language) {
    replies.forEach(function (reply) {
      add("bot", reply.text, reply.buttons, language);
    });
  }

  function startConversation() {
    setBusy(true);
    return post("/api/session", state.chosen ? { language: state.language } : {})
      .then(function (result) {
        if (result.status !== 200) {
          throw new Error("session refused");
        }
        state.sender = result.data.sender;
        state.language = result.data.language || "en";
        state.languages = result.data.languages || [];
        save();
        showReplies(result.data.replies, state.language);
      })
      .catch(function () {
        add("bot", words().unreachable);
      })
      .then(function () {
        setBusy(false);
      });
  }

  function send(message, shown) {
    if (busy || !message.trim()) {
      return;
    }
    add("user", shown || message);
    var ready = state.sender ? Promise.resolve() : startConversation();
    ready.then(function () {
      if (!state.sender) {
        return;
      }
      setBusy(true);
      var body = {
        sender: state.sender,
        message: message,
        language: state.language,
        detect: !state.chosen && state.written < FIRST_MESSAGES,
      };
      if (!shown) {
        state.written += 1; // typed, not a button
      }
      post("/api/chat", body)
        .then(function (result) {
          if (result.status === 200) {
            state.language = result.language || state.language;
            showReplies(result.data, state.language);
          } else {
            if (result.status === 400 && /not known/.test(result.data.error || "")) {
              state.sender = null; // e.g. the service was reset: start again next time
              save();
            }
            add("bot", (result.data.error || "Sorry, that didn't work.") + " " + words().unreachable);
          }
        })
        .catch(function () {
          add("bot", words().unreachable);
        })
        .then(function () {
          setBusy(false);
          input.focus();
        });
    });
  }

  // Opening, closing, clearing, leaving -------------------------------------

  function open() {
    panel.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    save();
    input.focus();
    if (!state.sender && !state.messages.length) {
      startConversation();
    }
  }

  function close() {
    panel.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }

  function forget(stayOpen) {
    // The transcript goes from memory, from storage and from the page.
    state = fresh(stayOpen);
    try {
      window.sessionStorage.removeItem(STORAGE_KEY);
    } catch (ignored) {
      // nothing stored
    }
    log.textContent = "";
  }

  function clearConversation() {
    var language = state.chosen ? state.language : null;
    forget(true);
    if (language) {
      state.language = language; // a chosen language outlasts clearing the chat
      state.chosen = true;
    }
    startConversation();
    input.focus();
  }

  function chooseLanguage() {
    state.language = languageMenu.value;
    state.chosen = true;
    save();
    var written = state.messages.some(function (message) {
      return message.from === "user";
    });
    if (!written && !busy) {
      // Nothing said yet: start again, greeted in the chosen language.
      var languages = state.languages;
      forget(true);
      state.language = languageMenu.value;
      state.chosen = true;
      state.languages = languages;
      startConversation();
    } else {
      render();
    }
    input.focus();
  }

  function leave() {
    // Wipe first, then replace this page in the history, so Back cannot
    // bring the chat back.
    forget(false);
    panel.hidden = true;
    document.title = "";
    window.location.replace(EXIT_URL);
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) {
      open();
    } else {
      close();
    }
  });
  closeButton.addEventListener("click", close);
  clearButton.addEventListener("click", clearConversation);
  languageMenu.addEventListener("change", chooseLanguage);
  exitButton.addEventListener("click", leave);

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (text.trim() && !busy) {
      input.value = "";
      send(text.slice(0, MAX_LENGTH));
    }
  });
  input.addEventListener("keydown", function (event) {
    // Enter sends; Shift+Enter makes a new line.
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var now = Date.now();
    if (now - lastEscape < DOUBLE_ESCAPE_MS) {
      leave();
      return;
    }
    lastEscape = now;
    if (!panel.hidden) {
      close();
    }
  });

  function mount() {
    document.body.appendChild(exitButton);
    document.body.appendChild(launcher);
    document.body.appendChild(panel);
    render();
    if (state.open) {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mount);
  } else {
    mount();
  }
})();
