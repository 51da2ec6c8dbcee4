// Renders /api/openapi.json with the vendored Swagger UI (no inline script: the CSP forbids it).
document.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger");
  window.SwaggerUIBundle({
    url: root.dataset.specUrl,
    domNode: root,
    deepLinking: true,
    tryItOutEnabled: false,
  });
});
