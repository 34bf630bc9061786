import { expect, test } from "@playwright/test";
import { signIn, watchConsole } from "./helpers";

test("a capture manager imports a CSV with one bad row and sees it reported by row and column", async ({ page }) => {
  const problems = watchConsole(page);
  // Unique per run: the suite shares one demo database.
  const tag = Date.now().toString(36);
  await signIn(page, "jordan.reyes@demo.gwm.test", undefined, "/contacts");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.getByTestId("import-contacts").click();
  await expect(page).toHaveURL(/\/contacts\/import$/);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();

  const csv = [
    "First Name,Last Name,Company,E-mail Address,Job Title",
    `Riley,Import${tag},Department of the Army,riley.${tag}@army.mil,Contract Specialist`,
    `Casey,Import${tag},Department of the Army,not-an-address,Program Analyst`,
    `Morgan,Import${tag},New Office ${tag},morgan.${tag}@agency.gov,"Director, Programs"`,
  ].join("\r\n");
  await page.getByTestId("import-file").setInputFiles({ name: `people-${tag}.csv`, mimeType: "text/csv", buffer: Buffer.from(csv) });

  // Columns are recognised from their headings; the preview names the bad row's column.
  await expect(page).toHaveURL(/\/imports\/[0-9a-f-]{36}$/);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await expect(page.getByLabel("E-mail Address")).toHaveValue("email");
  await expect(page.getByLabel("Company")).toHaveValue("organization");
  await expect(page.getByTestId("preview-summary")).toContainText("2 of the first 3 rows would import; 1 has problems");
  const bad = page.getByTestId("preview-row").filter({ hasText: "Casey" });
  await expect(bad).toContainText("E-mail Address: The e-mail address");

  // Leave the title out, then import the valid rows.
  await page.getByLabel("Job Title").selectOption("");
  await expect(page.getByTestId("import-preview").locator("thead")).not.toContainText("Job Title");
  await page.getByTestId("import-start").click();
  await expect(page.getByTestId("import-status")).toHaveText("Imported", { timeout: 30_000 });
  await expect(page.getByTestId("import-counts")).toContainText("3 rows read · 2 imported · 1 rejected · 1 new organization");
  await expect(page.getByTestId("rejected-rows")).toContainText("E-mail Address");
  await expect(page.getByTestId("rejected-rows")).toContainText("not a valid email address");
  const download = page.waitForEvent("download");
  await page.getByTestId("rejected-download").click();
  const file = await download;
  const text = await (await file.createReadStream()).toArray();
  expect(Buffer.concat(text).toString("utf8")).toContain("not-an-address");

  // The imported people are in the contacts.
  await page.goto(`/contacts?q=Import${tag}`);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await expect(page.getByRole("link", { name: `Riley Import${tag}` })).toBeVisible();
  await expect(page.getByRole("link", { name: `Morgan Import${tag}` })).toBeVisible();
  await expect(page.getByRole("link", { name: `Casey Import${tag}` })).toHaveCount(0);
  expect(problems).toEqual([]);
});
