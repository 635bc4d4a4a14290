import { describe, expect, it, vi } from "vitest";

import { ApiError, type AccessStatus } from "@/lib/api";
import { createAccessStore } from "@/stores/access-store";

/** The three calls the store uses, with the server's answers set by the test. */
function fakeApi(initial: AccessStatus | Error) {
  let status: AccessStatus | Error = initial;
  const listeners = new Set<() => void>();
  const api = {
    accessStatus: vi.fn(async () => {
      if (status instanceof Error) throw status;
      return status;
    }),
    signIn: vi.fn(async (token: string) => {
      if (token !== "right") throw new ApiError(401, "That access token is not right.");
      status = { required: true, granted: true };
      return { granted: true };
    }),
    onUnauthorized: (listener: () => void) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return {
    api,
    setStatus: (next: AccessStatus | Error) => {
      status = next;
    },
    /** What lib/api.ts does when any call answers 401. */
    refuse: () => listeners.forEach((l) => l()),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("access store", () => {
  it("opens the chat at once when no token is needed, or the cookie is already there", async () => {
    for (const status of [
      { required: false, granted: true },
      { required: true, granted: true },
    ]) {
      const store = createAccessStore(fakeApi(status).api);
      expect(store.getState().phase).toBe("checking");
      await store.getState().check();
      expect(store.getState().phase).toBe("open");
    }
  });

  it("asks for the token when it is needed, says why a wrong one fails, and opens with the right one", async () => {
    const { api } = fakeApi({ required: true, granted: false });
    const store = createAccessStore(api);
    await store.getState().check();
    expect(store.getState()).toMatchObject({ phase: "signed-out", lost: false, error: null });

    await store.getState().signIn("   ");
    expect(store.getState().error).toBe("Enter the access token.");
    expect(api.signIn).not.toHaveBeenCalled();

    await store.getState().signIn("wrong");
    expect(store.getState()).toMatchObject({ phase: "signed-out", error: "That access token is not right.", busy: false });

    await store.getState().signIn(" right\n");
    expect(api.signIn).toHaveBeenLastCalledWith("right");
    expect(store.getState()).toMatchObject({ phase: "open", error: null, busy: false });
  });

  it("says so when the server cannot be reached while signing in", async () => {
    const { api } = fakeApi({ required: true, granted: false });
    api.signIn.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    const store = createAccessStore(api);
    await store.getState().check();
    await store.getState().signIn("right");
    expect(store.getState().error).toMatch(/Signing in failed/);
    expect(store.getState().phase).toBe("signed-out");
  });

  it("brings the form back when a later call is refused and access is really gone", async () => {
    const fake = fakeApi({ required: true, granted: true });
    const store = createAccessStore(fake.api);
    await store.getState().check();
    expect(store.getState().phase).toBe("open");

    fake.setStatus({ required: true, granted: false });
    // Several calls refused together ask the server once.
    fake.refuse();
    fake.refuse();
    await settle();
    expect(fake.api.accessStatus).toHaveBeenCalledTimes(2);
    expect(store.getState()).toMatchObject({ phase: "signed-out", lost: true });

    await store.getState().signIn("right");
    expect(store.getState()).toMatchObject({ phase: "open", lost: false });
  });

  it("keeps the chat open after a 401 that was not about access (the upstream's key, say)", async () => {
    const fake = fakeApi({ required: true, granted: true });
    const store = createAccessStore(fake.api);
    await store.getState().check();
    fake.refuse();
    await settle();
    expect(fake.api.accessStatus).toHaveBeenCalledTimes(2);
    expect(store.getState().phase).toBe("open");
  });

  it("shows the chat when the check itself fails, so the chat can explain the problem", async () => {
    const fake = fakeApi(new ApiError(0, "Could not reach the server."));
    const store = createAccessStore(fake.api);
    await store.getState().check();
    expect(store.getState().phase).toBe("open");
    // And a refused call later still finds the way to the form.
    fake.setStatus({ required: true, granted: false });
    fake.refuse();
    await settle();
    expect(store.getState().phase).toBe("signed-out");
  });
});
