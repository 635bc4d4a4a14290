import { FAKE_OIDC_URL } from "./env";
import { expect, fakeRequests, test, ToolsPanelPage, uniqueToken } from "./support";

// The deny switch of the fake provider is shared: these run one after the other.
test.describe.configure({ mode: "serial" });

test.describe("Google", () => {
  test("connects, offers the Google switch, sends the connectors, and disconnects", async ({ chat, page, request }) => {
    const tools = new ToolsPanelPage(page);
    await expect(tools.switch("Google")).toHaveCount(0);
    await chat.say(`${uniqueToken()} before the sign-in`);
    await expect(chat.lastAnswer()).toContainText("before the sign-in");
    await chat.waitUntilIdle();
    await tools.panel.getByRole("link", { name: "Connect Google" }).click();

    await expect(page.getByRole("status").filter({ hasText: "Google is connected" })).toBeVisible();
    // ?connected=1 is cleaned away, and the conversation open before the trip opens again.
    await expect(page).toHaveURL(/\/c\/conv_[0-9a-f]+$/);
    // The conversation survives the trip to Google and back.
    await expect(chat.answers.first()).toContainText("before the sign-in");
    await expect(tools.panel.getByText("Connected", { exact: true })).toBeVisible();
    await tools.turnOn("Google");

    const token = uniqueToken();
    await chat.say(`${token} what is on my calendar?`);
    await expect.poll(async () => (await fakeRequests(request, token)).length).toBe(1);
    const [sent] = await fakeRequests(request, token);
    const connectors = (sent?.tools ?? []).filter((t) => t.type === "mcp");
    expect(connectors.map((t) => [t.server_label, t.connector_id, t.require_approval])).toEqual([
      ["GoogleCalendar", "connector_googlecalendar", "never"],
      ["GoogleMail", "connector_gmail", "never"],
    ]);
    expect(connectors.every((t) => typeof t.authorization === "string" && t.authorization.length > 0)).toBe(true);
    await chat.waitUntilIdle();

    await tools.panel.getByRole("button", { name: "Disconnect" }).click();
    await expect(tools.panel.getByRole("link", { name: "Connect Google" })).toBeVisible();
    await expect(tools.switch("Google")).toHaveCount(0);
    const after = uniqueToken();
    await chat.say(`${after} and now?`);
    await expect.poll(async () => (await fakeRequests(request, after)).length).toBe(1);
    const [later] = await fakeRequests(request, after);
    expect(later?.tools ?? []).toEqual([]);
  });

  test("a refused consent is explained in words", async ({ chat, page, request }) => {
    await request.post(`${FAKE_OIDC_URL}/_fake/deny`, { data: { deny: true } });
    try {
      const tools = new ToolsPanelPage(page);
      await tools.panel.getByRole("link", { name: "Connect Google" }).click();
      await expect(page.getByRole("alert").filter({ hasText: "Google was not connected" })).toBeVisible();
      await expect(page).not.toHaveURL(/error=/);
      await expect(tools.panel.getByRole("link", { name: "Connect Google" })).toBeVisible();
      await expect(chat.message).toBeEditable();
    } finally {
      await request.post(`${FAKE_OIDC_URL}/_fake/deny`, { data: { deny: false } });
    }
  });
});
