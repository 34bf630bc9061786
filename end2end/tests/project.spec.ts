import { expect, test } from "@playwright/test";
import { signIn, watchConsole } from "./helpers";

test("a capture manager overrides a synced field and sees both values, then removes the override", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "priya.natarajan@demo.gwm.test", undefined, "/pipeline");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.locator("section[data-stage='phase_3'] li.card-item a.card-item__title").first().click();
  await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}$/);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await expect(page.getByTestId("pursuit-health")).toHaveText(/\d+\/100/);

  const row = page.locator("tr[data-field='place_of_performance']");
  const source = (await row.getByTestId("source-value").textContent())?.trim() ?? "";
  expect(source).not.toBe("—");
  await row.getByRole("button", { name: "Override" }).click();
  await row.getByLabel("Value").fill("Fort Meade, MD (on site)");
  await row.getByLabel("Reason").fill("Q&A 14 confirms on-site work");
  await row.getByRole("button", { name: "Save override" }).click();
  await expect(row.getByTestId("override-value")).toHaveText("Fort Meade, MD (on site)");
  await expect(row.getByTestId("source-value")).toHaveText(source);
  await expect(row).toContainText("Q&A 14 confirms on-site work");
  await expect(page.getByTestId("history")).toContainText("place of performance");

  await page.reload();
  await expect(page.locator("tr[data-field='place_of_performance']").getByTestId("override-value")).toHaveText("Fort Meade, MD (on site)");
  await page.locator("tr[data-field='place_of_performance']").getByRole("button", { name: "Remove" }).click();
  await expect(page.locator("tr[data-field='place_of_performance']").getByTestId("override-value")).toHaveCount(0);
  expect(problems).toEqual([]);
});
