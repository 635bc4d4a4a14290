/** Said on load when the server has no OpenAI key (`GET /api/health`), before anyone types. */
export function FirstRunNotice({ openaiConfigured }: { openaiConfigured: boolean | undefined }) {
  if (openaiConfigured !== false) return null;
  return (
    <div role="alert" className="border-b border-amber-200 bg-amber-50 px-4 py-2 text-sm text-amber-900">
      <p className="font-medium">The server has no OpenAI API key yet, so it cannot answer.</p>
      <p>
        Put it in <code className="rounded bg-amber-100 px-1">backend/.env</code> as{" "}
        <code className="rounded bg-amber-100 px-1">OPENAI_API_KEY=sk-…</code> and restart the backend.
      </p>
    </div>
  );
}
