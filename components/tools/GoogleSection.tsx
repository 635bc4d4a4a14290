"use client";

import { api } from "@/lib/api";
import { rememberReturnPath } from "@/lib/google-return";
import { useGoogleStore } from "@/stores/google-store";
import { useToolsStore } from "@/stores/tools-store";

import { buttonClass, primaryButtonClass, Switch } from "./controls";

export function GoogleSection() {
  const connected = useGoogleStore((s) => s.connected);
  const configured = useGoogleStore((s) => s.oauthConfigured);
  const error = useGoogleStore((s) => s.error);
  const busy = useGoogleStore((s) => s.busy);
  const disconnect = useGoogleStore((s) => s.disconnect);
  const enabled = useToolsStore((s) => s.googleIntegrationEnabled);
  const setSwitch = useToolsStore((s) => s.setSwitch);

  return (
    <div className="space-y-3">
      {connected ? (
        <Switch
          label="Google"
          checked={enabled}
          onChange={(on) => setSwitch("googleIntegrationEnabled", on)}
          description="Let the model read your Google Calendar and Gmail."
        />
      ) : (
        <div>
          <div className="font-medium text-zinc-900">Google Calendar and Gmail</div>
          <p className="text-xs text-zinc-500">Connect your Google account to let the model read them.</p>
        </div>
      )}
      {connected === null && !error ? <p className="text-xs text-zinc-500">Checking the connection…</p> : null}
      {error ? <p className="text-xs text-red-700">Could not check the Google connection: {error}</p> : null}
      {connected === false && configured === false ? (
        <p className="text-xs text-amber-800">
          The server has no Google OAuth client configured (GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET), so Google cannot
          be connected yet.
        </p>
      ) : null}
      {connected === false && configured ? (
        // A full-page navigation: the backend sends the browser on to Google and back.
        <a
          href={api.googleAuthUrl()}
          onClick={() => rememberReturnPath(sessionStorage, window.location.pathname)}
          className={`inline-block ${primaryButtonClass}`}
        >
          Connect Google
        </a>
      ) : null}
      {connected ? (
        <div className="flex items-center justify-between gap-2">
          <span className="text-xs text-emerald-800">Connected</span>
          <button type="button" className={buttonClass} disabled={busy} onClick={() => void disconnect()}>
            Disconnect
          </button>
        </div>
      ) : null}
    </div>
  );
}
