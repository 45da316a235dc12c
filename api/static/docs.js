// The API documentation page: Swagger UI (served by this app) over /openapi.json.
"use strict";

window.addEventListener("DOMContentLoaded", function showDocs() {
  // eslint-disable-next-line no-undef
  SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true});
});
