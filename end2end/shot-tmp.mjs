import { chromium } from "playwright";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium" });
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const base = "http://127.0.0.1:3000";
await page.goto(base + "/sign-in");
await page.getByLabel("Email").fill(process.env.WHO ?? "jordan.reyes@demo.gwm.test");
await page.getByLabel("Password").fill("Capture-Demo-2026!");
await page.getByRole("button", { name: /sign in/i }).click();
await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
const mode = process.argv[2];
if (mode === "project") {
  await page.goto(base + "/projects");
  const row = page.locator("tbody tr").filter({ has: page.locator("[title='Unacknowledged changes from the source']") }).first();
  await row.getByRole("link").first().click();
  await page.waitForSelector("[data-testid=source-changes]");
  await page.waitForTimeout(1500);
  await page.getByTestId("source-changes").scrollIntoViewIfNeeded();
  await page.screenshot({ path: "/tmp/project-changes.png" });
} else if (mode === "opportunity") {
  await page.goto(base + "/opportunities?show=all");
  await page.getByTestId("opportunity").first().getByRole("link").first().click();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: "/tmp/opportunity.png", fullPage: true });
} else if (mode === "source-form") {
  await page.goto(base + "/settings/sources");
  await page.waitForSelector("section[data-hydrated='true']");
  await page.getByRole("button", { name: "Add a source" }).click();
  await page.waitForTimeout(500);
  await page.screenshot({ path: "/tmp/source-form.png" });
} else {
  await page.goto(base + mode);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: "/tmp/page.png", fullPage: true });
}
await browser.close();
