"use client";

import { useEffect, type ReactNode } from "react";

import { api } from "@/lib/api";
import { withoutOAuthParams } from "@/lib/google-return";
import { rememberSignInTrip, signInError, takeSignInTrip } from "@/lib/sign-in";
import { useAuthStore } from "@/stores/auth-store";

/**
 * Shows `children` unless the server requires a signed-in person and this browser is none: then
 * the page to sign in. A sign-in that came back refused is said in words, once.
 */
export function AuthGate({ children }: { children: ReactNode }) {
  const checked = useAuthStore((s) => s.checked);
  const status = useAuthStore((s) => s.status);
  const error = useAuthStore((s) => s.error);

  useEffect(() => {
    // Before the chat mounts: the `?error=` of a sign-in is not Google's to read.
    if (takeSignInTrip(sessionStorage)) {
      const words = signInError(window.location.search);
      window.history.replaceState(null, "", withoutOAuthParams(window.location.href));
      if (words) useAuthStore.getState().setError(words);
    }
    void useAuthStore.getState().check();
  }, []);

  if (!checked) {
    return (
      <p role="status" className="flex h-dvh items-center justify-center text-sm text-zinc-500">
        Loading…
      </p>
    );
  }
  if (status?.login_required && !status.user) return <SignInPage error={error} />;
  return (
    <>
      {children}
      {error ? <SignInProblem error={error} /> : null}
    </>
  );
}

export function SignInLink({ className }: { className?: string }) {
  return (
    <a href={api.signInUrl()} onClick={() => rememberSignInTrip(sessionStorage)} className={className}>
      Sign in
    </a>
  );
}

function SignInPage({ error }: { error: string | null }) {
  return (
    <main className="flex min-h-dvh items-center justify-center bg-zinc-50 p-4">
      <section
        aria-labelledby="sign-in-required-heading"
        className="w-full max-w-sm space-y-4 rounded-xl border border-zinc-200 bg-white p-6 shadow-sm"
      >
        <h1 id="sign-in-required-heading" className="text-lg font-semibold">
          Sign in to Responses chat
        </h1>
        <p className="text-sm text-zinc-600">
          This chat is for your team: sign in with your organisation&apos;s account. Your conversations
          follow you to any browser you sign in on.
        </p>
        {error ? (
          <p role="alert" className="text-sm text-red-800">
            {error}
          </p>
        ) : null}
        <SignInLink className="block w-full rounded-lg bg-zinc-900 px-4 py-2 text-center text-sm font-medium text-white hover:bg-zinc-700" />
      </section>
    </main>
  );
}

function SignInProblem({ error }: { error: string }) {
  return (
    <div
      role="alert"
      className="fixed bottom-4 left-1/2 z-40 flex w-[min(32rem,92vw)] -translate-x-1/2 items-start justify-between gap-3 rounded-lg bg-red-50 px-4 py-2 text-sm text-red-900 shadow"
    >
      <span>{error}</span>
      <button type="button" className="underline" onClick={() => useAuthStore.getState().setError(null)}>
        Dismiss
      </button>
    </div>
  );
}
