import path from "node:path";

import { API_URL, REPO_ROOT } from "./env";
import { expect, test, ToolsPanelPage } from "./support";

/** Shown in README.md: the app mid-conversation, with the sidebar and the tools panel open. */
const SCREENSHOT = path.join(REPO_ROOT, "docs", "screenshot.png");
const DIRECTIVE = " [[fixture:web_search]]";

test("a screenshot of the app with the sidebar and the tools panel open, for the README", async ({ chat, page }) => {
  await page.setViewportSize({ width: 1440, height: 860 });
  // A few earlier conversations for the sidebar.
  for (const title of ["Sourdough starter schedule", "Trip to Lisbon in May"]) {
    const created = await page.request.post(`${API_URL}/api/conversations`, { data: { title } });
    expect(created.status()).toBe(201);
  }
  // The person asks in plain words; the fake model is told which recorded answer to give, and
  // the picture shows the question as it was asked.
  await page.route("**/api/conversations/*/turns", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    const body = JSON.parse(route.request().postData() ?? "{}") as { text?: string };
    if (body.text) body.text += DIRECTIVE;
    await route.continue({ postData: JSON.stringify(body) });
  });
  await page.route(/\/api\/conversations\/conv_[0-9a-f]+$/, async (route) => {
    if (route.request().method() !== "GET") return route.continue();
    const response = await route.fetch();
    await route.fulfill({ response, body: (await response.text()).replaceAll(DIRECTIVE, "") });
  });
  await page.reload();
  const tools = new ToolsPanelPage(page);
  await tools.turnOn("Web search");
  await tools.pickCountry("Canada");
  await tools.field("Region").fill("Alberta");
  await tools.turnOn("Code interpreter");
  await tools.turnOn("Functions");
  await chat.say("What is the tallest mountain in Alberta?");
  await expect(chat.lastAnswer()).toContainText("Mount Columbia");
  await chat.waitUntilIdle();
  await expect(page.getByTestId("answer-usage")).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Conversations" }).getByRole("link", { name: /Fake title/ })).toBeVisible();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: SCREENSHOT });
});
