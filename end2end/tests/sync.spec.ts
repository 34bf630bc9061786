import { expect, test } from "@playwright/test";
import { signIn, watchConsole } from "./helpers";

// The scripted SAM.gov-shaped feed scripts/test.sh starts (gwm-crm demo-feed); the demo tenant's own source
// polls it from the server's first minute.
const FEED = process.env.DEMO_FEED_URL ?? "http://127.0.0.1:3090";
const FEED_KEY = "demo-feed-key-2026";

test("an admin adds a source and tests the connection", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "admin@demo.gwm.test", undefined, "/settings/sources");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.getByRole("button", { name: "Add a source" }).click();
  const form = page.getByTestId("source-form");
  await expect(form.getByLabel("Name")).toBeFocused();
  await form.getByLabel("Name").fill("Agency mirror");
  await form.getByLabel("Kind").selectOption({ label: "SAM.gov" });
  await form.getByLabel("Address").fill(FEED);
  await form.getByLabel("API key").fill(FEED_KEY);
  await form.getByLabel("Records a page").fill("10");
  await form.getByRole("button", { name: "Save source" }).click();
  await expect(form).toHaveCount(0);
  const card = page.getByTestId("source").filter({ has: page.getByRole("heading", { name: /Agency mirror/ }) });
  await expect(card).toContainText("API key ending …2026");
  await expect(card).toContainText("10 records a page");
  await card.getByRole("button", { name: "Test connection" }).click();
  await expect(card.getByTestId("source-test")).toContainText(/Connected: the source answered HTTP 200 in \d+ ms/);
  await expect(card.getByTestId("source-test")).toContainText("For example:");
  // A wrong setting is named, nothing saved.
  await card.getByRole("button", { name: "Edit" }).click();
  await form.getByLabel("Records a page").fill("5000");
  await form.getByRole("button", { name: "Save source" }).click();
  await expect(form.getByRole("alert")).toContainText("The page size must be a whole number from 1 to 1000.");
  await form.getByRole("button", { name: "Cancel" }).click();
  await expect(card).toContainText("10 records a page");
  expect(problems).toEqual([]);
});

test("the inbox lists what the sources returned and a capture manager pursues one", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "jordan.reyes@demo.gwm.test", undefined, "/opportunities");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  // The demo source's first poll runs as the server starts; a reload shows it once it is stored.
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("opportunity").first()).toBeVisible({ timeout: 2000 });
  }).toPass({ timeout: 30_000 });
  await page.getByLabel("Search").fill("Zero Trust");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/q=Zero\+Trust/);
  const row = page.getByTestId("opportunity").first();
  await expect(row).toContainText("Zero Trust Architecture Implementation");
  await row.getByRole("button", { name: "Pursue" }).click();
  const dialog = page.getByTestId("pursue");
  await dialog.getByLabel("Start in").selectOption({ label: "Phase 1 · Opportunity assessment" });
  await dialog.getByRole("button", { name: "Create the pursuit" }).click();
  await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Zero Trust Architecture Implementation");
  // Back in the inbox it is pursued, with a way to the pursuit.
  await page.goto("/opportunities?show=pursued");
  await expect(page.getByTestId("opportunity").first().getByRole("link", { name: /Open the pursuit/ })).toBeVisible();
  expect(problems).toEqual([]);
});
