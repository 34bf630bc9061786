import { expect, test } from "@playwright/test";
import { signIn, watchConsole } from "./helpers";

test("an admin adds a user who can then sign in; a viewer cannot open the users page", async ({ page, browser }) => {
  const problems = watchConsole(page);
  await signIn(page, "admin@demo.gwm.test", undefined, "/settings/users");
  await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
  await expect(page.locator("tbody tr")).toHaveCount(7);
  await page.getByText("Add a user").click();
  await page.getByLabel("Email").fill("morgan.lake@demo.gwm.test");
  await page.getByLabel("First name").fill("Morgan");
  await page.getByLabel("Last name").fill("Lake");
  await page.getByLabel("Role").selectOption({ label: "Contributor" });
  await page.getByLabel("Temporary password").fill("Welcome aboard 2026");
  await page.getByRole("button", { name: "Add user" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(8);
  await expect(page.getByRole("link", { name: "Morgan Lake" })).toBeVisible();
  expect(problems).toEqual([]);

  const context = await browser.newContext();
  const newcomer = await context.newPage();
  await signIn(newcomer, "morgan.lake@demo.gwm.test", "Welcome aboard 2026");
  await expect(newcomer.getByTestId("signed-in-as")).toHaveText("Morgan Lake");
  await context.close();

  const viewerContext = await browser.newContext();
  const viewer = await viewerContext.newPage();
  await signIn(viewer, "taylor.brooks@demo.gwm.test", undefined, "/settings/users");
  await expect(viewer.getByRole("alert")).toContainText("You are not allowed to manage users");
  await expect(viewer.locator("tbody tr")).toHaveCount(0);
  await viewerContext.close();
});
