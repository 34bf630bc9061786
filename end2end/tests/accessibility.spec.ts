import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { signIn } from "./helpers";

// Every page of the app, from the router's own list (`gwm-crm routes`, written by scripts/test.sh): a page
// added later is scanned too. A page with an id in its path needs an example id below.
const routesFile = process.env.ROUTES_FILE;
if (!routesFile) throw new Error("ROUTES_FILE is not set: run through scripts/test.sh, which writes `gwm-crm routes` to it");
const routes = readFileSync(routesFile, "utf8").split("\n").map((r) => r.trim()).filter(Boolean);

const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** The page's WCAG 2.1 A/AA violations, one line each (rule, what it asks, where). */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(WCAG_21_AA).analyze();
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(", ")}`,
  );
}

/** The first id among the links of `path` that lead to `prefix/<uuid>`. */
async function firstId(page: Page, path: string, prefix: string): Promise<string> {
  await page.goto(path);
  const hrefs = await page.locator(`a[href^='${prefix}/']`).evaluateAll((links) => links.map((a) => a.getAttribute("href") ?? ""));
  const id = hrefs.map((h) => h.slice(prefix.length + 1)).find((rest) => /^[0-9a-f-]{36}$/.test(rest));
  if (!id) throw new Error(`no ${prefix}/<id> link on ${path}`);
  return id;
}

/** An import waiting for its columns (the mapping and the checked preview): uploaded as the browser does. */
async function importId(page: Page): Promise<string> {
  const csv = "First Name,Last Name,E-mail\r\nAva,Axe,not-an-address\r\nBen,Axe,ben.axe@example.gov\r\n";
  const res = await page.request.post(`/imports/upload?kind=contacts&name=axe-${Date.now()}.csv`, {
    data: csv,
    headers: { "content-type": "text/csv", accept: "application/json", origin: new URL(page.url()).origin },
  });
  expect(res.status()).toBe(201);
  return (await res.json()).id as string;
}

/** A document to open: uploaded to the first project (the demo tenant has none of its own). */
async function documentId(page: Page, project: string): Promise<string> {
  await page.goto(`/projects/${project}/documents`);
  await expect(page.locator("section[data-hydrated='true']")).toBeVisible();
  const name = `axe-${Date.now()}.txt`;
  await page.getByTestId("file-input").setInputFiles([{ name, mimeType: "text/plain", buffer: Buffer.from("Section L instructions") }]);
  await expect(page.getByTestId("upload-done")).toHaveCount(1);
  const details = page.getByRole("link", { name: `Details of ${name}`, exact: true });
  const id = (await details.getAttribute("href"))?.match(/^\/documents\/([0-9a-f-]{36})$/)?.[1];
  if (!id) throw new Error("the uploaded document has no details link");
  return id;
}

test("every page passes axe's WCAG 2.1 A and AA rules, in the light and the dark theme", async ({ page }) => {
  test.setTimeout(180_000);
  expect(routes.length).toBeGreaterThan(10);
  // Signed out: the sign-in page.
  const found: string[] = [];
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto("/sign-in");
    await expect(page.locator("main[data-hydrated='true']")).toBeVisible();
    found.push(...(await violations(page)).map((v) => `/sign-in [${scheme}] ${v}`));
  }
  await page.emulateMedia({ colorScheme: "light" });
  await signIn(page, "admin@demo.gwm.test", undefined, "/");
  const project = await firstId(page, "/projects", "/projects");
  const ids: Record<string, string> = {
    projects: project,
    users: await firstId(page, "/settings/users", "/settings/users"),
    contacts: await firstId(page, "/contacts", "/contacts"),
    organizations: await firstId(page, "/organizations", "/organizations"),
    documents: await documentId(page, project),
    imports: await importId(page),
    // The demo source's first poll runs as the server starts: wait for the inbox to hold it.
    opportunities: await (async () => {
      let id = "";
      await expect(async () => {
        id = await firstId(page, "/opportunities?show=all", "/opportunities");
      }).toPass({ timeout: 30_000 });
      return id;
    })(),
  };
  const scanned: string[] = [];
  for (const route of routes.filter((r) => r !== "/sign-in")) {
    const path = route.replace(/\/(\w+)\/\{id\}/g, (whole, owner: string) => {
      const id = ids[owner];
      if (!id) throw new Error(`no example id for ${route}: add one for "${owner}" to accessibility.spec.ts`);
      return `/${owner}/${id}`;
    });
    for (const scheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const res = await page.goto(path);
      expect(res?.status(), `${path} loads`).toBe(200);
      await page.waitForLoadState("networkidle");
      found.push(...(await violations(page)).map((v) => `${path} [${scheme}] ${v}`));
    }
    scanned.push(path);
  }
  // The not-found page too.
  await page.goto("/no/such/page");
  found.push(...(await violations(page)).map((v) => `/no/such/page ${v}`));
  expect(scanned.length).toBe(routes.length - 1);
  expect(found, found.join("\n")).toEqual([]);
});
