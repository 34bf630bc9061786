import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { signIn, watchConsole } from "./helpers";

// Everything here is done from the keyboard alone: no clicks, no mouse.

/** Presses Tab until `done` holds (at most `max` times); returns how many presses it took. */
async function tabUntil(page: Page, done: () => Promise<boolean>, max = 40): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press("Tab");
    if (await done()) return i;
  }
  throw new Error(`not reached with ${max} Tab presses`);
}

const focusedCard = (page: Page) => page.locator("li.card-item:focus");
const focusedStage = (page: Page) =>
  page.evaluate(() => (document.activeElement?.closest("section[data-stage]") as HTMLElement | null)?.dataset.stage);
const focusedProject = (page: Page) => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.project);

test("a capture manager moves a card through the board from the keyboard, and the result is announced", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "jordan.reyes@demo.gwm.test", undefined, "/pipeline");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();

  // The skip link goes to the content.
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();

  // From the content to the first column's card, then one Tab stop per column.
  const presses = await tabUntil(page, async () => (await focusedCard(page).count()) === 1);
  expect(presses).toBeLessThan(15);
  expect(await focusedStage(page)).toBe("phase_0");
  await page.keyboard.press("Tab");
  expect(await focusedStage(page)).toBe("phase_1");
  await page.keyboard.press("Shift+Tab");
  expect(await focusedStage(page)).toBe("phase_0");

  // Arrows within a column and across columns.
  const first = await focusedProject(page);
  await page.keyboard.press("ArrowDown");
  const second = await focusedProject(page);
  expect(second).toBeTruthy();
  expect(second).not.toBe(first);
  await page.keyboard.press("ArrowRight");
  expect(await focusedStage(page)).toBe("phase_1");
  await page.keyboard.press("ArrowLeft");
  expect(await focusedProject(page)).toBe(second);

  // M opens the move dialog on the next stage; Escape closes it and focus comes back to the card.
  await page.keyboard.press("m");
  const dialog = page.getByRole("dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.locator("button[data-stage='phase_1']")).toBeFocused();
  const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(axe.violations.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
  // Tab stays inside the dialog.
  for (let i = 0; i < 12; i++) await page.keyboard.press("Tab");
  expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  await page.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  expect(await focusedProject(page)).toBe(second);

  // M, Down to Phase 2, Enter: the card moves, keeps focus and the move is announced.
  const name = (await page.locator(`li[data-project='${second}'] a.card-item__title`).textContent())?.trim() ?? "";
  await page.keyboard.press("m");
  await page.keyboard.press("ArrowDown");
  await expect(dialog.locator("button[data-stage='phase_2']")).toBeFocused();
  await page.keyboard.press("Enter");
  const card = page.locator(`section[data-stage='phase_2'] li[data-project='${second}']`);
  await expect(card).toBeFocused();
  await expect(page.getByTestId("toasts")).toContainText(`Moved \u201c${name}\u201d to Phase 2`);

  // Ctrl+Arrow moves one stage at a time.
  await page.keyboard.press("Control+ArrowRight");
  await expect(page.locator(`section[data-stage='phase_3'] li[data-project='${second}']`)).toBeFocused();
  await expect(page.getByTestId("toasts")).toContainText("to Phase 3");
  await page.keyboard.press("Control+ArrowLeft");
  await expect(card).toBeFocused();

  // It stays there.
  await page.reload();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await expect(page.locator(`section[data-stage='phase_2'] li[data-project='${second}']`)).toBeVisible();

  // Enter opens the pursuit.
  await page.locator(`section[data-stage='phase_2'] li[data-project='${second}']`).focus();
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(new RegExp(`/projects/${second}$`));
  expect(problems).toEqual([]);
});

test("a filter is applied and cleared from the keyboard, and focus stays on the control", async ({ page }) => {
  await signIn(page, "admin@demo.gwm.test", undefined, "/pipeline");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  const priority = page.locator("form.filters select[name='priority']");
  await tabUntil(page, async () => priority.evaluate((el) => el === document.activeElement));
  await page.keyboard.press("c"); // type-ahead: the one option that starts with C
  await expect(page).toHaveURL(/priority=critical/);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await expect(page.locator("form.filters select[name='priority']")).toBeFocused();
  await expect(page.locator("form.filters select[name='priority']")).toHaveValue("critical");
  const badges = await page.locator("li.card-item .card-item__badges .badge").first().textContent();
  expect(badges).toBe("critical");
  // Active filters are chips; Tab reaches them and Enter takes one away.
  const chip = page.getByRole("button", { name: "Remove filter Priority: Critical" });
  await tabUntil(page, async () => chip.evaluate((el) => el === document.activeElement));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/pipeline$/);
  await expect(page.getByRole("button", { name: /^Remove filter/ })).toHaveCount(0);
  // Folded filters open with their button, and "Clear filters" clears everything.
  const more = page.getByRole("button", { name: /^More filters/ });
  await tabUntil(page, async () => more.evaluate((el) => el === document.activeElement));
  await page.keyboard.press("Enter");
  await expect(more).toHaveAttribute("aria-expanded", "true");
  await page.keyboard.press("Tab");
  await expect(page.locator("form.filters select[name='agency']")).toBeFocused();
  await page.keyboard.press("ArrowDown");
  await expect(page).toHaveURL(/agency=/);
  await expect(page.locator("form.filters select[name='agency']")).toBeFocused();
  const clear = page.getByRole("button", { name: "Clear filters" });
  await tabUntil(page, async () => clear.evaluate((el) => el === document.activeElement));
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/pipeline$/);
});

test("a synced field is overridden from the keyboard: the form takes focus and says what was saved", async ({ page }) => {
  await signIn(page, "priya.natarajan@demo.gwm.test", undefined, "/projects");
  const link = page.locator("[data-testid='projects-table'] tbody tr a").first();
  await tabUntil(page, async () => link.evaluate((el) => el === document.activeElement), 60);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}$/);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  const row = page.locator("tr[data-field='place_of_performance']");
  const override = row.getByRole("button", { name: "Override" });
  await tabUntil(page, async () => override.evaluate((el) => el === document.activeElement), 80);
  await page.keyboard.press("Enter");
  await expect(row.getByLabel("Value")).toBeFocused();
  await page.keyboard.type("Remote, with quarterly on-site reviews");
  await page.keyboard.press("Tab");
  await expect(row.getByLabel("Reason")).toBeFocused();
  await page.keyboard.type("Amendment 2 allows remote work");
  await page.keyboard.press("Enter");
  await expect(row.getByTestId("override-value")).toHaveText("Remote, with quarterly on-site reviews");
});

test("a document is uploaded from the keyboard", async ({ page }) => {
  await signIn(page, "elena.fischer@demo.gwm.test", undefined, "/projects");
  const link = page.locator("[data-testid='projects-table'] tbody tr a").first();
  const project = (await link.getAttribute("href")) ?? "";
  await page.goto(`${project}/documents`);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  const input = page.getByTestId("file-input");
  await tabUntil(page, async () => input.evaluate((el) => el === document.activeElement), 60);
  const chooser = page.waitForEvent("filechooser");
  await page.keyboard.press("Enter");
  const name = `keyboard-${Date.now()}.txt`;
  await (await chooser).setFiles([{ name, mimeType: "text/plain", buffer: Buffer.from("Uploaded without a mouse") }]);
  await expect(page.getByTestId("upload-done")).toHaveCount(1);
  await expect(page.getByTestId("documents").getByRole("link", { name, exact: true })).toBeVisible();
});
