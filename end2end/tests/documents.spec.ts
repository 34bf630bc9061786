import { expect, test } from "@playwright/test";
import { signIn, watchConsole } from "./helpers";

/** A file as the browser's picker hands it over. */
function file(name: string, text: string) {
  return { name, mimeType: "text/plain", buffer: Buffer.from(text) };
}

test("a proposal manager uploads two files with progress, finds one by a word inside it, and adds a version", async ({ page }) => {
  test.setTimeout(90_000);
  const problems = watchConsole(page);
  await signIn(page, "elena.fischer@demo.gwm.test", undefined, "/projects");
  await page.locator("[data-testid='projects-table'] tbody tr a").first().click();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.getByLabel("Project sections").getByRole("link", { name: "Documents" }).click();
  await expect(page.getByRole("heading", { name: "Documents" })).toBeVisible();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();

  const stamp = Date.now();
  // A word of letters only, found nowhere else: it is in the second file's text, not in any name.
  const word = "zq" + stamp.toString().replace(/\d/g, (d) => "abcdefghij"[Number(d)]);
  // Big enough that the progress bar has something to show.
  const big = `Section M evaluation factors ${stamp}\n` + "Technical approach outweighs price. ".repeat(60000);
  await page.getByTestId("file-input").setInputFiles([file(`section-m-${stamp}.txt`, big), file(`qa-${stamp}.md`, `# Questions ${stamp}\nIs the ${word} incumbent eligible?`)]);
  const uploads = page.getByTestId("upload");
  await expect(uploads).toHaveCount(2);
  await expect(uploads.locator("progress").first()).toBeVisible();
  await expect(page.getByTestId("upload-done")).toHaveCount(2);
  await expect(uploads.locator("progress").first()).toHaveAttribute("value", "100");

  const table = page.getByTestId("documents");
  await expect(table.getByRole("link", { name: `section-m-${stamp}.txt`, exact: true })).toBeVisible();
  await expect(table.getByRole("link", { name: `qa-${stamp}.md`, exact: true })).toBeVisible();

  // Its text becomes searchable in the background, and the list says so.
  const qaRow = table.locator("tr", { has: page.getByRole("link", { name: `qa-${stamp}.md`, exact: true }) });
  await expect(qaRow.getByTestId("text-status")).toHaveText("Searchable", { timeout: 30_000 });

  const projectDocuments = page.url();
  // The library finds it by the word inside it, with the passage highlighted, and opens it.
  await page.getByLabel("Main navigation").getByRole("link", { name: "Documents" }).click();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  await page.getByTestId("search-input").fill(word);
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(new RegExp(`q=${word}`));
  const hits = page.getByTestId("search-hit");
  await expect(hits).toHaveCount(1);
  await expect(hits.first().getByRole("link", { name: `qa-${stamp}.md`, exact: true })).toBeVisible();
  await expect(hits.first().locator("mark")).toHaveText(word);
  await hits.first().getByRole("link", { name: `qa-${stamp}.md`, exact: true }).click();
  await expect(page.getByRole("heading", { name: `qa-${stamp}.md` })).toBeVisible();
  await expect(page.getByTestId("preview")).toContainText(`Is the ${word} incumbent eligible?`);
  await page.goto(projectDocuments);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();

  // The file comes back as it went.
  const download = page.waitForEvent("download");
  await table.getByRole("link", { name: `qa-${stamp}.md`, exact: true }).click();
  expect((await download).suggestedFilename()).toBe(`qa-${stamp}.md`);

  // A new version; the history shows both.
  const row = table.locator("tr", { has: page.getByRole("link", { name: `qa-${stamp}.md`, exact: true }) });
  await row.getByLabel(`Upload a new version of qa-${stamp}.md`).setInputFiles([file(`qa-${stamp}-answered.md`, `# Answers ${stamp}`)]);
  const current = table.locator("tr", { has: page.getByRole("link", { name: `qa-${stamp}-answered.md`, exact: true }) });
  await expect(current).toBeVisible();
  await current.getByRole("button", { name: "v2" }).click();
  await expect(page.getByTestId("versions").locator("li")).toHaveCount(2);
  await expect(page.getByTestId("versions")).toContainText(`Version 1 · qa-${stamp}.md`);
  expect(problems).toEqual([]);
});

test("a disguised program is refused with the reason, and nothing is listed", async ({ page }) => {
  await signIn(page, "elena.fischer@demo.gwm.test", undefined, "/projects");
  await page.locator("[data-testid='projects-table'] tbody tr a").nth(1).click();
  await page.getByLabel("Project sections").getByRole("link", { name: "Documents" }).click();
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  const name = `statement-of-work-${Date.now()}.pdf`;
  await page.getByTestId("file-input").setInputFiles([{ name, mimeType: "application/pdf", buffer: Buffer.from("MZ\x90\x00 this is a program") }]);
  await expect(page.getByTestId("upload").getByRole("alert")).toContainText("a Windows program, not a PDF");
  await expect(page.getByRole("link", { name })).toHaveCount(0);
});
