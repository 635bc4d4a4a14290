import path from "node:path";

import { REPO_ROOT } from "./env";
import { expect, test, ToolsPanelPage } from "./support";

/** Shown in README.md: the app mid-conversation with the tools panel open. */
const SCREENSHOT = path.join(REPO_ROOT, "docs", "screenshot.png");

test("a screenshot of the app with the tools panel open, for the README", async ({ chat, page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  // The person asks in plain words; the fake model is told which recorded answer to give.
  await page.route("**/api/turn_response", async (route) => {
    const body = JSON.parse(route.request().postData() ?? "{}") as { messages: Array<{ content?: unknown }> };
    const last = body.messages.at(-1);
    if (last && typeof last.content === "string") last.content += " [[fixture:web_search]]";
    await route.continue({ postData: JSON.stringify(body) });
  });
  const tools = new ToolsPanelPage(page);
  await tools.turnOn("Web search");
  await tools.pickCountry("Canada");
  await tools.field("Region").fill("Alberta");
  await tools.turnOn("Code interpreter");
  await tools.turnOn("Functions");
  await chat.say("What is the tallest mountain in Alberta?");
  await expect(chat.lastAnswer()).toContainText("Mount Columbia");
  await chat.waitUntilIdle();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: SCREENSHOT });
});
