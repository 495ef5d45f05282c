// Starts Swagger UI on /api/docs (an external script: the pages' CSP forbids inline ones).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const host = document.getElementById("swagger-ui");
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  window.SwaggerUIBundle({
    url: host.dataset.spec,
    domNode: host,
    deepLinking: true,
    // Requests from "Try it out" go out with the session cookie; state changes need the token.
    requestInterceptor: (request) => { request.headers["X-CSRF-Token"] = csrf; return request; },
  });
});
