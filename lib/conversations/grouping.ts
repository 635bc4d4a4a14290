/** The sidebar's groups of conversations by the day they were last updated, in local time. */
import type { ConversationSummary } from "../api";

export type DayGroup = "Today" | "Yesterday" | "Previous 7 days" | "Older";

const ORDER: DayGroup[] = ["Today", "Yesterday", "Previous 7 days", "Older"];

function startOfDay(moment: Date): number {
  return new Date(moment.getFullYear(), moment.getMonth(), moment.getDate()).getTime();
}

/** Whole local calendar days between the two moments (0: the same day). */
function daysBetween(earlier: Date, later: Date): number {
  // Rounded: a day with a daylight-saving change is 23 or 25 hours long.
  return Math.round((startOfDay(later) - startOfDay(earlier)) / 86_400_000);
}

export function dayGroup(updatedAt: string, now: Date): DayGroup {
  const moment = new Date(updatedAt);
  if (Number.isNaN(moment.getTime())) return "Older";
  const days = daysBetween(moment, now);
  if (days <= 0) return "Today";
  if (days === 1) return "Yesterday";
  if (days <= 7) return "Previous 7 days";
  return "Older";
}

export interface Group<T> {
  label: DayGroup;
  items: T[];
}

/** Groups in the order Today, Yesterday, Previous 7 days, Older; each keeps the list's order. */
export function groupByDay<T extends Pick<ConversationSummary, "updated_at">>(items: T[], now: Date): Group<T>[] {
  const groups = new Map<DayGroup, T[]>();
  for (const item of items) {
    const label = dayGroup(item.updated_at, now);
    const list = groups.get(label);
    if (list) list.push(item);
    else groups.set(label, [item]);
  }
  return ORDER.flatMap((label) => {
    const list = groups.get(label);
    return list ? [{ label, items: list }] : [];
  });
}
