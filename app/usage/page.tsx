import { AccessGate } from "@/components/AccessGate";
import { UsagePage } from "@/components/usage/UsagePage";

export default function Usage() {
  return (
    <AccessGate>
      <UsagePage />
    </AccessGate>
  );
}
