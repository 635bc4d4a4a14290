import { expect, test, toolsSentWith, ToolsPanelPage, uniqueToken } from "./support";

test.describe("the tools panel", () => {
  test("with every switch off, a turn offers no tools", async ({ chat, request }) => {
    const token = uniqueToken();
    await chat.say(`${token} no tools please`);
    expect(await toolsSentWith(request, token)).toEqual([]);
  });

  test("Web search sends web_search with the chosen approximate location", async ({ chat, page, request }) => {
    const tools = new ToolsPanelPage(page);
    await tools.turnOn("Web search");
    await tools.pickCountry("Germ");
    await expect(tools.panel.getByRole("combobox", { name: "Country" })).toHaveValue("Germany (DE)");
    await tools.field("City").fill("Berlin");
    const token = uniqueToken();
    await chat.say(`${token} weather news`);
    const sent = await toolsSentWith(request, token);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      type: "web_search",
      user_location: { type: "approximate", country: "DE", city: "Berlin" },
    });
  });

  test("Web search without a location sends none", async ({ chat, page, request }) => {
    await new ToolsPanelPage(page).turnOn("Web search");
    const token = uniqueToken();
    await chat.say(`${token} search`);
    expect(await toolsSentWith(request, token)).toEqual([{ type: "web_search" }]);
  });

  test("Code interpreter sends an auto container", async ({ chat, page, request }) => {
    await new ToolsPanelPage(page).turnOn("Code interpreter");
    const token = uniqueToken();
    await chat.say(`${token} plot`);
    expect(await toolsSentWith(request, token)).toEqual([{ type: "code_interpreter", container: { type: "auto" } }]);
  });

  test("Functions sends the backend's functions in strict mode", async ({ chat, page, request }) => {
    await new ToolsPanelPage(page).turnOn("Functions");
    const token = uniqueToken();
    await chat.say(`${token} joke`);
    const sent = await toolsSentWith(request, token);
    expect(sent.map((t) => t.name)).toEqual(["get_weather", "get_joke"]);
    expect(sent[0]).toMatchObject({ type: "function", strict: true, parameters: { required: ["location", "unit"] } });
  });

  test("MCP sends the server once its URL is a valid https URL", async ({ chat, page, request }) => {
    const tools = new ToolsPanelPage(page);
    await tools.turnOn("MCP");
    await tools.field("Server label").fill("deepwiki");
    await tools.field("Server URL").fill("http://mcp.deepwiki.com/mcp");
    await expect(tools.panel.getByText("Enter an https:// URL.")).toBeVisible();
    const refused = uniqueToken();
    await chat.say(`${refused} first`);
    expect(await toolsSentWith(request, refused)).toEqual([]);
    await chat.waitUntilIdle();

    await tools.field("Server URL").fill("https://mcp.deepwiki.com/mcp");
    await expect(tools.panel.getByText("Enter an https:// URL.")).toHaveCount(0);
    await tools.field("Allowed tools").fill("ask_question, read_wiki_structure");
    await tools.panel.getByRole("checkbox", { name: "Skip approval" }).check();
    const token = uniqueToken();
    await chat.say(`${token} second`);
    expect(await toolsSentWith(request, token)).toEqual([
      {
        type: "mcp",
        server_label: "deepwiki",
        server_url: "https://mcp.deepwiki.com/mcp",
        require_approval: "never",
        allowed_tools: ["ask_question", "read_wiki_structure"],
      },
    ]);
  });

  test("a reload keeps the settings", async ({ chat, page }) => {
    const tools = new ToolsPanelPage(page);
    await tools.turnOn("Code interpreter");
    await tools.turnOn("MCP");
    await tools.field("Server label").fill("kept-label");
    await tools.turnOn("Web search");
    await tools.pickCountry("Japan");
    await page.reload();
    await expect(chat.message).toBeEditable();
    await expect(tools.switch("Code interpreter")).toHaveAttribute("aria-checked", "true");
    await expect(tools.switch("MCP")).toHaveAttribute("aria-checked", "true");
    await expect(tools.field("Server label")).toHaveValue("kept-label");
    await expect(tools.panel.getByRole("combobox", { name: "Country" })).toHaveValue("Japan (JP)");
    await expect(tools.switch("File search")).toHaveAttribute("aria-checked", "false");
  });

  test("on a phone the panel opens as a drawer and closes with Escape", async ({ chat, page }) => {
    await page.setViewportSize({ width: 390, height: 800 });
    const tools = new ToolsPanelPage(page);
    await expect(tools.switch("Web search")).toBeHidden();
    await page.getByRole("button", { name: "Tools" }).click();
    await expect(tools.switch("Web search")).toBeVisible();
    await page.keyboard.press("Escape");
    await expect(tools.switch("Web search")).toBeHidden();
    await expect(chat.message).toBeVisible();
  });
});
