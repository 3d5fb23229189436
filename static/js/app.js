/*
 * The little JavaScript the pages use. Everything works without it; it only adds
 * conveniences on top of plain forms.
 *
 * 1. A form with data-confirm="…" asks window.confirm(…) before it is submitted; so
 *    does a submit button with data-confirm (for a form with several actions).
 * 2. A text input with data-suggest="<API list URL>" and list="<datalist id>" offers
 *    matching schools or regions as the user types: it asks the (scoped) API for up
 *    to 20 matches and fills the datalist with their codes, labelled by name and
 *    region (schools) or level (regions).
 * 3. A mentorship record form (data-record-form) shows the lesson fields only for the
 *    kinds about a lesson, marks those an observation requires (data-observation-
 *    required) as required while it is one, and opens the reflection checklist for a
 *    reflection.
 * 4. While a worker does long work (checks or imports a file, builds a document), its
 *    page (data-progress="<URL>") asks every two seconds how far it is ({"running",
 *    and "done" and "rows" where it counts, or "status_label"), moves the progress bar,
 *    and reloads the page once the work is done. Without JavaScript the page has a
 *    Refresh link.
 * 5. A button with data-print (hidden until this script shows it) prints the page.
 * 6. A button with data-copy="<input id>" (hidden until this script shows it) copies
 *    that input's value to the clipboard and writes data-copied="…" (or, if copying
 *    failed, data-copy-failed="…", with the text selected to copy by hand) into the
 *    live region data-copy-status="<id>".
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var submitter = event.submitter;
    var question =
      (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  function suggest(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var endpoint = input.getAttribute("data-suggest");
    if (!list || !endpoint) {
      return;
    }
    var timer = null;
    var wanted = "";
    var shown = "";
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var term = input.value.trim();
      wanted = term;
      // A whole code needs no suggestions; one character matches too much.
      if (term.length < 2 || /^\d{6,12}$/.test(term) || term === shown) {
        return;
      }
      timer = window.setTimeout(function () {
        var url = endpoint + "?page_size=20&search=" + encodeURIComponent(term);
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            return response.ok ? response.json() : { results: [] };
          })
          .then(function (data) {
            if (term !== wanted) {
              return; // the user has typed on: a later answer is on its way
            }
            shown = term;
            list.textContent = "";
            (data.results || []).forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.code;
              option.label = item.name + " · " + (item.region_name || item.level_display || "");
              option.textContent = option.label;
              list.appendChild(option);
            });
          })
          .catch(function () {
            /* Suggestions are a convenience: the code box still works. */
          });
      }, 250);
    });
  }

  document.querySelectorAll("input[data-suggest][list]").forEach(suggest);

  function recordForm(form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) {
      return;
    }
    var lessonKinds = (form.getAttribute("data-lesson-kinds") || "").split(",");
    var lessonFields = ["lesson_subject", "lesson_class", "lesson_topic", "observed"];
    var checklist = form.querySelector("details.checklist");
    function update() {
      var isLesson = lessonKinds.indexOf(kind.value) !== -1;
      var required = (form.getAttribute("data-observation-required") || "").split(",");
      lessonFields.forEach(function (name) {
        var input = form.querySelector("[name=" + name + "]");
        var box = input && input.closest(".field");
        if (box) {
          box.hidden = !isLesson || (name === "observed" && kind.value !== "observation");
          var needed = kind.value === "observation" && required.indexOf(name) !== -1;
          box.classList.toggle("field-required", needed);
          input.setAttribute("aria-required", needed ? "true" : "false");
        }
      });
      if (checklist) {
        checklist.hidden = kind.value !== "reflection";
        checklist.open = kind.value === "reflection";
      }
    }
    kind.addEventListener("change", update);
    update();
  }

  document.querySelectorAll("form[data-record-form]").forEach(recordForm);

  function progress(box) {
    var url = box.getAttribute("data-progress");
    var bar = box.querySelector("progress");
    var count = box.querySelector("[data-import-count]");
    var label = box.querySelector("[data-progress-status]");
    var template = count ? count.textContent : "";
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (state) {
          if (!state) {
            return;
          }
          if (!state.running) {
            window.location.reload();
            return;
          }
          if (bar && typeof state.done === "number") {
            bar.value = state.done;
            bar.max = state.rows || 1;
          }
          if (label && state.status_label) {
            label.textContent = state.status_label;
          }
          if (count) {
            count.textContent = template.replace(/\d+/, String(state.done));
          }
          window.setTimeout(poll, 2000);
        })
        .catch(function () {
          window.setTimeout(poll, 5000);
        });
    }
    window.setTimeout(poll, 2000);
  }

  document.querySelectorAll("[data-progress]").forEach(progress);

  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!input) {
      return;
    }
    function say(message) {
      if (status) {
        // Emptied first, so that a second copy is announced again.
        status.textContent = "";
        window.setTimeout(function () {
          status.textContent = message || "";
        }, 50);
      }
    }
    function byHand() {
      input.focus();
      input.select();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      say(button.getAttribute(copied ? "data-copied" : "data-copy-failed"));
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      // The Clipboard API exists only on https (and localhost); elsewhere the old way.
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(function () {
          say(button.getAttribute("data-copied"));
        }, byHand);
      } else {
        byHand();
      }
    });
  });
})();
