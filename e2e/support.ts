import {
  expect,
  test as base,
  type APIRequestContext,
  type BrowserContext,
  type Locator,
  type Page,
} from "@playwright/test";

import { ACCESS_TOKEN, API_URL, FAKE_OPENAI_URL } from "./env";

/** The chat as a person sees it: by roles and accessible names. */
export class ChatPage {
  readonly message: Locator;
  readonly send: Locator;
  readonly stop: Locator;
  readonly newChat: Locator;
  readonly retry: Locator;
  readonly answers: Locator;
  readonly alert: Locator;
  readonly conversation: Locator;

  constructor(readonly page: Page) {
    this.conversation = page.getByRole("log", { name: "Conversation" });
    this.message = page.getByRole("textbox", { name: "Message" });
    this.send = page.getByRole("button", { name: "Send", exact: true });
    this.stop = page.getByRole("button", { name: "Stop", exact: true });
    this.newChat = page.getByRole("button", { name: "New chat" });
    this.retry = page.getByRole("button", { name: "Retry" });
    this.answers = page.getByRole("article", { name: "Assistant message" });
    this.alert = this.conversation.getByRole("alert");
  }

  async open() {
    await this.page.goto("/");
    await expect(this.message).toBeEditable();
  }

  /** Types a message and presses Enter, as people do. */
  async say(text: string) {
    await expect(this.message).toBeEditable();
    await this.message.fill(text);
    await this.message.press("Enter");
  }

  async waitUntilIdle() {
    await expect(this.send).toBeVisible({ timeout: 20_000 });
  }

  lastAnswer(): Locator {
    return this.answers.last();
  }
}

export interface FakeRequest {
  input: Array<Record<string, unknown>>;
  tools?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * Streamed request bodies (the turns) the fake OpenAI server got whose input mentions `token`.
 * The title the server asks for after a conversation's first answer is not streamed, so it is
 * left out.
 */
export async function fakeRequests(request: APIRequestContext, token: string): Promise<FakeRequest[]> {
  const response = await request.get(`${FAKE_OPENAI_URL}/_fake/requests`);
  expect(response.ok()).toBe(true);
  const all = (await response.json()) as FakeRequest[];
  return all.filter((body) => body.stream === true && JSON.stringify(body.input).includes(token));
}

/** A token that marks one test's messages, so parallel tests never mix up requests. */
export function uniqueToken(prefix = "t"): string {
  return `${prefix}${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

/**
 * The backend needs the access token: each browser context signs in once, through the same
 * route as the sign-in form (the context's request shares its cookies), before any page opens.
 */
export async function signIn(context: BrowserContext, token = ACCESS_TOKEN) {
  const response = await context.request.post(`${API_URL}/api/access`, { data: { token } });
  expect(response.status(), await response.text()).toBe(200);
}

export const test = base.extend<{ chat: ChatPage }>({
  context: async ({ context }, provide) => {
    await signIn(context);
    await provide(context);
  },
  chat: async ({ page }, provide) => {
    const chat = new ChatPage(page);
    await chat.open();
    await provide(chat);
  },
});

export { expect };

/** The tools panel, by its switches and fields. */
export class ToolsPanelPage {
  readonly panel: Locator;

  constructor(readonly page: Page) {
    this.panel = page.getByRole("complementary", { name: "Tools" });
  }

  switch(name: string): Locator {
    return this.panel.getByRole("switch", { name, exact: true });
  }

  field(name: string): Locator {
    return this.panel.getByRole("textbox", { name, exact: true });
  }

  async turnOn(name: string) {
    const toggle = this.switch(name);
    await expect(toggle).toBeVisible();
    if ((await toggle.getAttribute("aria-checked")) !== "true") await toggle.click();
    await expect(toggle).toHaveAttribute("aria-checked", "true");
  }

  async turnOff(name: string) {
    const toggle = this.switch(name);
    if ((await toggle.getAttribute("aria-checked")) === "true") await toggle.click();
    await expect(toggle).toHaveAttribute("aria-checked", "false");
  }

  async pickCountry(search: string) {
    const box = this.panel.getByRole("combobox", { name: "Country" });
    await box.fill(search);
    await box.press("Enter");
  }
}

/** The `tools` the fake upstream got with the turn that carried `token`. */
export async function toolsSentWith(request: APIRequestContext, token: string) {
  await expect.poll(async () => (await fakeRequests(request, token)).length).toBeGreaterThan(0);
  const [first] = await fakeRequests(request, token);
  return (first?.tools ?? []) as Array<Record<string, unknown>>;
}
