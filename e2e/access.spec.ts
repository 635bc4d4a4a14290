import { expect, test } from "@playwright/test";

import { ACCESS_TOKEN } from "./env";
import { ChatPage, fakeRequests, uniqueToken } from "./support";

// Plain Playwright `test`: these browsers start signed out (support's `test` signs in first).

test.describe("sign-in page", () => {
  test("a wrong token is refused in words, the right one opens the chat and is remembered", async ({ page }) => {
    const chat = new ChatPage(page);
    await page.goto("/");
    await expect(page.getByRole("heading", { name: /sign in/i })).toBeVisible();
    await expect(chat.message).toHaveCount(0);
    const form = page.getByRole("form", { name: /sign in/i });
    const field = form.getByLabel("Access token");
    await expect(field).toHaveAttribute("type", "password");
    await expect(field).toBeFocused();

    // Keyboard only: type and press Enter.
    await page.keyboard.type("not-the-token");
    await page.keyboard.press("Enter");
    await expect(form.getByRole("alert")).toHaveText("That access token is not right.");
    await expect(field).toHaveAttribute("aria-invalid", "true");
    await expect(field).toBeFocused();

    await field.fill(ACCESS_TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(chat.message).toBeEditable();

    // The cookie keeps the browser signed in.
    await page.reload();
    await expect(chat.message).toBeEditable();
    await expect(page.getByLabel("Access token")).toHaveCount(0);
  });

  test("losing access brings the form back and keeps the conversation", async ({ page, context, request }) => {
    const chat = new ChatPage(page);
    await page.goto("/");
    await page.getByLabel("Access token").fill(ACCESS_TOKEN);
    await page.keyboard.press("Enter");
    const first = uniqueToken();
    await chat.say(`${first} before the cookie goes`);
    await expect(chat.lastAnswer()).toContainText("before the cookie goes");
    await chat.waitUntilIdle();

    // As if the access cookie expired or the token changed. The session cookie stays: the
    // conversation is kept on the server for this browser's session.
    await context.clearCookies({ name: "chat_access" });
    const second = uniqueToken();
    await chat.say(`${second} after the cookie went`);
    await expect(page.getByText(/your access has ended/i)).toBeVisible();
    await expect(page.getByLabel("Access token")).toBeFocused();
    expect(await fakeRequests(request, second)).toEqual([]);

    await page.keyboard.type(ACCESS_TOKEN);
    await page.keyboard.press("Enter");
    await expect(chat.answers.first()).toContainText("before the cookie goes");
    await expect(chat.conversation.getByText(`${second} after the cookie went`)).toBeVisible();
    // The refused turn can be sent again.
    await chat.retry.click();
    await expect(chat.lastAnswer()).toContainText("after the cookie went");
    expect(await fakeRequests(request, second)).toHaveLength(1);
  });
});
