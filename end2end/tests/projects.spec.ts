import { expect, test, type ConsoleMessage } from "@playwright/test";
import { signIn } from "./helpers";

test("the project list is rendered on the server, then hydrates and filters in place", async ({ page }) => {
  const problems: string[] = [];
  page.on("console", (msg: ConsoleMessage) => {
    if (msg.type() === "error" || msg.type() === "warning") problems.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));

  // Signed out, "/" leads to sign-in; signing in lands on the projects.
  await signIn(page, "jordan.reyes@demo.gwm.test");
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveURL(/^[^?]*\/projects$/);

  // Server-rendered content is there before any script runs...
  await expect(page.getByRole("heading", { name: "Opportunity projects" })).toBeVisible();
  await expect(page.locator("#main").getByText("Demo Federal Solutions")).toBeVisible();
  const rows = page.locator("tbody tr");
  await expect(rows).toHaveCount(60);

  // ...and the wasm bundle hydrates it: the marker flips only in the browser.
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();

  // Typing filters the rows without a page load, which only a hydrated page can do.
  const firstSolicitation = (await rows.first().locator(".solicitation").textContent())?.trim() ?? "";
  expect(firstSolicitation).toMatch(/^[A-Z0-9]{6}-27-[RQ]-\d{4}$/);
  await page.getByRole("searchbox", { name: "Search" }).fill(firstSolicitation);
  await expect(rows).toHaveCount(1);
  await expect(page.getByText("1 shown")).toBeVisible();

  // Stage filter: only awarded pursuits, each labelled "Won".
  await page.getByRole("searchbox", { name: "Search" }).fill("");
  await page.getByLabel("Stage").selectOption("awarded");
  await expect(rows).toHaveCount(6);
  await expect(rows.locator(".stage")).toHaveText(Array(6).fill("Won"));

  // A search that matches nothing says how to get results back.
  await page.getByRole("searchbox", { name: "Search" }).fill("no such pursuit anywhere");
  await expect(page.getByText("No pursuit matches.")).toBeVisible();

  expect(problems).toEqual([]);
});

test("an unknown page says so with a 404 and a way back", async ({ page }) => {
  await signIn(page, "taylor.brooks@demo.gwm.test");
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "This page does not exist" })).toBeVisible();
  await page.getByRole("link", { name: "your projects" }).click();
  await expect(page).toHaveURL(/^[^?]*\/projects$/);
});
