import { AccessGate } from "@/components/AccessGate";
import { ChatApp } from "@/components/ChatApp";

export default function Home() {
  return (
    <AccessGate>
      <ChatApp />
    </AccessGate>
  );
}
