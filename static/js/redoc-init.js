// Starts the API reference (Redoc) with the settings the page carries in data attributes, so that
// the page needs no inline script.
(function () {
  var holder = document.getElementById("redoc-settings");
  if (!holder || !window.Redoc) return;
  var settings = JSON.parse(holder.getAttribute("data-settings") || "{}");
  window.Redoc.init(holder.getAttribute("data-schema-url"), settings, document.getElementById("redoc-container"));
})();
