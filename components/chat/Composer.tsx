"use client";

import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";

interface ComposerProps {
  busy: boolean;
  /** Sending is not possible (no OpenAI key on the server): the reason is shown elsewhere. */
  blocked?: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
  /** Controls under the box (the model picker). */
  toolbar?: ReactNode;
}

export function Composer({ busy, blocked = false, onSend, onStop, toolbar }: ComposerProps) {
  const [text, setText] = useState("");
  const box = useRef<HTMLTextAreaElement>(null);

  // Grow with the text, up to a limit.
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  // The box is disabled during a turn; give the focus back when it ends.
  useEffect(() => {
    if (!busy) box.current?.focus();
  }, [busy]);

  const submit = () => {
    if (busy || blocked || !text.trim()) return;
    onSend(text);
    setText("");
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        submit();
      }}
      className="border-t border-zinc-200 bg-white px-4 py-3"
    >
      <div className="mx-auto flex max-w-3xl items-end gap-2">
        <textarea
          ref={box}
          aria-label="Message"
          placeholder={busy ? "Waiting for the answer…" : "Ask anything"}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          disabled={busy}
          rows={1}
          className="min-h-11 flex-1 resize-none rounded-xl border border-zinc-300 px-3 py-2.5 leading-6 focus:border-sky-600 focus:outline-none focus:ring-2 focus:ring-sky-600/30 disabled:bg-zinc-50 disabled:text-zinc-500"
        />
        {busy ? (
          <button
            type="button"
            onClick={onStop}
            className="h-11 rounded-xl bg-zinc-800 px-4 font-medium text-white hover:bg-zinc-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-zinc-800"
          >
            Stop
          </button>
        ) : (
          <button
            type="submit"
            disabled={!text.trim() || blocked}
            className="h-11 rounded-xl bg-sky-700 px-4 font-medium text-white hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-700 disabled:cursor-not-allowed disabled:bg-zinc-300"
          >
            Send
          </button>
        )}
      </div>
      {toolbar ? <div className="mx-auto mt-2 max-w-3xl">{toolbar}</div> : null}
    </form>
  );
}
