import { expect, test } from "@playwright/test";
import { DEMO_PASSWORD, signIn, watchConsole } from "./helpers";

test("a wrong password is refused with a clear message, the right one signs in, sign-out ends the session", async ({ page }) => {
  const problems = watchConsole(page);
  await page.goto("/projects");
  await expect(page).toHaveURL(/\/sign-in\?next=\/projects$/);
  await expect(page.locator("main[data-hydrated='true']")).toBeVisible();

  await page.getByLabel("Email").fill("priya.natarajan@demo.gwm.test");
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("The email or password is not correct.");
  await expect(page).toHaveURL(/\/sign-in/);

  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/^[^?]*\/projects$/);
  await expect(page.getByTestId("signed-in-as")).toHaveText("Priya Natarajan");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in/);
  // The old session is gone: the pipeline asks for sign-in again.
  await page.goto("/projects");
  await expect(page).toHaveURL(/\/sign-in\?next=\/projects$/);
  expect(problems).toEqual([]);
});

test("signing in keeps the page the person asked for", async ({ page }) => {
  await signIn(page, "elena.fischer@demo.gwm.test", DEMO_PASSWORD, "/projects?stage=awarded");
});
