import { expect, test } from "@playwright/test";
import { signIn, watchConsole } from "./helpers";

test("a capture manager builds an agency with an office and two people, and finds them", async ({ page }) => {
  const problems = watchConsole(page);
  // Unique per run: the suite shares one demo database.
  const tag = Date.now().toString(36);
  await signIn(page, "jordan.reyes@demo.gwm.test", undefined, "/organizations/new");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.getByLabel("Name").fill(`Defense Logistics Agency ${tag}`);
  await page.getByLabel("Kind").selectOption({ label: "Government agency" });
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(/\/organizations\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Defense Logistics Agency ${tag}`);

  // An office below it: the form starts under the agency.
  await page.getByRole("link", { name: "Add an office" }).click();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await expect(page.getByLabel("Part of")).toHaveValue(/[0-9a-f-]{36}/);
  await page.getByLabel("Name").fill(`DLA Troop Support ${tag}`);
  // A wrong UEI is named, nothing saved.
  await page.getByLabel("UEI").fill("ABC");
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page.getByTestId("form-error")).toContainText("the UEI \u201cABC\u201d has 3 characters; a UEI has 12");
  await page.getByLabel("UEI").fill("");
  await page.getByRole("button", { name: "Create organization" }).click();
  await expect(page).toHaveURL(/\/organizations\/[0-9a-f-]{36}$/);
  const office = page.url();
  await expect(page.getByRole("navigation", { name: "Where it sits" })).toContainText(`Defense Logistics Agency ${tag}`);

  // Two people at the office.
  await page.getByRole("link", { name: "Add a person" }).click();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.getByLabel("First name").fill("Avery");
  await page.getByLabel("Last name").fill(`Quinn${tag}`);
  await page.getByLabel("Title").fill("Contracting Officer");
  await page.getByLabel("E-mail").fill(`avery.${tag}@dla.example.gov`);
  await page.getByLabel("Kind").selectOption({ label: "Contracting officer" });
  await page.getByLabel("Relationship strength").selectOption({ label: "4 — trusted" });
  await page.getByRole("button", { name: "Create contact" }).click();
  await expect(page).toHaveURL(/\/contacts\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(`Avery Quinn${tag}`);
  await expect(page.getByRole("navigation", { name: "Where they work" })).toContainText(`DLA Troop Support ${tag}`);

  await page.goto(`${office}`);
  await page.getByRole("link", { name: "Add a person" }).click();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.getByLabel("First name").fill("Morgan");
  await page.getByLabel("Last name").fill(`Ellis${tag}`);
  // The same e-mail as Avery's: a warning that links to her, nothing saved yet.
  await page.getByLabel("E-mail").fill(`AVERY.${tag}@dla.example.gov`);
  await page.getByRole("button", { name: "Create contact" }).click();
  await expect(page.getByTestId("form-error")).toContainText(`Avery Quinn${tag} already has this e-mail address`);
  await expect(page.getByTestId("existing")).toHaveAttribute("href", /\/contacts\/[0-9a-f-]{36}$/);
  await page.getByLabel("E-mail").fill(`morgan.${tag}@dla.example.gov`);
  await page.getByRole("button", { name: "Create contact" }).click();
  await expect(page).toHaveURL(/\/contacts\/[0-9a-f-]{36}$/);

  // Both found from the contacts list by their office's name, and listed on the office's page.
  await page.goto(`/contacts?q=${encodeURIComponent(`troop support ${tag}`)}`);
  const results = page.locator("[data-results]");
  await expect(results.getByRole("link", { name: `Avery Quinn${tag}` })).toBeVisible();
  await expect(results.getByRole("link", { name: `Morgan Ellis${tag}` })).toBeVisible();
  await page.goto(office);
  await expect(page.getByTestId("org-people").locator("tbody tr")).toHaveCount(2);
  expect(problems).toEqual([]);
});
