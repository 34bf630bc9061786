import { chromium } from "@playwright/test";
const base = "http://127.0.0.1:31000";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.goto(base + "/sign-in");
await page.getByLabel("Email").fill("jordan.reyes@demo.gwm.test");
await page.getByLabel("Password").fill("Capture-Demo-2026!");
await page.getByRole("button", { name: /sign in/i }).click();
await page.waitForURL(u => !u.pathname.startsWith("/sign-in"));
await page.goto(base + "/projects");
await page.waitForSelector("[data-testid=projects-table]");
await page.screenshot({ path: "/tmp/p-table.png" });
await page.getByRole("link", { name: "Import CSV" }).click();
await page.waitForURL(/\/projects\/import/);
await page.waitForSelector("section[data-hydrated='true']");
await page.screenshot({ path: "/tmp/p-import-start.png", fullPage: true });
const csv = ["Project,Solicitation,Agency,Stage,Status,Priority,PWin (%),Estimated value,Response due (UTC),Capture manager",
  "Coastal Radar Sustainment,N00024-27-R-5521,NAVSEA,Phase 1 · Opportunity assessment,Active,High,35,\"$12,400,000\",2027-05-01,jordan.reyes@demo.gwm.test",
  "Border Analytics Cloud,,DHS,2,Active,Medium,,,,",
  "Misfiled Phase,,,Phase 9,,,140,lots,,",
  "Unknown Lead Program,,,,,,,,,someone@else.test"].join("\r\n");
await page.getByTestId("import-file").setInputFiles({ name: "pipeline.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
await page.waitForURL(/\/imports\//);
await page.waitForSelector("[data-testid=import-preview]");
await page.screenshot({ path: "/tmp/p-import-map.png", fullPage: true });
await page.getByTestId("import-start").click();
await page.getByTestId("import-status").filter({ hasText: "Imported" }).waitFor();
await page.screenshot({ path: "/tmp/p-import-done.png", fullPage: true });
await page.goto(base + "/contacts?q=dana+cont");
await page.waitForSelector("section[data-hydrated='true']");
await page.screenshot({ path: "/tmp/p-contact-search.png" });
await page.keyboard.press("Control+k");
await page.keyboard.type("coastal rad");
await page.waitForTimeout(1200);
await page.screenshot({ path: "/tmp/p-finder.png" });
await browser.close();
