// Look at a page as a person would (not part of the suite): with the server of scripts/run.sh running,
// `node screenshot.mjs /pipeline /tmp/board.png [width]` (BASE_URL: another server) signs in as a demo user (WHO=email), opens the page,
// optionally presses KEYS=Tab,Enter,... (DARK=1: the dark theme) and saves a screenshot (FULL=1: the whole page).
import { chromium } from "@playwright/test";
const [path, out, width] = process.argv.slice(2);
const base = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-background-networking"] });
const page = await browser.newPage({ viewport: { width: Number(width ?? 1440), height: 900 }, colorScheme: process.env.DARK === "1" ? "dark" : "light" });
page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") console.log("console:", m.text()); });
page.on("pageerror", (e) => console.log("pageerror:", e.message));
await page.goto(base + "/sign-in");
await page.locator("main[data-hydrated='true']").waitFor();
await page.getByLabel("Email").fill(process.env.WHO ?? "jordan.reyes@demo.gwm.test");
await page.getByLabel("Password").fill("Capture-Demo-2026!");
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
await page.goto(base + path);
await page.waitForLoadState("networkidle");
if (process.env.KEYS) { for (const k of process.env.KEYS.split(",")) { await page.keyboard.press(k); await page.waitForTimeout(150); } }
await page.waitForTimeout(500);
await page.screenshot({ path: out, fullPage: process.env.FULL === "1" });
console.log("focused:", await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 160)));
await browser.close();
