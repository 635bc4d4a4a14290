import type { Conversation, StoredMessage } from "@/lib/api";

let clock = 0;

/** A stored message as GET /api/conversations/{id} shows it. */
export function message(
  id: string,
  role: "user" | "assistant",
  text: string,
  parentId: string | null,
  extra: Partial<StoredMessage> = {},
): StoredMessage {
  clock += 1;
  return {
    id,
    parent_id: parentId,
    role,
    status: "completed",
    items:
      role === "user"
        ? [{ role: "user", content: text }]
        : [{ id: `item_${id}`, type: "message", role: "assistant", content: [{ type: "output_text", text, annotations: [] }] }],
    text,
    model: role === "assistant" ? "gpt-5.2" : null,
    usage: null,
    cost_usd: null,
    created_at: new Date(Date.UTC(2026, 11, 2, 10, 0, clock)).toISOString(),
    sibling_ids: [id],
    ...extra,
  };
}

export function conversation(id: string, messages: StoredMessage[], extra: Partial<Conversation> = {}): Conversation {
  return {
    id,
    title: "A conversation",
    created_at: "2026-12-02T10:00:00Z",
    updated_at: "2026-12-02T10:00:00Z",
    usage: null,
    cost_usd: null,
    messages,
    ...extra,
  };
}
