// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // Buttons that ask for a confirmation before a destructive POST.
  document.body.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Focus the error summary so screen-reader users hear it first.
  var summary = document.querySelector(".error-summary");
  if (summary) { summary.focus(); }
});
