// Keeps a survey's answers in progress in this browser only (localStorage), never on the
// server: a server-side draft would link the answers to the invitation (docs/surveys.md).
(function () {
  "use strict";
  var sent = document.querySelector("[data-survey-sent]");
  if (sent) {
    try { window.localStorage.removeItem(sent.getAttribute("data-survey-sent")); } catch (e) { /* private mode */ }
    return;
  }
  var form = document.querySelector("form[data-survey-draft]");
  if (!form) { return; }
  var key = form.getAttribute("data-survey-draft");
  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "token" && el.name !== "csrfmiddlewaretoken";
    });
  }
  function save() {
    var data = {};
    fields().forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox")) {
        if (el.checked) { (data[el.name] = data[el.name] || []).push(el.value); }
      } else if (el.value) {
        data[el.name] = [el.value];
      }
    });
    try { window.localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* full or private */ }
  }
  function restore() {
    // Only a fresh form: after a refused submission the server's values are the truth.
    var filled = fields().some(function (el) {
      return (el.type === "radio" || el.type === "checkbox") ? el.checked : !!el.value;
    });
    if (filled) { return; }
    var data;
    try { data = JSON.parse(window.localStorage.getItem(key) || "{}"); } catch (e) { return; }
    fields().forEach(function (el) {
      var values = data[el.name];
      if (!values) { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.indexOf(el.value) >= 0;
      } else if (!el.value) {
        el.value = values[0];
      }
    });
  }
  restore();
  form.addEventListener("change", save);
  form.addEventListener("input", save);
})();
