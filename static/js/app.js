/*
 * The little JavaScript the pages use. Everything works without it; it only adds
 * a confirmation before destructive actions.
 *
 * A form with data-confirm="…" asks window.confirm(…) before it is submitted; so
 * does a submit button with data-confirm (for a form with several actions).
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
})();
