// The "Copy the token" button on the page that shows a new API token once.
(function () {
  var button = document.getElementById("api-token-copy");
  var field = document.getElementById("api-token");
  var status = document.getElementById("api-token-copied");
  if (!navigator.clipboard || !button || !field) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(
      function () { status.textContent = "The token is copied."; },
      function () { field.select(); status.textContent = "Copying did not work: the token is selected, so copy it yourself."; }
    );
  });
})();
