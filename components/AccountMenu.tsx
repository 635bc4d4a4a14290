"use client";

import { useEffect, useId, useRef, useState } from "react";

import { displayName } from "@/lib/sign-in";
import { useAuthStore } from "@/stores/auth-store";

import { SignInLink } from "./AuthGate";

/** The foot of the sidebar: who is signed in, with Sign out; or Sign in, when the server offers it. */
export function AccountMenu() {
  const status = useAuthStore((s) => s.status);
  const signingOut = useAuthStore((s) => s.signingOut);
  const [open, setOpen] = useState(false);
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const signOutItem = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (open) signOutItem.current?.focus();
  }, [open]);

  if (!status) return null;
  const user = status.user;
  if (!user) {
    if (!status.login_available) return null;
    return (
      <div className="border-t border-zinc-200 p-3">
        <SignInLink className="block rounded-md px-2 py-1.5 text-sm font-medium hover:bg-zinc-200" />
      </div>
    );
  }

  const onSignOut = async () => {
    if (await useAuthStore.getState().signOut()) {
      // A whole new page: every store drops what belonged to the person who left.
      window.location.replace(`${window.location.origin}/`);
    }
  };

  return (
    <div
      className="relative border-t border-zinc-200 p-3"
      onKeyDown={(e) => {
        if (e.key === "Escape" && open) {
          setOpen(false);
          button.current?.focus();
        }
      }}
    >
      {open ? (
        <div id={menuId} role="menu" aria-label="Account" className="absolute bottom-full left-3 mb-1 rounded-md border border-zinc-200 bg-white py-1 shadow">
          <button
            ref={signOutItem}
            type="button"
            role="menuitem"
            disabled={signingOut}
            onClick={() => void onSignOut()}
            className="block w-full px-4 py-1.5 text-left text-sm hover:bg-zinc-100 disabled:opacity-50"
          >
            Sign out
          </button>
        </div>
      ) : null}
      <button
        ref={button}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        onClick={() => setOpen((o) => !o)}
        className="flex w-full flex-col rounded-md px-2 py-1.5 text-left hover:bg-zinc-200"
      >
        <span className="text-sm font-medium">{displayName(user)}</span>
        {user.email && user.name ? <span className="text-xs text-zinc-500">{user.email}</span> : null}
      </button>
    </div>
  );
}
