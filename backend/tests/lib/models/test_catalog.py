"""The model catalog: what is offered, what reasoning each takes, and what it costs."""

import json
from pathlib import Path

import pytest

from lib.errors import BadRequest
from lib.models.catalog import ModelCatalog
from lib.settings import Settings, SettingsError


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type,call-arg]


def test_without_a_list_only_the_default_model_is_offered() -> None:
    catalog = ModelCatalog.from_settings(settings(openai_model="gpt-5"))
    listing = catalog.listing()
    assert listing["default"] == "gpt-5"
    assert listing["models"] == [
        {
            "id": "gpt-5",
            "label": "GPT-5",
            "reasoning": {"efforts": ["minimal", "low", "medium", "high"], "default": "medium"},
        }
    ]


def test_the_allowed_list_keeps_the_default_first_and_unknown_ids_get_a_plain_entry() -> None:
    catalog = ModelCatalog.from_settings(
        settings(openai_model="gpt-5-mini", openai_models="gpt-4.1, gpt-5-mini, my-local-model")
    )
    models = catalog.listing()["models"]
    assert [m["id"] for m in models] == ["gpt-5-mini", "gpt-4.1", "my-local-model"]
    assert models[1]["reasoning"] is None
    assert models[2] == {"id": "my-local-model", "label": "my-local-model", "reasoning": None}
    assert catalog.cost_usd("my-local-model", {"input_tokens": 5, "total_tokens": 5}) is None


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_models_file_gives_labels_efforts_prices_and_switches(
    tmp_path: Path, suffix: str
) -> None:
    entry = {
        "id": "local-reasoner",
        "label": "Local reasoner",
        "reasoning": {"efforts": ["low", "high"], "default": "low"},
        "reasoning_params": False,
        "prices": {"input": 1.0, "cached_input": 0.5, "output": 2.0},
    }
    path = tmp_path / f"models{suffix}"
    path.write_text(json.dumps({"models": [entry]}))  # JSON is YAML too
    catalog = ModelCatalog.from_settings(
        settings(openai_model="local-reasoner", models_file=str(path))
    )
    assert catalog.listing()["models"][0]["label"] == "Local reasoner"
    choice = catalog.choose(None, {"effort": "high"})
    # The server behind is not OpenAI: neither reasoning nor include is sent.
    assert choice.upstream_params(store=False) == {"store": False}
    usage = {"input_tokens": 1_000_000, "cached_tokens": 400_000, "output_tokens": 500_000}
    assert catalog.cost_usd("local-reasoner", usage) == pytest.approx(0.6 + 0.2 + 1.0)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("models: [{id: x, reasoning: {efforts: [low], default: high}}]", "default"),
        ("models: [{id: x, prices: {input: -1, cached_input: 0, output: 0}}]", "prices.input"),
        ("models: [{id: x, colour: blue}]", "colour"),
        ("models: [unclosed", "not valid YAML or JSON"),
    ],
)
def test_a_bad_models_file_stops_start_up_with_one_line(
    tmp_path: Path, content: str, says: str
) -> None:
    path = tmp_path / "models.yaml"
    path.write_text(content)
    with pytest.raises(SettingsError) as raised:
        ModelCatalog.from_settings(settings(models_file=str(path)))
    message = str(raised.value)
    assert message.startswith("Invalid setting MODELS_FILE") and "\n" not in message
    assert says in message


def test_a_missing_models_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read"):
        ModelCatalog.from_settings(settings(models_file=str(tmp_path / "nope.yaml")))


@pytest.mark.parametrize(
    ("model", "reasoning", "field"),
    [
        ("gpt-imaginary", None, "model"),
        ("gpt-4.1", {"effort": "low"}, "reasoning"),
        ("gpt-5", {"effort": "xhigh"}, "reasoning.effort"),
        ("gpt-5", {"summary": "verbose"}, "reasoning.summary"),
        ("gpt-5", {"budget": 3}, "reasoning.budget"),
    ],
)
def test_a_choice_the_server_does_not_offer_is_a_400_naming_the_field(
    model: str, reasoning: dict[str, object] | None, field: str
) -> None:
    catalog = ModelCatalog.from_settings(
        settings(openai_model="gpt-5", openai_models="gpt-5,gpt-4.1")
    )
    with pytest.raises(BadRequest) as raised:
        catalog.choose(model, reasoning)
    assert raised.value.message.startswith(f"{field}:")


def test_reasoning_and_store_go_upstream_as_the_responses_api_names_them() -> None:
    catalog = ModelCatalog.from_settings(settings(openai_model="gpt-5"))
    choice = catalog.choose("gpt-5", {"effort": "high", "summary": "auto"})
    assert choice.upstream_params(store=None) == {
        "reasoning": {"effort": "high", "summary": "auto"}
    }
    assert choice.upstream_params(store=False) == {
        "reasoning": {"effort": "high", "summary": "auto"},
        "store": False,
        "include": ["reasoning.encrypted_content"],
    }
    assert catalog.choose(None, None).upstream_params(store=None) == {}


def test_cost_counts_cached_input_at_its_own_price() -> None:
    catalog = ModelCatalog.from_settings(settings(openai_model="gpt-4.1"))
    usage = {"input_tokens": 2_000, "cached_tokens": 1_000, "output_tokens": 1_000}
    # 1,000 fresh at $2, 1,000 cached at $0.50, 1,000 out at $8, per million.
    assert catalog.cost_usd("gpt-4.1", usage) == pytest.approx(0.0105)


def test_the_example_models_file_is_valid() -> None:
    example = Path(__file__).resolve().parents[3] / "models.example.yaml"
    catalog = ModelCatalog.from_settings(
        settings(
            openai_model="gpt-5-mini", openai_models="my-local-model", models_file=str(example)
        )
    )
    assert [m["label"] for m in catalog.listing()["models"]] == ["GPT-5 mini", "Local model"]
