import { expect, type ConsoleMessage, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "Capture-Demo-2026!";

/** Collects console errors/warnings and page errors, to assert none happened. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (msg: ConsoleMessage) => {
    // A refused call (sign-in 401, not allowed 403, a duplicate 409, invalid input 422) is an expected answer on the network,
    // logged by Chromium as a resource error; the tests assert the message the person sees instead.
    if (/status of (401|403|409|422)\b/.test(msg.text())) return;
    if (msg.type() === "error" || msg.type() === "warning") problems.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`pageerror: ${err.message}`));
  return problems;
}

/** Signs in through the sign-in page (which hydrates first) and waits for the landing page. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD, path = "/projects") {
  await page.goto(path);
  await expect(page).toHaveURL(/\/sign-in/);
  await expect(page.locator("main[data-hydrated='true']")).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname + url.search === path);
  // The landing page finishes loading before the test goes on (a new navigation would abort it).
  await page.waitForLoadState("load");
}
