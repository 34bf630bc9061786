import { expect, test } from "@playwright/test";
import { signIn, watchConsole } from "./helpers";

type Page = import("@playwright/test").Page;
type Locator = import("@playwright/test").Locator;
const column = (page: Page, stage: string) => page.locator(`section[data-stage='${stage}']`);

/** A person's drag: press on the card, move a little, then to the top of the target column, release. */
async function drag(page: Page, source: Locator, target: Locator) {
  const from = await source.boundingBox();
  const to = await target.boundingBox();
  if (!from || !to) throw new Error("drag source or target is not visible");
  await page.mouse.move(from.x + from.width / 2, from.y + 20);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 10, from.y + 30, { steps: 5 });
  await page.mouse.move(to.x + to.width / 2, to.y + 60, { steps: 10 });
  await page.mouse.up();
}

test("a capture manager drags a card to the next stage and it stays there after reload", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "jordan.reyes@demo.gwm.test", undefined, "/pipeline");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  const count = async (stage: string) => Number(await column(page, stage).getByTestId("column-count").textContent());
  const [phase0, phase1] = [await count("phase_0"), await count("phase_1")];
  expect(phase0).toBeGreaterThan(0);
  const card = column(page, "phase_0").locator("li.card-item").first();
  const id = await card.getAttribute("data-project");
  await drag(page, card, column(page, "phase_1"));
  await expect(column(page, "phase_1").locator(`li[data-project='${id}']`)).toBeVisible();
  await expect(column(page, "phase_0").getByTestId("column-count")).toHaveText(String(phase0 - 1));
  await expect(column(page, "phase_1").getByTestId("column-count")).toHaveText(String(phase1 + 1));
  await page.reload();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await expect(column(page, "phase_1").locator(`li[data-project='${id}']`)).toBeVisible();

  // By keyboard/menu: moving to Lost asks for the outcome first.
  const moved = column(page, "phase_1").locator(`li[data-project='${id}']`);
  await moved.hover(); // the move button shows on the card under the pointer
  await moved.getByRole("button", { name: /^Move .* to another stage$/ }).click();
  const menu = page.getByTestId("move-menu");
  await expect(menu.locator("button[data-stage='phase_1']")).toBeDisabled();
  await menu.locator("button[data-stage='lost']").click();
  await expect(page.getByRole("dialog")).toBeVisible();
  await page.getByLabel("Outcome").fill("Lost on price; debrief scheduled");
  await page.getByRole("button", { name: "Save outcome" }).click();
  await expect(column(page, "lost").locator(`li[data-project='${id}']`)).toBeVisible();
  expect(problems).toEqual([]);
});

test("filtering by capture manager changes the URL and the cards", async ({ page }) => {
  await signIn(page, "admin@demo.gwm.test", undefined, "/pipeline");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.locator("form.filters select[name='manager']").selectOption({ label: "Priya Natarajan" });
  await expect(page).toHaveURL(/\/pipeline\?manager=[0-9a-f-]{36}$/);
  const managers = page.locator("li.card-item .card-item__foot .muted");
  await expect(managers.first()).toHaveText("Priya Natarajan");
  const names = await managers.allTextContents();
  expect(names.length).toBeGreaterThan(0);
  expect(new Set(names)).toEqual(new Set(["Priya Natarajan"]));
  // The view survives a reload (bookmarkable).
  await page.reload();
  await expect(page.locator("form.filters select[name='manager']")).toHaveValue(/[0-9a-f-]{36}/);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  const url = page.url();

  // Saved under a name, it comes back from the menu.
  await page.getByLabel("Save this view as").fill("Priya's pursuits");
  await page.getByRole("button", { name: "Save view" }).click();
  await expect(page.getByLabel("Saved views")).toContainText("Priya's pursuits");
  await page.goto("/pipeline");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.getByLabel("Saved views").selectOption({ label: "Priya's pursuits" });
  await expect(page).toHaveURL(url);
  await expect(page.locator("form.filters select[name='manager']")).toHaveValue(/[0-9a-f-]{36}/);
});

test("a viewer sees the board but cannot move cards", async ({ page }) => {
  await signIn(page, "taylor.brooks@demo.gwm.test", undefined, "/pipeline");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await expect(page.locator("li.card-item").first()).toBeVisible();
  await expect(page.locator("li.card-item[draggable='true']")).toHaveCount(0);
  await expect(page.locator("li.card-item .card-item__move")).toHaveCount(0);
});

test("a refused move rolls back with the reason", async ({ page, browser, baseURL }) => {
  await signIn(page, "marcus.webb@demo.gwm.test", undefined, "/pipeline");
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  // Meanwhile an admin takes Marcus's role away.
  const admin = await browser.newContext();
  const origin = { origin: baseURL ?? "" };
  await admin.request.post("/api/auth/sign-in", { form: { email: "admin@demo.gwm.test", password: "Capture-Demo-2026!" }, headers: origin });
  const users = await (await admin.request.post("/api/admin/users/list", { headers: origin })).json();
  const marcus = users.find((u: { email: string }) => u.email === "marcus.webb@demo.gwm.test");
  const detail = await (await admin.request.post("/api/admin/users/detail", { form: { user_id: marcus.id }, headers: origin })).json();
  const removed = await admin.request.post("/api/admin/users/remove-role", { form: { user_id: marcus.id, assignment_id: detail.assignments[0].id }, headers: origin });
  expect(removed.status()).toBe(200);
  await admin.close();

  const card = column(page, "phase_2").locator("li.card-item").first();
  const id = await card.getAttribute("data-project");
  await drag(page, card, column(page, "phase_3"));
  await expect(page.getByTestId("board-error")).toContainText("You are not allowed to move projects between pipeline stages");
  await expect(column(page, "phase_2").locator(`li[data-project='${id}']`)).toBeVisible();
  await expect(column(page, "phase_3").locator(`li[data-project='${id}']`)).toHaveCount(0);
});
