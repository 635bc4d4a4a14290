import { readFile } from "node:fs/promises";

import type { Locator, Page } from "@playwright/test";

import { API_URL } from "./env";
import { expect, fakeRequests, test, uniqueToken } from "./support";

/** The sidebar, by its landmark. */
function sidebar(page: Page) {
  const nav = page.getByRole("navigation", { name: "Conversations" });
  return {
    nav,
    // The conversations: not the Usage page, nor Sign in at the foot.
    links: nav.getByRole("link").filter({ hasNotText: /^(Usage|Sign in)$/ }),
    link: (name: string | RegExp, options: { exact?: boolean } = {}) => nav.getByRole("link", { name, ...options }),
    search: nav.getByRole("searchbox", { name: "Search conversations" }),
  };
}

/** "word0 word1 ... word(N-1)": what `[[synthetic:N:MS]]` streams. */
function words(count: number): string {
  return Array.from({ length: count }, (_, i) => `word${i}`).join(" ");
}

async function conversationId(page: Page): Promise<string> {
  await expect(page).toHaveURL(/\/c\/conv_[0-9a-f]+$/);
  return new URL(page.url()).pathname.split("/").pop() ?? "";
}

/** A version switcher's "n/m" text, next to its buttons. */
function versionOf(area: Locator) {
  return area.getByText(/^\d+\/\d+$/);
}

test.describe("conversations on the server", () => {
  test("two conversations survive a reload, each at its own URL, and the back button works", async ({ chat, page }) => {
    const first = uniqueToken("first");
    await chat.say(`${first} about apples`);
    await expect(chat.lastAnswer()).toContainText("about apples");
    await chat.waitUntilIdle();
    const firstId = await conversationId(page);

    await chat.newChat.click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole("heading", { name: /how can I help/i })).toBeVisible();
    const second = uniqueToken("second");
    await chat.say(`${second} about pears`);
    await expect(chat.lastAnswer()).toContainText("about pears");
    await chat.waitUntilIdle();
    const secondId = await conversationId(page);
    expect(secondId).not.toBe(firstId);

    await page.reload();
    const side = sidebar(page);
    await expect(side.links).toHaveCount(2);
    await expect(chat.lastAnswer()).toContainText("about pears");
    // The title the server wrote after the first answer.
    await expect(side.link(/Fake title/).first()).toBeVisible();
    await expect(side.nav.getByRole("heading", { name: "Today" })).toBeVisible();

    await side.links.nth(1).click();
    await expect(page).toHaveURL(new RegExp(`/c/${firstId}$`));
    await expect(chat.lastAnswer()).toContainText("about apples");
    await expect(chat.answers).toHaveCount(1);

    await page.goBack();
    await expect(page).toHaveURL(new RegExp(`/c/${secondId}$`));
    await expect(chat.lastAnswer()).toContainText("about pears");

    // A second tab opens the same conversation from its URL.
    const other = await page.context().newPage();
    await other.goto(`/c/${firstId}`);
    await expect(other.getByRole("article", { name: "Assistant message" })).toContainText("about apples");
    await other.close();
  });

  test("a reload while the answer streams picks it up where it was, with no word twice", async ({ chat, page }) => {
    const token = uniqueToken();
    // Long enough (300 words, 30 ms apart) that the reload lands well inside it.
    await chat.say(`${token} [[synthetic:300:30]]`);
    await expect(chat.lastAnswer()).toContainText("word5");
    await conversationId(page);
    await page.reload();
    // The answer is still streaming on the server: the page follows it again (from its replay).
    await expect(chat.stop).toBeVisible();
    await expect(chat.lastAnswer()).toContainText("word299", { timeout: 20_000 });
    await chat.waitUntilIdle();
    expect((await chat.lastAnswer().innerText()).trim()).toBe(words(300));
    await page.reload();
    expect((await chat.lastAnswer().innerText()).trim()).toBe(words(300));
  });

  test("switching to another conversation mid-answer keeps the answer", async ({ chat, page }) => {
    await chat.say(`${uniqueToken()} earlier conversation`);
    await chat.waitUntilIdle();
    const earlier = await conversationId(page);
    await chat.newChat.click();
    await chat.say(`${uniqueToken()} [[synthetic:80:25]]`);
    await expect(chat.lastAnswer()).toContainText("word3");
    const streaming = await conversationId(page);

    await sidebar(page).nav.locator(`a[href="/c/${earlier}"]`).click();
    await expect(chat.lastAnswer()).toContainText("earlier conversation");
    await sidebar(page).nav.locator(`a[href="/c/${streaming}"]`).click();
    await expect(chat.lastAnswer()).toContainText("word79", { timeout: 20_000 });
    await chat.waitUntilIdle();
    expect((await chat.lastAnswer().innerText()).trim()).toBe(words(80));
  });

  test("Stop cancels on the server: the stopped answer stays, marked, after a reload too", async ({ chat, page }) => {
    await chat.say(`${uniqueToken()} [[synthetic:400:40]]`);
    await expect(chat.lastAnswer()).toContainText("word3");
    await chat.stop.click();
    await expect(chat.send).toBeVisible();
    await expect(page.getByText("Stopped. The answer so far is kept.")).toBeVisible();
    const kept = (await chat.lastAnswer().innerText()).trim();
    expect(kept).toMatch(/^word0 word1 word2 word3/);
    expect(kept).not.toContain("word399");
    await page.reload();
    await expect(page.getByText("Stopped. The answer so far is kept.")).toBeVisible();
    expect((await chat.lastAnswer().innerText()).trim()).toBe(kept);
  });

  test("Regenerate adds a version, and the switcher moves between versions, remembered by the server", async ({ chat, page, request }) => {
    const token = uniqueToken();
    await chat.say(`${token} tell me once`);
    await chat.waitUntilIdle();
    // The second version comes from another model, so the two can be told apart.
    await page.getByRole("combobox", { name: "Model" }).selectOption({ label: "GPT-4.1" });
    await chat.conversation.getByRole("button", { name: "Regenerate" }).click();
    await chat.waitUntilIdle();
    const answerArea = chat.conversation.locator("[data-status]").last();
    await expect(versionOf(answerArea)).toHaveText("2/2");
    await expect(answerArea).toContainText("GPT-4.1");
    expect((await fakeRequests(request, token)).map((r) => r.model)).toEqual(["gpt-5.2", "gpt-4.1"]);

    await answerArea.getByRole("button", { name: "Previous version" }).click();
    await expect(versionOf(answerArea)).toHaveText("1/2");
    await expect(answerArea).toContainText("GPT-5.2");
    await expect(answerArea.getByRole("button", { name: "Previous version" })).toBeDisabled();
    await page.reload();
    await expect(versionOf(chat.conversation.locator("[data-status]").last())).toHaveText("1/2");
    await chat.conversation.getByRole("button", { name: "Next version" }).click();
    await expect(versionOf(chat.conversation.locator("[data-status]").last())).toHaveText("2/2");
  });

  test("Edit sends the message again as a new branch; the old one stays a version away", async ({ chat, page, request }) => {
    const token = uniqueToken();
    await chat.say(`${token} the first wording`);
    await chat.waitUntilIdle();
    await chat.conversation.getByRole("button", { name: "Edit" }).click();
    const box = chat.conversation.getByRole("textbox", { name: "Edit message" });
    await box.fill(`${token} the second wording`);
    await chat.conversation.getByRole("button", { name: "Save and send" }).click();
    await expect(chat.lastAnswer()).toContainText("the second wording");
    await chat.waitUntilIdle();
    await expect(chat.answers).toHaveCount(1);
    // The upstream got the new wording alone: the first one is on another branch.
    const requests = await fakeRequests(request, token);
    expect(requests.at(-1)?.input.map((i) => i.role ?? i.type)).toEqual(["user"]);

    await expect(versionOf(chat.conversation)).toHaveText("2/2");
    await chat.conversation.getByRole("button", { name: "Previous version" }).click();
    await expect(chat.lastAnswer()).toContainText("the first wording");
    await page.reload();
    await expect(chat.lastAnswer()).toContainText("the first wording");
  });

  test("search finds a conversation by its words as you type, with the snippet", async ({ chat, page }) => {
    const word = uniqueToken("zebra");
    await chat.say(`Tell me about the ${word} crossing`);
    await chat.waitUntilIdle();
    await chat.newChat.click();
    await chat.say(`${uniqueToken()} something else`);
    await chat.waitUntilIdle();

    const side = sidebar(page);
    await expect(side.links).toHaveCount(2);
    // Ctrl+K goes to the search.
    await page.keyboard.press("Control+k");
    await expect(side.search).toBeFocused();
    await page.keyboard.type(word.slice(0, -2));
    await expect(side.links).toHaveCount(1);
    await expect(side.links.first()).toContainText("crossing");
    await side.links.first().click();
    await expect(chat.lastAnswer()).toContainText(`the ${word} crossing`);
    await side.search.fill("");
    await expect(side.links).toHaveCount(2);
  });

  test("the list loads its next page when its end scrolls into view", async ({ chat, page }) => {
    for (let i = 0; i < 35; i++) {
      const created = await page.request.post(`${API_URL}/api/conversations`, { data: { title: `Old chat ${i}` } });
      expect(created.status()).toBe(201);
    }
    await page.reload();
    await expect(chat.message).toBeEditable();
    const side = sidebar(page);
    await expect(side.links).toHaveCount(30);
    await side.links.last().scrollIntoViewIfNeeded();
    await expect(side.links).toHaveCount(35);
    await expect(side.link("Old chat 0", { exact: true })).toBeVisible();
  });

  test("rename in place, kept after a reload", async ({ chat, page }) => {
    await chat.say(`${uniqueToken()} name me`);
    await chat.waitUntilIdle();
    const side = sidebar(page);
    await expect(side.link(/Fake title/)).toBeVisible();
    await side.nav.getByRole("button", { name: "Rename" }).click();
    const field = side.nav.getByRole("textbox", { name: "Conversation title" });
    await expect(field).toBeFocused();
    await field.fill("Holiday plans");
    await field.press("Enter");
    await expect(side.link("Holiday plans")).toBeVisible();
    await page.reload();
    await expect(side.link("Holiday plans")).toBeVisible();
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Holiday plans");

    // Escape leaves the title as it was.
    await side.nav.getByRole("button", { name: "Rename" }).click();
    await field.fill("Not this");
    await field.press("Escape");
    await expect(side.link("Holiday plans")).toBeVisible();
  });

  test("delete waits a few seconds for Undo, then is gone for good", async ({ chat, page }) => {
    await chat.say(`${uniqueToken()} keep or drop`);
    await chat.waitUntilIdle();
    const id = await conversationId(page);
    const side = sidebar(page);
    await side.nav.getByRole("button", { name: "Delete" }).click();
    await expect(side.links).toHaveCount(0);
    await expect(page).toHaveURL(/\/$/);
    await page.getByRole("button", { name: "Undo" }).click();
    await expect(side.links).toHaveCount(1);
    await page.reload();
    await expect(side.links).toHaveCount(1);

    await side.nav.getByRole("button", { name: "Delete" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Deleted" })).toBeVisible();
    // The delete is sent once the undo time is over.
    await expect
      .poll(async () => (await page.request.get(`${API_URL}/api/conversations/${id}`)).status(), { timeout: 15_000 })
      .toBe(404);
    await page.reload();
    await expect(side.links).toHaveCount(0);
  });

  test("the model and the reasoning effort reach the upstream, remembered per conversation", async ({ chat, page, request }) => {
    const model = page.getByRole("combobox", { name: "Model" });
    const effort = page.getByRole("combobox", { name: "Reasoning effort" });
    await expect(model).toHaveValue("gpt-5.2");
    await effort.selectOption("high");
    const token = uniqueToken();
    await chat.say(`${token} think hard`);
    await chat.waitUntilIdle();
    let [sent] = await fakeRequests(request, token);
    expect(sent?.model).toBe("gpt-5.2");
    expect(sent?.reasoning).toEqual({ effort: "high", summary: "auto" });

    await model.selectOption("gpt-4.1");
    await expect(effort).toHaveCount(0);
    const second = uniqueToken();
    await chat.say(`${second} plainly`);
    await chat.waitUntilIdle();
    [sent] = await fakeRequests(request, second);
    expect(sent?.model).toBe("gpt-4.1");
    expect(sent).not.toHaveProperty("reasoning");
    const id = await conversationId(page);

    // A new chat starts from the default; the conversation keeps its own choice.
    await chat.newChat.click();
    await expect(model).toHaveValue("gpt-5.2");
    await page.goto(`/c/${id}`);
    await expect(model).toHaveValue("gpt-4.1");
  });

  test("reasoning summaries fold into Thinking, and usage shows per answer and per conversation", async ({ chat, page }) => {
    await page.getByRole("combobox", { name: "Reasoning effort" }).selectOption("medium");
    await chat.say(`${uniqueToken()} [[fixture:reasoning_summary]]`);
    await expect(chat.lastAnswer()).toContainText("The quick brown fox");
    await chat.waitUntilIdle();
    const thinking = chat.conversation.locator("details").filter({ hasText: "Thinking" });
    await expect(thinking).toBeVisible();
    await expect(thinking.getByText("Planning a short answer")).toBeHidden();
    await thinking.getByText("Thinking").click();
    await expect(thinking.getByText("Planning a short answer")).toBeVisible();

    await expect(chat.conversation.getByTestId("answer-usage")).toHaveText(/^\d[\d,]* tokens · \$/);
    await expect(page.getByTestId("conversation-usage")).toHaveText(/^\d[\d,]* tokens · \$/);

    await sidebar(page).nav.getByRole("link", { name: "Usage" }).click();
    await expect(page.getByRole("heading", { name: /Usage, last 30 days/ })).toBeVisible();
    await expect(page.getByRole("img", { name: /Tokens per day/ })).toBeVisible();
    await expect(page.getByRole("row").filter({ hasText: "gpt-5.2" }).first()).toBeVisible();
  });

  test("export as Markdown and JSON, and import the JSON as a new conversation", async ({ chat, page }) => {
    const token = uniqueToken();
    await chat.say(`${token} worth keeping`);
    await chat.waitUntilIdle();
    const id = await conversationId(page);

    await page.getByRole("button", { name: "Conversation menu" }).click();
    const [markdown] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("menuitem", { name: "Export as Markdown" }).click(),
    ]);
    expect(await readFile((await markdown.path()) ?? "", "utf8")).toContain(`${token} worth keeping`);

    await page.getByRole("button", { name: "Conversation menu" }).click();
    const [json] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("menuitem", { name: "Export as JSON" }).click(),
    ]);
    const file = (await json.path()) ?? "";
    const exported = JSON.parse(await readFile(file, "utf8")) as { format: string; messages: unknown[] };
    expect(exported.format).toBe("responses-chat.conversation");
    expect(exported.messages).toHaveLength(2);

    await page.getByLabel("Import a conversation").setInputFiles(file);
    await expect(page).not.toHaveURL(new RegExp(`/c/${id}$`));
    await conversationId(page);
    await expect(chat.lastAnswer()).toContainText(`${token} worth keeping`);
    await expect(sidebar(page).links).toHaveCount(2);
  });

  test("on a phone the conversations are a drawer: it opens, lists links, and Escape closes it", async ({ chat, page }) => {
    await chat.say(`${uniqueToken()} from a phone`);
    await chat.waitUntilIdle();
    await page.setViewportSize({ width: 390, height: 800 });
    const side = sidebar(page);
    await expect(side.nav).toBeHidden();
    const opener = page.getByRole("button", { name: "Conversations" });
    await opener.click();
    await expect(side.nav).toBeVisible();
    await expect(side.links).toHaveCount(1);
    await page.keyboard.press("Escape");
    await expect(side.nav).toBeHidden();
    await expect(opener).toBeFocused();

    // Ctrl+K opens it at the search; following a link closes it.
    await page.keyboard.press("Control+k");
    await expect(side.search).toBeFocused();
    await side.nav.getByRole("button", { name: "New chat" }).click();
    await expect(side.nav).toBeHidden();
    await expect(page).toHaveURL(/\/$/);
    await opener.click();
    await side.links.first().click();
    await expect(side.nav).toBeHidden();
    await expect(chat.lastAnswer()).toContainText("from a phone");
  });
});
