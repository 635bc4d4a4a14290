import { AccessGate } from "@/components/AccessGate";
import { AuthGate } from "@/components/AuthGate";
import { UsagePage } from "@/components/usage/UsagePage";

export default function Usage() {
  return (
    <AccessGate>
      <AuthGate>
        <UsagePage />
      </AuthGate>
    </AccessGate>
  );
}
