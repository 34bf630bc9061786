import { expect, test } from "@playwright/test";
import { signIn, watchConsole } from "./helpers";

/** A file as the browser's picker hands it over. */
function file(name: string, text: string) {
  return { name, mimeType: "text/plain", buffer: Buffer.from(text) };
}

test("a proposal manager uploads two files with progress, opens one and adds a version", async ({ page }) => {
  const problems = watchConsole(page);
  await signIn(page, "elena.fischer@demo.gwm.test", undefined, "/projects");
  await page.locator("[data-testid='projects-table'] tbody tr a").first().click();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.getByRole("link", { name: "Documents" }).click();
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();

  const stamp = Date.now();
  // Big enough that the progress bar has something to show.
  const big = `Section M evaluation factors ${stamp}\n` + "Technical approach outweighs price. ".repeat(60000);
  await page.getByTestId("file-input").setInputFiles([file(`section-m-${stamp}.txt`, big), file(`qa-${stamp}.md`, `# Questions ${stamp}\nIs the incumbent eligible?`)]);
  const uploads = page.getByTestId("upload");
  await expect(uploads).toHaveCount(2);
  await expect(uploads.locator("progress").first()).toBeVisible();
  await expect(page.getByTestId("upload-done")).toHaveCount(2);
  await expect(uploads.locator("progress").first()).toHaveAttribute("value", "100");

  const table = page.getByTestId("documents");
  await expect(table.getByRole("link", { name: `section-m-${stamp}.txt` })).toBeVisible();
  await expect(table.getByRole("link", { name: `qa-${stamp}.md` })).toBeVisible();

  // The file comes back as it went.
  const download = page.waitForEvent("download");
  await table.getByRole("link", { name: `qa-${stamp}.md` }).click();
  expect((await download).suggestedFilename()).toBe(`qa-${stamp}.md`);

  // A new version; the history shows both.
  const row = table.locator("tr", { has: page.getByRole("link", { name: `qa-${stamp}.md` }) });
  await row.getByLabel(`Upload a new version of qa-${stamp}.md`).setInputFiles([file(`qa-${stamp}-answered.md`, `# Answers ${stamp}`)]);
  const current = table.locator("tr", { has: page.getByRole("link", { name: `qa-${stamp}-answered.md` }) });
  await expect(current).toBeVisible();
  await current.getByRole("button", { name: "v2" }).click();
  await expect(page.getByTestId("versions").locator("li")).toHaveCount(2);
  await expect(page.getByTestId("versions")).toContainText(`Version 1 · qa-${stamp}.md`);
  expect(problems).toEqual([]);
});

test("a disguised program is refused with the reason, and nothing is listed", async ({ page }) => {
  await signIn(page, "elena.fischer@demo.gwm.test", undefined, "/projects");
  await page.locator("[data-testid='projects-table'] tbody tr a").nth(1).click();
  await page.getByRole("link", { name: "Documents" }).click();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  const name = `statement-of-work-${Date.now()}.pdf`;
  await page.getByTestId("file-input").setInputFiles([{ name, mimeType: "application/pdf", buffer: Buffer.from("MZ\x90\x00 this is a program") }]);
  await expect(page.getByTestId("upload").getByRole("alert")).toContainText("a Windows program, not a PDF");
  await expect(page.getByRole("link", { name })).toHaveCount(0);
});
