import "@cloudscape-design/global-styles/index.css";
import "./console.css";
import I18nProvider from "@cloudscape-design/components/i18n";
import messages from "@cloudscape-design/components/i18n/messages/all.en";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { fixLandmarkAttributes } from "./lib/a11y";

fixLandmarkAttributes();

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    {/* The library's own English labels: pagination, tab scrolling, token removal and the
        like get an accessible name without each page spelling it out. */}
    <I18nProvider locale="en" messages={[messages]}>
      <App />
    </I18nProvider>
  </StrictMode>,
);
