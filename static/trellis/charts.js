// Draw every chart of the page from its Vega-Lite spec (a JSON script tag), with the
// locally served vega bundle. The table beside each chart stays for those who prefer numbers.
// Charts that htmx swaps in (dashboard filters) are drawn when they settle.
function drawCharts(root) {
  if (typeof window.vegaEmbed !== "function") { return; }
  root.querySelectorAll("[data-chart-spec]:not(.chart-drawn)").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-chart-spec"));
    if (!source) { return; }
    var spec = JSON.parse(source.textContent);
    // No injected <style> elements (the CSP allows none): trellis.css styles embeds and tooltips.
    var options = {
      actions: false, renderer: "svg", defaultStyle: false,
      tooltip: { disableDefaultStyle: true }
    };
    window.vegaEmbed(el, spec, options).then(function () {
      el.classList.add("chart-drawn");
    }).catch(function (error) { el.setAttribute("data-chart-error", String(error)); });
  });
}
document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); });
