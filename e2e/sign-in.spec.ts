import { API_URL } from "./env";
import { expect, signIn, test, uniqueToken } from "./support";

/**
 * Sign-in through the fake OpenID provider's own page (a second fake, standing for a team's
 * identity provider): what a browser made before signing in follows the person, to another
 * browser too, and signing out leaves it behind.
 */
test.describe("sign-in with the team's provider", () => {
  test("a conversation follows the person who signs in, to a second browser, until they sign out", async ({
    chat,
    page,
    browser,
  }) => {
    const token = uniqueToken();
    await chat.say(`${token} made before signing in`);
    const sidebar = page.getByRole("navigation", { name: "Conversations" });
    await expect(sidebar.getByRole("link", { name: new RegExp(token) })).toBeVisible();

    await sidebar.getByRole("link", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Sign in to Fake ID" })).toBeVisible();
    await page.getByRole("button", { name: "Continue as Some One" }).click();

    const account = sidebar.getByRole("button", { name: /Some One/ });
    await expect(account).toBeVisible();
    await expect(sidebar.getByRole("link", { name: new RegExp(token) })).toBeVisible();

    // The same person in another browser sees the same conversation.
    const other = await browser.newContext();
    await signIn(other);
    const second = await other.newPage();
    await second.goto("/");
    const secondSidebar = second.getByRole("navigation", { name: "Conversations" });
    await expect(secondSidebar.getByRole("link", { name: new RegExp(token) })).toHaveCount(0);
    await secondSidebar.getByRole("link", { name: "Sign in" }).click();
    await second.getByRole("button", { name: "Continue as Some One" }).click();
    await expect(secondSidebar.getByRole("link", { name: new RegExp(token) })).toBeVisible();
    await other.close();

    // An admin (ADMIN_EMAILS) sees everyone's usage too, by person.
    await page.goto("/usage");
    await page.getByRole("button", { name: "Everyone" }).click();
    const byPerson = page.getByRole("table", { name: "By person" });
    await expect(byPerson.getByRole("row", { name: /Some One/ })).toBeVisible();
    await page.getByRole("link", { name: "Back to the chat" }).click();

    await account.click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await expect(sidebar.getByRole("link", { name: "Sign in" })).toBeVisible();
    await expect(sidebar.getByRole("link", { name: new RegExp(token) })).toHaveCount(0);
    const me = await page.request.get(`${API_URL}/api/auth/me`);
    expect(((await me.json()) as { user: unknown }).user).toBeNull();
  });

  test("a refused sign-in is said in words the page chose", async ({ page }) => {
    await page.goto("/?error=domain_not_allowed");
    // Not a trip this page started: nothing is said in the sign-in's name.
    await expect(page.getByText(/email domain may not use this chat/)).toHaveCount(0);
    await page.evaluate(() => sessionStorage.setItem("responses-chat:sign-in-trip", "1"));
    await page.goto("/?error=domain_not_allowed");
    await expect(page.getByRole("alert").filter({ hasText: "You were not signed in" })).toContainText(
      "accounts of that email domain may not use this chat",
    );
    await expect(page).toHaveURL(/\/$/);
  });
});
