import { test } from "./support";
test("look", async ({ chat, page }) => {
  await page.setViewportSize({ width: 1200, height: 900 });
  await chat.say("x [[fixture:code_interpreter]]");
  await chat.waitUntilIdle();
  await chat.say("Here is **bold**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nprint('hi')\n```\n\n\\( a^2 \\)");
  await chat.waitUntilIdle();
  await chat.say("[[fixture:mcp_approval_request]]");
  await chat.waitUntilIdle();
  await page.screenshot({ path: "/tmp/look1.png", fullPage: false });
  await page.setViewportSize({ width: 390, height: 800 });
  await page.screenshot({ path: "/tmp/look2.png" });
});
