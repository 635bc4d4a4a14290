"""The models a turn may use, what each can do, and what it costs (docs/api.md, Models).

OPENAI_MODELS lists the allowed ids (OPENAI_MODEL, the default, is always one). Each gets its
entry from MODELS_FILE when the file names it, else from the built-in table below, else a plain
entry: no reasoning settings, no price. A turn asking for anything else is refused before any
upstream call: the server never swaps a model it was asked for.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lib.errors import BadRequest
from lib.settings import BACKEND_DIR, Settings, SettingsError
from lib.usage.repository import Usage

Effort = Literal["none", "minimal", "low", "medium", "high", "xhigh"]
SUMMARIES = ("auto", "concise", "detailed")
ENCRYPTED_REASONING = "reasoning.encrypted_content"


class Prices(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid")
    input: float = Field(ge=0)
    cached_input: float = Field(ge=0)
    output: float = Field(ge=0)


class ReasoningSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    efforts: list[Effort] = Field(min_length=1)
    default: Effort

    @model_validator(mode="after")
    def _default_is_allowed(self) -> "ReasoningSpec":
        if self.default not in self.efforts:
            raise ValueError(f"default {self.default!r} is not one of the efforts")
        return self


class ModelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=100)
    label: str | None = None
    reasoning: ReasoningSpec | None = None
    # Servers that speak the Responses API but are not OpenAI may refuse `reasoning` and
    # `include`: false sends neither for this model.
    reasoning_params: bool = True
    prices: Prices | None = None


class ModelsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    models: list[ModelEntry]


GPT_5_EFFORTS: list[Effort] = ["minimal", "low", "medium", "high"]
GPT_5_1_EFFORTS: list[Effort] = ["none", "low", "medium", "high"]
O_SERIES_EFFORTS: list[Effort] = ["low", "medium", "high"]


def _entry(
    label: str,
    prices: tuple[float, float, float],
    efforts: list[Effort] | None = None,
    default: Effort = "medium",
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "label": label,
        "prices": dict(zip(("input", "cached_input", "output"), prices, strict=True)),
    }
    if efforts is not None:
        entry["reasoning"] = {"efforts": efforts, "default": default}
    return entry


# OpenAI's list prices (USD per million input, cached input and output tokens) when this table
# was written; they change, so a deployment that bills by them should pin its own in MODELS_FILE.
BUILT_IN: dict[str, dict[str, Any]] = {
    "gpt-5.2": _entry("GPT-5.2", (1.75, 0.175, 14.0), [*GPT_5_1_EFFORTS, "xhigh"], "none"),
    "gpt-5.1": _entry("GPT-5.1", (1.25, 0.125, 10.0), GPT_5_1_EFFORTS, "none"),
    "gpt-5": _entry("GPT-5", (1.25, 0.125, 10.0), GPT_5_EFFORTS),
    "gpt-5-mini": _entry("GPT-5 mini", (0.25, 0.025, 2.0), GPT_5_EFFORTS),
    "gpt-5-nano": _entry("GPT-5 nano", (0.05, 0.005, 0.4), GPT_5_EFFORTS),
    "o3": _entry("o3", (2.0, 0.5, 8.0), O_SERIES_EFFORTS),
    "o4-mini": _entry("o4-mini", (1.1, 0.275, 4.4), O_SERIES_EFFORTS),
    "gpt-4.1": _entry("GPT-4.1", (2.0, 0.5, 8.0)),
    "gpt-4.1-mini": _entry("GPT-4.1 mini", (0.4, 0.1, 1.6)),
    "gpt-4.1-nano": _entry("GPT-4.1 nano", (0.1, 0.025, 0.4)),
    "gpt-4o": _entry("GPT-4o", (2.5, 1.25, 10.0)),
    "gpt-4o-mini": _entry("GPT-4o mini", (0.15, 0.075, 0.6)),
}


@dataclass(frozen=True)
class ModelChoice:
    """A turn's model, and the reasoning settings it asked for (checked)."""

    entry: ModelEntry
    effort: str | None
    summary: str | None

    @property
    def id(self) -> str:
        return self.entry.id

    def upstream_params(self, store: bool | None) -> dict[str, Any]:
        """What goes into the Responses call beside model and input."""
        params: dict[str, Any] = {}
        sends_reasoning = self.entry.reasoning is not None and self.entry.reasoning_params
        if sends_reasoning and (self.effort or self.summary):
            reasoning: dict[str, str] = {}
            if self.effort:
                reasoning["effort"] = self.effort
            if self.summary:
                reasoning["summary"] = self.summary
            params["reasoning"] = reasoning
        if store is False:
            params["store"] = False
            if sends_reasoning:
                # Nothing is kept upstream, so reasoning must travel with the conversation.
                params["include"] = [ENCRYPTED_REASONING]
        return params


class ModelCatalog:
    def __init__(self, entries: list[ModelEntry], default: str) -> None:
        self.entries = {entry.id: entry for entry in entries}
        self.default = default

    @classmethod
    def from_settings(cls, settings: Settings) -> "ModelCatalog":
        from_file = _read_models_file(settings.models_file) if settings.models_file else {}
        entries = []
        for model_id in settings.allowed_models:
            if model_id in from_file:
                entries.append(from_file[model_id])
            else:
                entries.append(ModelEntry(id=model_id, **BUILT_IN.get(model_id, {})))
        return cls(entries, settings.openai_model)

    def listing(self) -> dict[str, Any]:
        return {
            "default": self.default,
            "models": [
                {
                    "id": entry.id,
                    "label": entry.label or entry.id,
                    "reasoning": entry.reasoning.model_dump() if entry.reasoning else None,
                }
                for entry in self.entries.values()
            ],
        }

    def choose(self, model: str | None, reasoning: dict[str, Any] | None) -> ModelChoice:
        entry = self.entries.get(model or self.default)
        if entry is None:
            offered = ", ".join(self.entries)
            raise BadRequest(f"model: {model!r} is not offered here; choose one of {offered}.")
        if not reasoning:
            return ModelChoice(entry, None, None)
        if entry.reasoning is None:
            raise BadRequest(f"reasoning: {entry.id} takes no reasoning settings.")
        unknown = set(reasoning) - {"effort", "summary"}
        if unknown:
            raise BadRequest(f"reasoning.{sorted(unknown)[0]}: not a reasoning setting.")
        effort = reasoning.get("effort")
        if effort is not None and effort not in entry.reasoning.efforts:
            allowed = ", ".join(entry.reasoning.efforts)
            raise BadRequest(f"reasoning.effort: {entry.id} takes one of {allowed}.")
        summary = reasoning.get("summary")
        if summary is not None and summary not in SUMMARIES:
            raise BadRequest(f"reasoning.summary: one of {', '.join(SUMMARIES)}.")
        return ModelChoice(entry, effort, summary)

    def cost_usd(self, model: str, usage: Usage | None) -> float | None:
        entry = self.entries.get(model)
        if entry is None or entry.prices is None or usage is None:
            return None
        prices = entry.prices
        cached = min(usage.get("cached_tokens", 0), usage.get("input_tokens", 0))
        fresh = usage.get("input_tokens", 0) - cached
        cost = (
            fresh * prices.input
            + cached * prices.cached_input
            + usage.get("output_tokens", 0) * prices.output
        ) / 1_000_000
        return round(cost, 8)


_BAD_FILE = "Invalid setting MODELS_FILE"


def _read_models_file(path: Path) -> dict[str, ModelEntry]:
    path = path if path.is_absolute() else BACKEND_DIR / path
    try:
        text = path.read_text()
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        parsed = ModelsFile.model_validate(data)
    except OSError as exc:
        raise SettingsError(
            f"Invalid setting MODELS_FILE: cannot read {path} ({exc.strerror})"
        ) from None
    except (ValueError, yaml.YAMLError) as exc:
        if isinstance(exc, ValidationError):
            error = exc.errors()[0]
            where = ".".join(str(part) for part in error["loc"])
            raise SettingsError(f"Invalid setting MODELS_FILE: {where}: {error['msg']}") from None
        raise SettingsError(
            f"Invalid setting MODELS_FILE: {path} is not valid YAML or JSON"
        ) from None
    return {entry.id: entry for entry in parsed.models}
