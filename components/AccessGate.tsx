"use client";

import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";

import { useAccessStore } from "@/stores/access-store";

/** Shows `children` (the chat) once this browser may use the backend, else the sign-in form. */
export function AccessGate({ children }: { children: ReactNode }) {
  const phase = useAccessStore((s) => s.phase);

  useEffect(() => {
    void useAccessStore.getState().check();
  }, []);

  if (phase === "open") return children;
  if (phase === "checking") {
    return (
      <p role="status" className="flex h-dvh items-center justify-center text-sm text-zinc-500">
        Loading…
      </p>
    );
  }
  return <SignInForm />;
}

function SignInForm() {
  const lost = useAccessStore((s) => s.lost);
  const error = useAccessStore((s) => s.error);
  const busy = useAccessStore((s) => s.busy);
  const signIn = useAccessStore((s) => s.signIn);
  const [token, setToken] = useState("");
  const input = useRef<HTMLInputElement>(null);

  // Focus the field on arrival and after each refusal, so the token can be typed again at once.
  useEffect(() => {
    if (!busy) input.current?.focus();
  }, [busy, error]);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void signIn(token);
  };

  return (
    <main className="flex min-h-dvh items-center justify-center bg-zinc-50 p-4">
      <form
        onSubmit={onSubmit}
        aria-labelledby="sign-in-heading"
        className="w-full max-w-sm space-y-4 rounded-xl border border-zinc-200 bg-white p-6 shadow-sm"
      >
        <div className="space-y-1">
          <h1 id="sign-in-heading" className="text-lg font-semibold">
            Sign in to Responses chat
          </h1>
          <p className="text-sm text-zinc-600">
            {lost
              ? "Your access has ended. Sign in again to go on; your conversation is kept."
              : "This chat is private. Enter the access token you were given."}
          </p>
        </div>
        <div className="space-y-1">
          <label htmlFor="access-token" className="block text-sm font-medium">
            Access token
          </label>
          <input
            ref={input}
            id="access-token"
            name="token"
            type="password"
            autoComplete="current-password"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "access-error" : undefined}
            className="block w-full rounded-md border border-zinc-300 px-3 py-2 focus:border-sky-600 focus:outline-none focus:ring-2 focus:ring-sky-600/30 aria-invalid:border-red-600"
          />
          <p id="access-error" role="alert" className="min-h-5 text-sm text-red-700">
            {error}
          </p>
        </div>
        <button
          type="submit"
          aria-disabled={busy || undefined}
          className="h-10 w-full rounded-md bg-sky-700 font-medium text-white hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700 aria-disabled:cursor-wait aria-disabled:bg-sky-800"
        >
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
