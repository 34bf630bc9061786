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
  // The roles and the form render together once the tab's data is in: count only then (hydration alone
  // can come first, and a count of 0 then failed CI once).
  const form = page.getByTestId("add-role");
  await expect(form).toBeVisible();
  const roles = page.getByTestId("role");
  const before = await roles.count();

  // A person from another office, as an executive sponsor who champions us.
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

test("a capture manager teams with a subcontractor and walks the influence map with the keyboard", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "priya.natarajan@demo.gwm.test", undefined, "/projects");
  await page.getByRole("link", { name: "Enterprise Data Analytics Platform (Army)" }).first().click();
  await page.getByRole("navigation", { name: "Project sections" }).getByRole("link", { name: "Contacts" }).click();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();

  // The map: the customer's people as links, our team and the competitors beside them.
  const map = page.getByTestId("influence-map");
  await expect(map.getByTestId("map-person").first()).toBeVisible();
  await expect(map.getByRole("link", { name: /^Keystone Mission Solutions: subcontractor · 25%/ })).toBeVisible();
  await expect(map.getByRole("link", { name: /^Northwind Federal LLC: competitor/ })).toBeVisible();

  // Our team has 25%; 80% more is refused with what is left, 75% fills it.
  const teaming = page.getByTestId("teaming");
  await expect(teaming.getByTestId("team-share")).toHaveText("Our team: 25% of the work assigned, 75% open.");
  const form = page.getByTestId("add-teaming");
  await form.getByLabel("Organization").selectOption({ label: "Summit Ridge Technologies" });
  await form.getByLabel("Place").selectOption({ label: "Subcontractor" });
  await form.getByLabel("Workshare (%)").fill("80");
  await form.getByLabel("Agreement").selectOption({ label: "NDA signed" });
  await form.getByRole("button", { name: "Add to this pursuit" }).click();
  await expect(form.getByRole("alert")).toContainText("at most 75% is left");
  await form.getByLabel("Workshare (%)").fill("75");
  await form.getByRole("button", { name: "Add to this pursuit" }).click();
  await expect(teaming.getByTestId("team-share")).toHaveText("Our team: 100% of the work assigned, 0% open.");
  const summit = teaming.getByTestId("team-member").filter({ hasText: "Summit Ridge Technologies" });
  await expect(summit).toContainText("75%");
  await expect(summit).toContainText("NDA signed");
  await expect(map.getByRole("link", { name: /^Summit Ridge Technologies: subcontractor · 75%/ })).toBeVisible();

  // Keyboard only: from the section tabs, Tab reaches our team's organizations, then the people; Enter opens one.
  await page.getByRole("navigation", { name: "Project sections" }).getByRole("link", { name: "Documents" }).focus();
  await page.keyboard.press("Tab");
  await expect(map.getByTestId("map-organization").first()).toBeFocused();
  const people = await map.getByTestId("map-person").count();
  const organizations = await map.getByTestId("map-organization").count();
  for (let i = 1; i < organizations; i++) await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  const first = map.getByTestId("map-person").first();
  await expect(first).toBeFocused();
  expect(people).toBeGreaterThan(0);
  const label = (await first.locator("title").textContent()) ?? "";
  expect(label).toMatch(/influence (\d of 5|not rated); .+; our relationship: /);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/contacts\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(label.split(",")[0]);
  await page.goBack();

  // Taken off again: the share is back to 25%.
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.getByTestId("teaming").getByRole("button", { name: "Remove Summit Ridge Technologies from this pursuit" }).click();
  await expect(page.getByTestId("team-share")).toHaveText("Our team: 25% of the work assigned, 75% open.");
  expect(problems).toEqual([]);
});

test("a capture manager merges a person typed in twice and keeps both records' notes", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "priya.natarajan@demo.gwm.test", undefined, "/contacts?q=Dana+Whitaker");
  const results = page.locator("[data-results]");
  await expect(results.getByRole("link", { name: "Dana Whitaker" })).toHaveCount(2);
  // The record at the office (the one to keep) offers the business-card copy.
  await results.getByRole("row").filter({ hasText: "Contracting Officer" }).getByRole("link", { name: "Dana Whitaker" }).click();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  const duplicates = page.getByTestId("duplicates");
  await expect(duplicates.getByTestId("duplicate")).toContainText("The same name");
  await duplicates.getByRole("button", { name: "Merge Dana Whitaker into this record\u2026" }).click();
  await expect(duplicates.getByRole("group", { name: "Merge Dana Whitaker into Dana Whitaker" })).toContainText("nothing typed here is overwritten");
  await duplicates.getByRole("button", { name: "Merge Dana Whitaker into this record", exact: true }).click();
  await expect(page.getByTestId("merged")).toContainText("their notes added");
  await expect(page.getByTestId("duplicates")).toHaveCount(0);
  await expect(page.getByText("Card from the industry day; prefers calls before 10.")).toBeVisible();
  // The merged record stays, read-only, pointing here.
  await page.getByTestId("merged-records").getByRole("link", { name: "Dana Whitaker" }).click();
  await expect(page.getByTestId("merged-into")).toContainText("Merged into Dana Whitaker");
  await expect(page.getByRole("link", { name: "Edit" })).toHaveCount(0);
  expect(problems).toEqual([]);
});

test("anyone finds a contact with Ctrl-K and opens it with the keyboard alone", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "jordan.reyes@demo.gwm.test", undefined, "/pipeline");
  await expect(page.locator("main[data-hydrated='true'], section[data-hydrated='true']").first()).toBeVisible();
  await page.keyboard.press("Control+k");
  const finder = page.getByRole("dialog", { name: "Find anything" });
  const box = finder.getByRole("combobox");
  await expect(box).toBeFocused();
  await page.keyboard.type("chris kowal");
  const hits = finder.getByRole("option");
  await expect(hits.first()).toContainText("Chris Kowalski");
  await expect(hits.first()).toContainText("Contact");
  await expect(finder.getByRole("status")).toHaveText(/\d+ results?/);
  // The arrows move the active result (the box keeps focus); Enter opens it.
  const count = await hits.count();
  if (count > 1) {
    await page.keyboard.press("ArrowDown");
    await expect(hits.nth(1)).toHaveAttribute("aria-selected", "true");
    await page.keyboard.press("ArrowUp");
  }
  await expect(hits.first()).toHaveAttribute("aria-selected", "true");
  await expect(box).toHaveAttribute("aria-activedescendant", "find-hit-0");
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/contacts\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Chris Kowalski");
  await expect(finder).toHaveCount(0);
  // Escape closes it and gives focus back.
  await page.getByTestId("find-button").focus();
  await page.keyboard.press("Enter");
  await expect(finder.getByRole("combobox")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(finder).toHaveCount(0);
  await expect(page.getByTestId("find-button")).toBeFocused();
  expect(problems).toEqual([]);
});
