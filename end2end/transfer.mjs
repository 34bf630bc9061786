// What a page costs a browser (not part of the suite; numbers for closing notes and regressions):
// `node transfer.mjs [PATH]` against a running server (BASE_URL, default http://127.0.0.1:3000) signs in
// (WHO / PASSWORD, default a demo capture manager) and loads PATH (default /pipeline) twice in Chromium:
// first with an empty cache, then again as a repeat visit. For each load it prints the bytes over the wire
// (encoded, as the network delivered them) by kind, and the time from navigation to a hydrated page.
import { chromium } from "@playwright/test";

const base = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const path = process.argv[2] ?? "/pipeline";
const who = process.env.WHO ?? "jordan.reyes@demo.gwm.test";
const password = process.env.PASSWORD ?? "Capture-Demo-2026!";

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
});
const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
const page = await context.newPage();
await page.goto(`${base}/sign-in`);
await page.locator("main[data-hydrated='true']").waitFor();
await page.getByLabel("Email").fill(who);
await page.getByLabel("Password").fill(password);
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
await page.goto("about:blank");

const cdp = await context.newCDPSession(page);
await cdp.send("Network.enable");
const kinds = new Map();
const sizes = {};
cdp.on("Network.responseReceived", (e) => kinds.set(e.requestId, { url: e.response.url, fromCache: e.response.fromDiskCache || e.response.fromMemoryCache }));
cdp.on("Network.loadingFinished", (e) => {
  const url = kinds.get(e.requestId)?.url ?? "";
  const kind = url.endsWith(".wasm") ? "wasm" : url.endsWith(".js") ? "js" : url.endsWith(".css") ? "css" : url.includes("/api/") ? "api" : "html/other";
  sizes[kind] = (sizes[kind] ?? 0) + e.encodedDataLength;
});

async function load(label) {
  for (const k of Object.keys(sizes)) delete sizes[k];
  const started = Date.now();
  await page.goto(`${base}${path}`);
  await page.locator("[data-hydrated='true']").first().waitFor({ timeout: 60_000 });
  const hydratedMs = await page.evaluate(() => Math.round(performance.now()));
  await page.waitForLoadState("networkidle");
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `${label}: ${kib(total)} over the wire (${Object.entries(sizes).map(([k, v]) => `${k} ${kib(v)}`).join(", ")}); ` +
      `hydrated ${hydratedMs} ms after navigation (${Date.now() - started} ms wall)`,
  );
}

// Signing in loaded the bundle: forget it, so the first load is a first visit's.
await cdp.send("Network.clearBrowserCache");
await load("first load (empty cache)");
await load("repeat load");
await browser.close();
