/** The model and reasoning effort a turn asks for (docs/api.md, Models), chosen per conversation. */
import type { ModelInfo, ModelList, StoredMessage, TurnRequest } from "../api";

export interface ModelChoice {
  model: string;
  /** Only for models that reason. */
  effort: string | null;
}

export function findModel(models: ModelList | null, id: string | null | undefined): ModelInfo | undefined {
  return id ? models?.models.find((m) => m.id === id) : undefined;
}

/** A choice that fits what the server offers now: an unknown model or effort falls back to its default. */
export function fitChoice(models: ModelList, wanted: Partial<ModelChoice> | null | undefined): ModelChoice {
  const info = findModel(models, wanted?.model) ?? findModel(models, models.default) ?? models.models[0];
  if (!info) return { model: models.default, effort: null };
  const reasoning = info.reasoning;
  if (!reasoning) return { model: info.id, effort: null };
  const effort = wanted?.effort && reasoning.efforts.includes(wanted.effort) ? wanted.effort : reasoning.default;
  return { model: info.id, effort };
}

/**
 * The conversation's choice: the one made for it in this browser, else the model of its last
 * answer, else the server's default.
 */
export function choiceFor(
  models: ModelList,
  remembered: Partial<ModelChoice> | undefined,
  path: StoredMessage[] = [],
): ModelChoice {
  if (remembered?.model) return fitChoice(models, remembered);
  const lastModel = [...path].reverse().find((m) => m.role === "assistant" && m.model)?.model;
  return fitChoice(models, lastModel ? { model: lastModel } : null);
}

/** What a turn's body says about the model; summaries are asked for whenever the model reasons. */
export function turnModelFields(models: ModelList | null, choice: ModelChoice | null): Pick<TurnRequest, "model" | "reasoning"> {
  if (!models || !choice) return {};
  const info = findModel(models, choice.model);
  if (!info) return {};
  if (!info.reasoning || !choice.effort) return { model: info.id };
  return {
    model: info.id,
    reasoning: choice.effort === "none" ? { effort: "none" } : { effort: choice.effort, summary: "auto" },
  };
}
