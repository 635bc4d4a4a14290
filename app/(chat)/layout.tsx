import type { ReactNode } from "react";

import { AccessGate } from "@/components/AccessGate";
import { AuthGate } from "@/components/AuthGate";
import { ChatApp } from "@/components/ChatApp";

/**
 * The chat stays mounted while the URL moves between `/` (a new chat) and `/c/<id>`: an answer
 * streaming in one conversation goes on while another is open.
 */
export default function ChatLayout({ children }: { children: ReactNode }) {
  return (
    <AccessGate>
      <AuthGate>
        <ChatApp />
        {children}
      </AuthGate>
    </AccessGate>
  );
}
