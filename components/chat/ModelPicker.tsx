"use client";

import type { ModelList } from "@/lib/api";
import { findModel, type ModelChoice } from "@/lib/conversations/model-choice";

const selectClass =
  "rounded-md border border-zinc-300 bg-white px-2 py-1 text-xs text-zinc-800 focus:border-sky-600 focus:outline-none focus:ring-2 focus:ring-sky-600/30 disabled:opacity-60";

const EFFORT_WORDS: Record<string, string> = {
  none: "No reasoning",
  minimal: "Minimal",
  low: "Low",
  medium: "Medium",
  high: "High",
  xhigh: "Extra high",
};

/** The model of the next turn, and its reasoning effort when it reasons. */
export function ModelPicker({
  models,
  choice,
  disabled,
  onChange,
}: {
  models: ModelList | null;
  choice: ModelChoice | null;
  disabled: boolean;
  onChange: (choice: Partial<ModelChoice>) => void;
}) {
  if (!models || !choice) return null;
  const info = findModel(models, choice.model);
  return (
    <div className="flex flex-wrap items-center gap-2">
      <select
        aria-label="Model"
        className={selectClass}
        value={choice.model}
        disabled={disabled}
        onChange={(e) => onChange({ model: e.target.value, effort: null })}
      >
        {models.models.map((m) => (
          <option key={m.id} value={m.id}>
            {m.label || m.id}
          </option>
        ))}
      </select>
      {info?.reasoning ? (
        <select
          aria-label="Reasoning effort"
          className={selectClass}
          value={choice.effort ?? info.reasoning.default}
          disabled={disabled}
          onChange={(e) => onChange({ effort: e.target.value })}
        >
          {info.reasoning.efforts.map((effort) => (
            <option key={effort} value={effort}>
              {EFFORT_WORDS[effort] ?? effort}
            </option>
          ))}
        </select>
      ) : null}
    </div>
  );
}
