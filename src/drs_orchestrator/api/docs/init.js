// Swagger UI over this server's own OpenAPI document; a file (not inline) so that the
// Content-Security-Policy can forbid inline script.
window.ui = SwaggerUIBundle({
  url: "/api/v1/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  layout: "BaseLayout",
  presets: [SwaggerUIBundle.presets.apis],
  persistAuthorization: false,
});
