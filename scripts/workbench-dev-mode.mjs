// Why this exists: newer VS Code web workbenches (1.139 here; 1.100 did not) ignore the `payload` query parameter
// (extensionDevelopmentPath, extensionTestsPath) in a built product unless the server runs with
// `--enable-smoke-test-driver`, which reaches the page as `developmentOptions.enableSmokeTestDriver` in the workbench
// configuration (VS Code's browser environment service reads the payload only when `!isBuilt ||
// enableSmokeTestDriver`; code-server 4.139.1's workbench.js has exactly that test). code-server's own CLI rejects the
// flag ("Unknown option"), so the test browser sets the option itself: before the workbench script (a deferred
// module) reads the configuration from its <meta> element, this rewrites it. Only the test browser is affected, and
// only the extension-host suites use it: with the driver on, VS Code shows no notification toasts, so the UI tests
// run Chorus installed in the extensions dir instead (scripts/vscode-tests.mjs).
// Intercepting the HTML with page.route instead makes Chromium treat the page as public, and its Local Network
// Access checks then block the workbench's WebSocket to 127.0.0.1 (net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS).
/* global document, MutationObserver -- enableSmokeTestDriverInPage runs in the browser page, not in Node */

/** Runs in every page and frame before its own scripts (serialized by playwright: self-contained). */
function enableSmokeTestDriverInPage() {
  const CONFIG_ID = "vscode-workbench-web-configuration";
  const observer = new MutationObserver(() => {
    const meta = document.getElementById(CONFIG_ID);
    if (!meta) return;
    observer.disconnect();
    const settings = meta.getAttribute("data-settings");
    if (!settings) return;
    const config = JSON.parse(settings);
    config.developmentOptions = { ...config.developmentOptions, enableSmokeTestDriver: true };
    meta.setAttribute("data-settings", JSON.stringify(config));
  });
  observer.observe(document, { childList: true, subtree: true });
  document.addEventListener("DOMContentLoaded", () => observer.disconnect(), { once: true });
}

/** Make the workbench pages of this browser context honour the development payload (extension under test). */
export async function allowDevelopmentPayload(context) {
  await context.addInitScript(enableSmokeTestDriverInPage);
}
