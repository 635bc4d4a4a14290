import { API_URL } from "./env";
import { expect, signIn, test, toolsSentWith, ToolsPanelPage, uniqueToken } from "./support";

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

test.describe("functions and files", () => {
  test("Functions lists the backend's functions with their parameters", async ({ chat }) => {
    const page = chat.page;
    const tools = new ToolsPanelPage(page);
    await tools.turnOn("Functions");
    const list = tools.panel.getByRole("list", { name: "Functions" });
    await expect(list).toContainText("get_weather");
    await expect(list).toContainText("Location to get weather for");
    await expect(list).toContainText("celsius | fahrenheit");
    await expect(list).toContainText("get_joke");
  });

  test("a vector store is created by uploading two files and then used by a turn", async ({ chat, page, request }) => {
    const tools = new ToolsPanelPage(page);
    await tools.turnOn("File search");
    const chooser = page.waitForEvent("filechooser");
    await tools.panel.getByRole("button", { name: "Upload files" }).click();
    await (await chooser).setFiles([
      { name: "favorite_foods.txt", mimeType: "text/plain", buffer: Buffer.from("Travis likes pizza.\n") },
      { name: "recipes.md", mimeType: "text/markdown", buffer: Buffer.from("# Pizza\nFlour, water, salt.\n") },
    ]);
    const uploads = tools.panel.getByRole("list", { name: "Uploads" });
    await expect(uploads.getByText("Added")).toHaveCount(2);
    await expect(tools.panel.getByText("favorite_foods.txt and 1 more")).toBeVisible();
    const storeId = (await tools.panel.getByLabel("Vector store ID", { exact: true }).innerText()).trim();
    expect(storeId).toMatch(/^vs_/);
    const files = tools.panel.getByRole("list", { name: "Files in the vector store" });
    await expect(files).toContainText("favorite_foods.txt");
    await expect(files).toContainText("recipes.md");

    const token = uniqueToken();
    await chat.say(`${token} what does Travis like?`);
    expect(await toolsSentWith(request, token)).toEqual([{ type: "file_search", vector_store_ids: [storeId] }]);

    // The store survives a reload, and can be unlinked.
    await page.reload();
    await expect(tools.panel.getByLabel("Vector store ID", { exact: true })).toHaveText(storeId);
    await tools.panel.getByRole("button", { name: "Unlink" }).click();
    await expect(tools.panel.getByRole("button", { name: "Upload files" })).toBeVisible();
  });

  test("a file that is too large says why and does not stop the others", async ({ chat }) => {
    const page = chat.page;
    const tools = new ToolsPanelPage(page);
    await tools.turnOn("File search");
    const chooser = page.waitForEvent("filechooser");
    await tools.panel.getByRole("button", { name: "Upload files" }).click();
    await (await chooser).setFiles([
      { name: "small.txt", mimeType: "text/plain", buffer: Buffer.from("small") },
      { name: "huge.txt", mimeType: "text/plain", buffer: Buffer.alloc(400 * 1024, "a") },
      { name: "also-small.txt", mimeType: "text/plain", buffer: Buffer.from("also small") },
    ]);
    const uploads = tools.panel.getByRole("list", { name: "Uploads" });
    await expect(uploads.getByText("Added")).toHaveCount(2);
    await expect(uploads).toContainText(/huge\.txt: .*too large/i);
    await expect(tools.panel.getByText("small.txt and 1 more")).toBeVisible();
  });

  test("files dropped on the panel are uploaded", async ({ chat }) => {
    const tools = new ToolsPanelPage(chat.page);
    await tools.turnOn("File search");
    const dataTransfer = await chat.page.evaluateHandle(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(["dropped one"], "dropped-1.txt", { type: "text/plain" }));
      transfer.items.add(new File(["dropped two"], "dropped-2.txt", { type: "text/plain" }));
      return transfer;
    });
    const zone = tools.panel.getByText(/Drop files here/);
    await zone.dispatchEvent("dragover", { dataTransfer });
    await zone.dispatchEvent("drop", { dataTransfer });
    await expect(tools.panel.getByRole("list", { name: "Uploads" }).getByText("Added")).toHaveCount(2);
    await expect(tools.panel.getByText("dropped-1.txt and 1 more")).toBeVisible();
  });

  test("an existing vector store is linked after checking its id", async ({ chat }) => {
    const page = chat.page;
    const tools = new ToolsPanelPage(page);
    await tools.turnOn("File search");
    const idBox = tools.panel.getByRole("textbox", { name: "Link an existing vector store by ID" });
    await idBox.fill("vs_error404");
    await tools.panel.getByRole("button", { name: "Link" }).click();
    await expect(tools.panel.getByText(/Could not link that vector store/)).toBeVisible();
    // A store this browser made earlier (another tab, a script with its cookie): only its owner
    // may link it, and the fake upstream makes a store named [[id:ID]] with that id.
    const storeId = `vs_linked${Date.now()}`;
    const made = await page.request.post(`${API_URL}/api/vector_stores/create_store`, {
      data: { name: `[[id:${storeId}]]` },
    });
    expect(made.ok()).toBe(true);
    await idBox.fill(storeId);
    await idBox.press("Enter");
    await expect(tools.panel.getByLabel("Vector store ID", { exact: true })).toHaveText(storeId);
  });

  test("a vector store another browser made cannot be linked", async ({ chat, browser }) => {
    const other = await browser.newContext();
    await signIn(other);
    const made = await other.request.post(`${API_URL}/api/vector_stores/create_store`, { data: { name: "theirs" } });
    const { id: theirs } = (await made.json()) as { id: string };
    await other.close();
    const tools = new ToolsPanelPage(chat.page);
    await tools.turnOn("File search");
    const idBox = tools.panel.getByRole("textbox", { name: "Link an existing vector store by ID" });
    await idBox.fill(theirs);
    await idBox.press("Enter");
    await expect(tools.panel.getByText(/Could not link that vector store/)).toBeVisible();
    await expect(tools.panel.getByLabel("Vector store ID", { exact: true })).toHaveCount(0);
  });
});
