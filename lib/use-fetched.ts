"use client";

import { useCallback, useEffect, useRef, useState } from "react";

export interface Fetched<T> {
  data: T | null;
  error: string | null;
  /** Loads again (a Retry or Refresh button). */
  reload: () => void;
}

export interface FetchOptions<T> {
  /** Look again after `pollMs` while this holds (work the server does in the background). */
  pollWhile?: (data: T) => boolean;
  pollMs?: number;
  maxPolls?: number;
}

/**
 * Data a component shows, loaded from the API: loads when `key` changes, keeps
 * the last good data, says what went wrong in words, and never sets state after
 * the component has gone or a newer load has started.
 */
export function useFetched<T>(key: string, load: () => Promise<T>, options: FetchOptions<T> = {}): Fetched<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  // The latest load and options, read when a load starts, so callers may pass fresh closures.
  const latest = useRef({ load, options });
  useEffect(() => {
    latest.current = { load, options };
  });

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let polls = 0;
    const run = async () => {
      const { load: current, options: { pollWhile, pollMs = 2000, maxPolls = 30 } } = latest.current;
      try {
        const value = await current();
        if (cancelled) return;
        setData(value);
        setError(null);
        if (pollWhile?.(value) && polls++ < maxPolls) timer = setTimeout(() => void run(), pollMs);
      } catch (e) {
        if (!cancelled) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void run();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [key, attempt]);

  const reload = useCallback(() => setAttempt((a) => a + 1), []);
  return { data, error, reload };
}
