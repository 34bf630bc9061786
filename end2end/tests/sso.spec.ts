import { expect, test } from "@playwright/test";
import { signIn, watchConsole } from "./helpers";

const IDP_METADATA_URL = process.env.IDP_METADATA_URL ?? "";

async function idpLogin(page: import("@playwright/test").Page, username: string, password: string) {
  await expect(page.locator("input[name=username]")).toBeVisible();
  await page.locator("input[name=username]").fill(username);
  await page.locator("input[name=password]").fill(password);
  await page.locator("input[name=password]").press("Enter");
}

test("an admin connects the SAML IdP, then a new person signs in through it and lands on the pipeline", async ({ page, browser }) => {
  expect(IDP_METADATA_URL, "scripts/test.sh starts SimpleSAMLphp and sets IDP_METADATA_URL").not.toBe("");
  const problems = watchConsole(page);

  // The admin configures SSO from the settings page.
  await signIn(page, "admin@demo.gwm.test", undefined, "/settings/sso");
  // Typing before the page is interactive would post the form natively and lose the confirmation.
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.getByLabel("Metadata URL").fill(IDP_METADATA_URL);
  await page.getByLabel("Group to role mapping").fill("capture-team = Capture manager");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("status")).toContainText("Saved");
  await expect(page.getByText("Enabled")).toBeVisible();
  // (Checked before leaving for the IdP, whose own pages are not ours to judge.)
  expect(problems).toEqual([]);

  // The test sign-in shows what the IdP sends, without signing anyone in.
  await page.goto("/saml/login?test=1");
  await idpLogin(page, "sso.admin", "Sso-Admin-2026!");
  await expect(page.getByTestId("sso-test-result")).toBeVisible();
  await expect(page.getByText("sso.admin@example.gov").first()).toBeVisible();

  // A person who has never used GWM CRM signs in with SSO (a fresh browser: no IdP session yet).
  const context = await browser.newContext();
  const person = await context.newPage();
  let acsPost: string | null = null;
  person.on("request", (req) => {
    if (req.method() === "POST" && req.url().endsWith("/saml/acs")) acsPost = req.postData();
  });
  await person.goto("/projects");
  await expect(person).toHaveURL(/\/sign-in/);
  await person.getByRole("link", { name: "Sign in with SSO" }).click();
  await idpLogin(person, "sso.analyst", "Sso-Analyst-2026!");
  await expect(person).toHaveURL(/^[^?]*\/projects$/);
  await expect(person.getByTestId("signed-in-as")).toHaveText("Avery Analyst");
  await expect(person.getByRole("heading", { name: "Opportunity projects" })).toBeVisible();

  // Replaying the IdP's POST is refused: the RelayState and the assertion are used up.
  expect(acsPost).not.toBeNull();
  const replay = await context.request.post("/saml/acs", {
    headers: { "content-type": "application/x-www-form-urlencoded" },
    data: acsPost ?? "",
    maxRedirects: 0,
  });
  expect(replay.status()).toBe(400);
  expect(await replay.text()).toContain("was already used");
  await context.close();
});
