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

test("a capture manager gives people roles on a pursuit, changes one and takes one away", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "priya.natarajan@demo.gwm.test", undefined, "/projects");
  await page.getByRole("link", { name: /\(Navy\)/ }).first().click();
  await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}$/);
  await page.getByRole("navigation", { name: "Project sections" }).getByRole("link", { name: "Contacts" }).click();
  await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}\/contacts$/);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  const roles = page.getByTestId("role");
  const before = await roles.count();

  // A person from another office, as an executive sponsor who champions us.
  const form = page.getByTestId("add-role");
  await form.getByLabel("Person").selectOption({ index: 1 });
  const person = (await form.getByLabel("Person").locator("option:checked").textContent())?.split(" \u2014 ")[0] ?? "";
  await form.getByLabel("Role").selectOption({ label: "Executive sponsor" });
  await form.getByLabel("Influence").selectOption({ label: "5 of 5" });
  await form.getByLabel("Stance toward us").selectOption({ label: "Champion" });
  await form.getByLabel("Notes").fill("Owns the modernization budget");
  await form.getByRole("button", { name: "Add to this pursuit" }).click();
  await expect(roles).toHaveCount(before + 1);
  const added = roles.filter({ hasText: "Executive sponsor" });
  await expect(added).toContainText(person);
  await expect(added).toContainText("Champion");
  await expect(added).toContainText("Owns the modernization budget");

  // The same role again is refused with the reason.
  await form.getByLabel("Person").selectOption({ index: 1 });
  await form.getByLabel("Role").selectOption({ label: "Executive sponsor" });
  await form.getByRole("button", { name: "Add to this pursuit" }).click();
  await expect(form.getByRole("alert")).toContainText("already has that role");

  // Changed to a skeptic, then removed.
  await added.getByRole("button", { name: /^Change/ }).click();
  const change = page.getByTestId("change-role");
  await change.getByLabel("Stance toward us").selectOption({ label: "Skeptic" });
  await change.getByRole("button", { name: "Save role" }).click();
  await expect(change).toHaveCount(0);
  await expect(roles.filter({ hasText: "Executive sponsor" })).toContainText("Skeptic");
  await roles.filter({ hasText: "Executive sponsor" }).getByRole("button", { name: /^Remove/ }).click();
  await expect(roles).toHaveCount(before);
  expect(problems).toEqual([]);
});
