import { describe, expect, it, vi } from "vitest";

import { ApiError } from "@/lib/api";
import { displayName, rememberSignInTrip, signInError, takeSignInTrip, type AuthStatus } from "@/lib/sign-in";
import { createAuthStore } from "@/stores/auth-store";

function memoryStorage() {
  const values = new Map<string, string>();
  return {
    getItem: (key: string) => values.get(key) ?? null,
    setItem: (key: string, value: string) => void values.set(key, value),
    removeItem: (key: string) => void values.delete(key),
  };
}

describe("the sign-in round trip", () => {
  it("knows a trip it started, once", () => {
    const storage = memoryStorage();
    expect(takeSignInTrip(storage)).toBe(false);
    rememberSignInTrip(storage);
    expect(takeSignInTrip(storage)).toBe(true);
    expect(takeSignInTrip(storage)).toBe(false);
  });

  it("says each of the server's codes in words, and nothing a link wrote", () => {
    expect(signInError("?error=domain_not_allowed")).toMatch(/email domain may not use this chat/);
    expect(signInError("?error=invalid_state")).toMatch(/expired or was started in another tab/);
    expect(signInError("?error=You+have+won+a+prize")).toBe("You were not signed in. Please try again.");
    expect(signInError("?error=constructor")).toBe("You were not signed in. Please try again.");
    expect(signInError("")).toBeNull();
  });

  it("names the person by name, else by address", () => {
    expect(displayName({ id: "1", name: "Ada Lovelace", email: "ada@example.com" })).toBe("Ada Lovelace");
    expect(displayName({ id: "1", name: " ", email: "ada@example.com" })).toBe("ada@example.com");
  });
});

describe("the auth store", () => {
  const signedIn: AuthStatus = {
    user: { id: "7", name: "Ada", email: "ada@example.com" },
    login_required: true,
    login_available: true,
  };

  it("asks again when a call is refused with 401, so the sign-in page can come back", async () => {
    let refused: () => void = () => undefined;
    const authMe = vi
      .fn<() => Promise<AuthStatus>>()
      .mockResolvedValueOnce(signedIn)
      .mockResolvedValueOnce({ ...signedIn, user: null });
    const store = createAuthStore({
      authMe,
      signOut: vi.fn(),
      onUnauthorized: (listener) => {
        refused = listener;
        return () => undefined;
      },
    });
    await store.getState().check();
    expect(store.getState().status?.user?.name).toBe("Ada");
    refused();
    await vi.waitFor(() => expect(store.getState().status?.user).toBeNull());
  });

  it("shows the chat when the server cannot say (a backend without sign-in)", async () => {
    const store = createAuthStore({
      authMe: () => Promise.reject(new ApiError(404, "Not Found")),
      signOut: vi.fn(),
      onUnauthorized: () => () => undefined,
    });
    await store.getState().check();
    expect(store.getState()).toMatchObject({ checked: true, status: null });
  });

  it("keeps the person signed in, in words, when signing out fails", async () => {
    const store = createAuthStore({
      authMe: () => Promise.resolve(signedIn),
      signOut: () => Promise.reject(new ApiError(503, "Sessions are unavailable right now.")),
      onUnauthorized: () => () => undefined,
    });
    expect(await store.getState().signOut()).toBe(false);
    expect(store.getState().error).toBe("Sessions are unavailable right now.");
  });
});
