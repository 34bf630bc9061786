import { expect, test } from "@playwright/test";
import { readFile } from "node:fs/promises";
import { signIn, watchConsole } from "./helpers";

test("the table pages and sorts on the server, keeps its filters in the URL and exports the view", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "jordan.reyes@demo.gwm.test");
  await expect(page.getByRole("heading", { name: "Opportunity projects" })).toBeVisible();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  const rows = page.locator("[data-testid='projects-table'] tbody tr");
  // The demo's 60 pursuits, plus any another test created: two pages either way.
  await expect(page.getByTestId("table-summary")).toHaveText(/^1–50 of \d+ pursuits$/);
  const all = Number(/of (\d+)/.exec((await page.getByTestId("table-summary").textContent()) ?? "")?.[1]);
  expect(all).toBeGreaterThanOrEqual(60);
  await expect(rows).toHaveCount(50);

  await page.getByRole("link", { name: "Next" }).click();
  await expect(page).toHaveURL(/\/projects\?page=2$/);
  await expect(page.getByTestId("table-summary")).toHaveText(`51–${all} of ${all} pursuits`);
  await expect(rows).toHaveCount(all - 50);

  // Sorting starts over at page 1, biggest value first; the header says how the table is sorted.
  await page.getByRole("link", { name: "Value" }).click();
  await expect(page).toHaveURL(/\/projects\?sort=value&dir=desc$/);
  await expect(page.locator("th[aria-sort='descending']")).toHaveText(/Value/);
  await expect(page.getByTestId("table-summary")).toHaveText(`1–50 of ${all} pursuits`);

  await page.getByLabel("Priority").selectOption("critical");
  await expect(page).toHaveURL(/\/projects\?priority=critical&sort=value&dir=desc$/);
  const summary = (await page.getByTestId("table-summary").textContent()) ?? "";
  const total = Number(/of (\d+) pursuits/.exec(summary)?.[1]);
  expect(total).toBeGreaterThan(0);
  expect(total).toBeLessThan(all);
  await expect(rows.locator(".badge--critical")).toHaveCount(total);

  // The export is exactly this view: all of its rows, in its order.
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const file = await (await download).path();
  const csv = await readFile(file, "utf8");
  const lines = csv.split("\r\n").filter((l) => l.length > 0);
  // UTF-8 with a byte-order mark, which Excel needs to read it as UTF-8.
  expect(lines[0]).toMatch(/^\uFEFFProject,Title,Solicitation,Agency,Stage/);
  expect(lines).toHaveLength(total + 1);
  expect(lines.slice(1).every((l) => l.includes(",Critical,"))).toBe(true);
  expect(problems).toEqual([]);
});

test("a capture manager creates a project, edits it, archives it and restores it", async ({ page }) => {
  const problems = watchConsole(page);
  const name = `Coast Guard Logistics Modernization ${Date.now()}`;
  const search = `/projects?q=${encodeURIComponent(name)}`;
  await signIn(page, "priya.natarajan@demo.gwm.test");
  await page.getByRole("link", { name: "New project" }).click();
  await expect(page).toHaveURL(/\/projects\/new$/);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();

  // Every problem is named at once, and what was typed stays.
  await page.getByLabel("Win probability (%)").fill("140");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByTestId("form-error")).toContainText("the project name is required");
  await expect(page.getByTestId("form-error")).toContainText("Win probability must be a number from 0 to 100");
  await expect(page.getByLabel("Win probability (%)")).toHaveValue("140");

  await page.getByLabel("Project name").fill(name);
  await page.getByLabel("Agency").fill("U.S. Coast Guard");
  await page.getByLabel("Win probability (%)").fill("35");
  await page.getByLabel("Estimated value ($)").fill("2,500,000");
  await page.getByLabel("Response due").fill("2027-03-15");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("heading", { name })).toBeVisible();
  await expect(page.getByTestId("history")).toContainText("created this pursuit");
  await expect(page.locator("tr[data-field='estimated_value_max']").getByTestId("override-value")).toHaveText("$2,500,000");

  await page.getByRole("link", { name: "Edit" }).click();
  await expect(page).toHaveURL(/\/edit$/);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await expect(page.getByLabel("Project name")).toHaveValue(name);
  await page.getByLabel("Priority").selectOption("critical");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("history")).toContainText("changed priority level from Medium to Critical");

  await page.getByRole("button", { name: "Archive…" }).click();
  await page.getByLabel("Why archive it?").fill("No-bid: teaming partner withdrew");
  await page.getByRole("button", { name: "Archive project" }).click();
  await expect(page.getByText("This project is archived")).toBeVisible();
  await page.goto(search);
  await expect(page.getByTestId("table-summary")).toHaveText("No pursuit matches this view.");

  await page.goBack();
  await expect(page.getByText("This project is archived")).toBeVisible();
  await page.getByRole("button", { name: "Restore" }).click();
  await expect(page.getByText("This project is archived")).toHaveCount(0);
  await page.goto(search);
  await expect(page.getByTestId("table-summary")).toHaveText("1–1 of 1 pursuit");
  expect(problems).toEqual([]);
});

test("the dashboard is home: the pipeline chart, deadlines and the person's own pursuits", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "jordan.reyes@demo.gwm.test", undefined, "/");
  await expect(page.getByRole("heading", { name: "Welcome back, Jordan" })).toBeVisible();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await expect(page.getByTestId("pipeline-chart").locator("g")).toHaveCount(9);
  await expect(page.getByTestId("kpis")).toContainText("Win rate");
  await expect(page.getByTestId("mine").locator("li")).not.toHaveCount(0);
  const first = page.getByTestId("upcoming").locator("li a").first();
  const name = ((await first.textContent()) ?? "").trim();
  await first.click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  expect(problems).toEqual([]);
});

test("an unknown page says so with a 404 and a way back", async ({ page }) => {
  await signIn(page, "taylor.brooks@demo.gwm.test");
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "This page does not exist" })).toBeVisible();
  await page.getByRole("link", { name: "your projects" }).click();
  await expect(page).toHaveURL(/^[^?]*\/projects$/);
});
