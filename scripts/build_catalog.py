"""Build ``src/strategy_advisor/data/catalog.json`` from the sourced reference data.

Every price in the catalog is read from ``shared/reference/pricing.json`` (see
``shared/reference/PRICING.md`` for what each entry means, its caveats and the places
where sources disagree). This script holds no prices. What it does hold are the
hand-curated facts pricing.json does not state in machine-readable form: canonical
names and aliases, model kind, parameter counts read from model names, tokenizer
encodings, provider caching rules of thumb and the mapping of fine-tuning offers to
models. Each table below says where its facts come from.

Usage::

    python scripts/build_catalog.py                 # (re)write the catalog
    python scripts/build_catalog.py --check         # verify the file on disk, write nothing
    python scripts/build_catalog.py --pricing PATH --out PATH
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_PRICING = Path(__file__).resolve().parents[2] / "shared/reference/pricing.json"
DEFAULT_OUT = REPO / "src/strategy_advisor/data/catalog.json"
PRICING_LABEL = "shared/reference/pricing.json"

# --------------------------------------------------------------------------------------
# Table 1. Models: pricing.json ``model`` -> canonical catalog name, parameters, aliases.
#
# Source: canonical names are the vendor's API id, lower-case, as spelled in the
# pricing.json ``model`` / ``litellm_key`` fields; open models on a host are prefixed
# with the host ("together/", "fireworks/"). Extra aliases are the host's own API id
# (the litellm key without litellm's provider prefix). The litellm key and the
# pricing.json ``model`` spelling are added as aliases automatically when they differ
# from the canonical name.
# params_b: only the size the model *name* states (8B, 70B, ...); None otherwise.
# --------------------------------------------------------------------------------------
MODEL_TABLE: dict[str, tuple[str, float | None, tuple[str, ...]]] = {
    # OpenAI
    "gpt-4o": ("gpt-4o", None, ()),
    "gpt-4o-mini": ("gpt-4o-mini", None, ()),
    "gpt-4.1": ("gpt-4.1", None, ()),
    "gpt-4.1-mini": ("gpt-4.1-mini", None, ()),
    "gpt-4.1-nano": ("gpt-4.1-nano", None, ()),
    "o3": ("o3", None, ()),
    "o4-mini": ("o4-mini", None, ()),
    "gpt-5": ("gpt-5", None, ()),
    "gpt-5-mini": ("gpt-5-mini", None, ()),
    "gpt-5-nano": ("gpt-5-nano", None, ()),
    "gpt-5.4": ("gpt-5.4", None, ()),
    "gpt-5.4-mini": ("gpt-5.4-mini", None, ()),
    "gpt-5.4-nano": ("gpt-5.4-nano", None, ()),
    # Anthropic
    "claude-haiku-4-5": ("claude-haiku-4-5", None, ()),
    "claude-sonnet-4-5": ("claude-sonnet-4-5", None, ()),
    "claude-sonnet-4-6": ("claude-sonnet-4-6", None, ()),
    "claude-opus-4-5": ("claude-opus-4-5", None, ()),
    "claude-opus-4-6": ("claude-opus-4-6", None, ()),
    "claude-opus-5": ("claude-opus-5", None, ()),
    "claude-opus-5-5": ("claude-opus-5-5", None, ()),
    "claude-sonnet-5-5": ("claude-sonnet-5-5", None, ()),
    "claude-haiku-5-5": ("claude-haiku-5-5", None, ()),
    # Google (Gemini API)
    "gemini-2.5-pro": ("gemini-2.5-pro", None, ()),
    "gemini-2.5-flash": ("gemini-2.5-flash", None, ()),
    "gemini-2.5-flash-lite": ("gemini-2.5-flash-lite", None, ()),
    "gemini-3.5-flash": ("gemini-3.5-flash", None, ()),
    "gemini-3.8-flash": ("gemini-3.8-flash", None, ()),
    # Mistral (La Plateforme)
    "mistral-large-latest (Large 3)": ("mistral-large-latest", None, ()),
    "mistral-small-latest (Small 4)": ("mistral-small-latest", None, ()),
    "ministral-8b-latest": ("ministral-8b-latest", 8.0, ()),
    # Together AI (open-weights models, serverless)
    "Llama-3.1-8B-Instruct-Turbo": (
        "together/llama-3.1-8b-instruct-turbo",
        8.0,
        ("meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo",),
    ),
    "Llama-3.3-70B-Instruct-Turbo": (
        "together/llama-3.3-70b-instruct-turbo",
        70.0,
        ("meta-llama/Llama-3.3-70B-Instruct-Turbo",),
    ),
    "Llama-3.1-70B-Instruct-Turbo": (
        "together/llama-3.1-70b-instruct-turbo",
        70.0,
        ("meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo",),
    ),
    "Qwen2.5-7B-Instruct-Turbo": (
        "together/qwen2.5-7b-instruct-turbo",
        7.0,
        ("Qwen/Qwen2.5-7B-Instruct-Turbo",),
    ),
    "Qwen2.5-72B-Instruct-Turbo": (
        "together/qwen2.5-72b-instruct-turbo",
        72.0,
        ("Qwen/Qwen2.5-72B-Instruct-Turbo",),
    ),
    "Mistral-7B-Instruct-v0.3": (
        "together/mistral-7b-instruct-v0.3",
        7.0,
        ("mistralai/Mistral-7B-Instruct-v0.3",),
    ),
    # Fireworks AI (open-weights models, serverless)
    "llama-v3p1-8b-instruct": (
        "fireworks/llama-v3p1-8b-instruct",
        8.0,
        ("accounts/fireworks/models/llama-v3p1-8b-instruct",),
    ),
    "llama-v3p3-70b-instruct": (
        "fireworks/llama-v3p3-70b-instruct",
        70.0,
        ("accounts/fireworks/models/llama-v3p3-70b-instruct",),
    ),
    "qwen2p5-72b-instruct": (
        "fireworks/qwen2p5-72b-instruct",
        72.0,
        ("accounts/fireworks/models/qwen2p5-72b-instruct",),
    ),
    "qwen3-8b": ("fireworks/qwen3-8b", 8.0, ("accounts/fireworks/models/qwen3-8b",)),
    "mistral-7b-instruct-v3": (
        "fireworks/mistral-7b-instruct-v3",
        7.0,
        ("accounts/fireworks/models/mistral-7b-instruct-v3",),
    ),
}

# --------------------------------------------------------------------------------------
# Table 2. Provider rules: kind, tokenizer, default minimum cacheable prefix.
#
# kind: OpenAI / Anthropic / Google serve undisclosed-size models (frontier_api); the
#   Together / Fireworks models are published open-weights checkpoints (Llama, Qwen,
#   Mistral 7B). The reference data does not say whether Mistral's API models are open
#   weights, so they are "unknown".
# encoding: tiktoken 0.14.0 ``encoding_name_for_model`` maps every OpenAI model listed
#   (gpt-4o, gpt-4.1, o3, o4-mini, gpt-5, gpt-5.4 families) to o200k_base. Other vendors'
#   tokenizers are not in tiktoken; o200k_base is the closest available approximation,
#   with an ASSUMED relative error band of 25%.
# min_cacheable: used only where the model has a cached-input price and pricing.json
#   gives no per-model ``prompt_cache_min_tokens``. Sources: pricing.json rules_of_thumb
#   "caching" (OpenAI cookbook Prompt_Caching_201: exact prefix >= 1024 tokens, models
#   before GPT-5.6; Gemini caching doc, newer version 2026-07-07: 2.5 Flash/Pro 2048,
#   3.x Flash 4096; Mistral: no minimum stated).
# --------------------------------------------------------------------------------------
O200K = "o200k_base"
OTHER_VENDOR_ERROR_BAND = 0.25  # assumption, see ENCODING_NOTE
ENCODING_NOTE = (
    "Token counts use tiktoken o200k_base as an approximation: this vendor's tokenizer "
    "differs, and the 25% relative error band is an assumption, not a measurement."
)
PROVIDER_RULES: dict[str, dict[str, Any]] = {
    "OpenAI": {"kind": "frontier_api", "error_band": 0.0, "min_cacheable": 1024},
    "Anthropic": {"kind": "frontier_api", "error_band": OTHER_VENDOR_ERROR_BAND},
    "Google": {
        "kind": "frontier_api",
        "error_band": OTHER_VENDOR_ERROR_BAND,
        "min_cacheable": 2048,
    },
    "Mistral": {"kind": "unknown", "error_band": OTHER_VENDOR_ERROR_BAND},
    "Together AI": {"kind": "open_weights", "error_band": OTHER_VENDOR_ERROR_BAND},
    "Fireworks AI": {"kind": "open_weights", "error_band": OTHER_VENDOR_ERROR_BAND},
}

# --------------------------------------------------------------------------------------
# Table 3. Minimum training examples (FineTuningOffer.min_examples).
# OpenAI 10: pricing.json rules_of_thumb data_size ("minimum 10 examples", OpenAI SFT
#   guide). Vertex 100: rules_of_thumb data_size ("For best results, provide at least
#   100 to 500 examples") - a recommendation, used as the minimum.
# --------------------------------------------------------------------------------------
OPENAI_MIN_EXAMPLES = 10
VERTEX_MIN_EXAMPLES = 100

# --------------------------------------------------------------------------------------
# Table 4. Fine-tuning offers: canonical model name -> (offer, size bracket).
#
# Source: pricing.json fine_tuning_offers. OpenAI offers name their base model. Together
# and Fireworks price "open models by size bracket" without listing the tunable models;
# every open model they serve here is mapped to the bracket its name's size falls in.
# The Vertex offer names gemini-2.5-pro/flash/flash-lite "and newer 3.x Flash". Mistral's
# offer names no models ("Mistral fine-tunable models"), so no Mistral model gets one;
# Anthropic has no offer in the reference data.
# --------------------------------------------------------------------------------------
OPENAI_FT = ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o4-mini")
VERTEX_FT = (
    "gemini-2.5-pro",
    "gemini-2.5-flash",
    "gemini-2.5-flash-lite",
    "gemini-3.5-flash",
    "gemini-3.8-flash",
)
# Together brackets (pricing.json keys): up_to_16B, 17B_69B, 70B_100B.
# Fireworks brackets (lora_sft keys): up_to_16B, 16.1B_80B, 80B_300B, over_300B.
TOGETHER_BRACKETS = ((16.0, "up_to_16B"), (69.0, "17B_69B"), (100.0, "70B_100B"))
FIREWORKS_BRACKETS = ((16.0, "up_to_16B"), (80.0, "16.1B_80B"), (300.0, "80B_300B"))
# Hosting of a tuned open model: Together dedicated endpoint, cheapest listed GPU
# (1x H100, low end of "dedicated_endpoint_1xH100_to_1xB200" in gpu_hourly); Fireworks
# on-demand H100 deployment (offer ``on_demand_gpu_per_hour``). One GPU is assumed.
FIREWORKS_GPU = "H100 80GB"

OPENAI_WINDDOWN_NOTE = (
    "OpenAI fine-tuning is being wound down (no new users; existing users can create "
    "jobs 'for the coming months'; third-party tunekeep says new jobs stop 2027-01-06); "
    "tuned models stay usable until the base model's shutdown."
)


# --------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------
def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _first_segment(text: str) -> str:
    return text.split(";")[0].strip()


def _parenthetical(text: str) -> str:
    match = re.search(r"\(([^()]*)\)", text)
    return match.group(1) if match else text


def _as_of(pricing: dict[str, Any], source_date: str) -> str:
    return f"{pricing['as_of'][:7]} ({_first_segment(source_date)})"


def _offer(pricing: dict[str, Any], provider: str, base: str | None = None) -> dict[str, Any]:
    for offer in pricing["fine_tuning_offers"]:
        if offer["provider"] == provider and (base is None or offer["base_model"] == base):
            return dict(offer)
    raise KeyError(f"no fine_tuning_offers entry for {provider} {base or ''}")


def _gpu_row(pricing: dict[str, Any], provider: str) -> dict[str, Any]:
    for row in pricing["gpu_hourly"]:
        if row["provider"] == provider:
            return dict(row)
    raise KeyError(f"no gpu_hourly entry for {provider}")


def _bracket(params_b: float, brackets: tuple[tuple[float, str], ...]) -> str:
    for upper, key in brackets:
        if params_b <= upper:
            return key
    raise ValueError(f"no size bracket for {params_b}B")


def _rule(pricing: dict[str, Any], category: str, needle: str) -> dict[str, Any]:
    for rule in pricing["rules_of_thumb"]:
        if rule["category"] == category and needle in rule["statement"]:
            return dict(rule)
    raise KeyError(f"no rules_of_thumb {category} entry mentioning {needle!r}")


def _ft_offer_openai(pricing: dict[str, Any], name: str) -> tuple[dict[str, Any], list[str]]:
    offer = _offer(pricing, "OpenAI", name)
    ft = offer["ft_inference_per_1m"]
    data_rule = _rule(pricing, "data_size", "OpenAI")
    notes = [OPENAI_WINDDOWN_NOTE]
    rft = "RFT" in offer["method"]
    if rft:
        notes.append(
            f"Fine-tuning is reinforcement fine-tuning, billed by time "
            f"(${offer['training_price_per_hour']:g} per hour of training), not per token: "
            "training_usd_per_mtok is null, so training cost is unpriced. "
            "min_examples is null: the 10-example minimum is stated for SFT only."
        )
    elif offer["training_price_per_1m_tokens"] is None:
        notes.append("Training price per token not found in the reference data (null).")
    # Offer notes are kept only where they record a disagreement about a catalog number
    # (gpt-4o-mini's training price); the others concern batch prices the catalog omits.
    if offer.get("notes") and not rft and "disagree" in offer["notes"]:
        notes.append(f"Fine-tuning: {offer['notes']}")
    source = (
        f"{PRICING_LABEL} fine_tuning_offers[OpenAI {name}]: {offer['source']} "
        f"({offer['source_date']}); zero hosting fee: hosting_fee_per_hour 0 (OpenAI charges "
        f"no hosting fee for tuned models)"
    )
    if not rft:
        source += f"; min_examples: {data_rule['source']}"
    return (
        {
            "training_usd_per_mtok": offer["training_price_per_1m_tokens"],
            "input_usd_per_mtok": ft["input"],
            "cached_input_usd_per_mtok": ft["cached_input"],
            "output_usd_per_mtok": ft["output"],
            "hosting_usd_per_hour": float(offer["hosting_fee_per_hour"]),
            "min_examples": None if rft else OPENAI_MIN_EXAMPLES,
            "method": "unknown",
            "source": source,
        },
        notes,
    )


def _ft_offer_fireworks(
    pricing: dict[str, Any], entry: dict[str, Any], params_b: float
) -> tuple[dict[str, Any], list[str]]:
    offer = _offer(pricing, "Fireworks AI")
    bracket = _bracket(params_b, FIREWORKS_BRACKETS)
    training = offer["training_price_per_1m_tokens"]["lora_sft"][bracket]
    hosting = offer["on_demand_gpu_per_hour"][FIREWORKS_GPU]
    notes = [
        f"Fine-tuning: LoRA SFT at the {bracket} price. Tuned-model serving: sources "
        "conflict (older Fireworks page: LoRA served serverless at the base model's "
        "per-token rate; newer FAQ: 'Fine-tuned (LoRA) models require a dedicated "
        "deployment', billed per GPU-second plus per-token usage). The newer FAQ is "
        f"used: hosting ${hosting:g}/h (on-demand {FIREWORKS_GPU}, one GPU assumed) plus "
        "the base model's per-token prices (the per-token rate on a dedicated deployment "
        "is not stated; up to 100 LoRAs can share one deployment)."
    ]
    if params_b > 16:
        notes.append(
            f"A {params_b:g}B model may need more than one {FIREWORKS_GPU} GPU; "
            "the GPU count is not stated, so the hosting fee may be understated."
        )
    return (
        {
            "training_usd_per_mtok": training,
            "input_usd_per_mtok": entry["input_per_1m"],
            "cached_input_usd_per_mtok": entry.get("cached_input_per_1m"),
            "output_usd_per_mtok": entry["output_per_1m"],
            "hosting_usd_per_hour": float(hosting),
            "min_examples": None,
            "method": "lora",
            "source": (
                f"{PRICING_LABEL} fine_tuning_offers[Fireworks AI]: {offer['source']} "
                f"({offer['source_date']}); training lora_sft.{bracket}; hosting "
                f"on_demand_gpu_per_hour[{FIREWORKS_GPU}]; tuned per-token prices = base "
                f"model's ({entry['source']})"
            ),
        },
        notes,
    )


def _ft_offer_together(
    pricing: dict[str, Any], params_b: float
) -> tuple[dict[str, Any], list[str]]:
    offer = _offer(pricing, "Together AI")
    bracket = _bracket(params_b, TOGETHER_BRACKETS)
    low, high = offer["training_price_per_1m_tokens"][bracket]
    gpu = _gpu_row(pricing, "Together AI dedicated endpoints / GPU clusters")
    hosting = gpu["price_per_gpu_hour"]["dedicated_endpoint_1xH100_to_1xB200"][0]
    notes = [
        f"Fine-tuning: the {bracket} training price is a range ${low:g}-{high:g}/1M that "
        "'spans LoRA..Full and SFT..DPO' (no per-combination breakdown); the low end is "
        "taken as LoRA SFT, which the source does not state explicitly. The tuned model is "
        f"served on a dedicated endpoint billed per minute even when idle: ${hosting:g}/h "
        "is the cheapest listed (1x H100). No source gives a per-token price for a tuned "
        "model on a dedicated endpoint, so the tuned per-token prices are null (unpriced)."
    ]
    return (
        {
            "training_usd_per_mtok": low,
            "input_usd_per_mtok": None,
            "cached_input_usd_per_mtok": None,
            "output_usd_per_mtok": None,
            "hosting_usd_per_hour": float(hosting),
            "min_examples": None,
            "method": "lora",
            "source": (
                f"{PRICING_LABEL} fine_tuning_offers[Together AI]: {offer['source']} "
                f"({offer['source_date']}); training {bracket} low end; hosting gpu_hourly"
                f"[{gpu['provider']}] dedicated_endpoint_1xH100_to_1xB200 low end: "
                f"{gpu['source']} ({gpu['source_date']})"
            ),
        },
        notes,
    )


def _ft_offer_vertex(pricing: dict[str, Any], name: str) -> tuple[dict[str, Any], list[str]]:
    offer = _offer(pricing, "Google Vertex AI")
    data_rule = _rule(pricing, "data_size", "Vertex")
    notes = [
        "Fine-tuning: supervised (adapter) tuning on Vertex AI, not the Gemini API whose "
        "prices are listed here; Vertex training and tuned-model prices were not found "
        "(null, unpriced). min_examples 100 is Vertex's recommendation ('at least 100 to "
        "500 examples'). Hosting fee 0: older Vertex doc says an idle tuned Gemini model "
        "'won't incur any inference costs'."
    ]
    if name.startswith("gemini-3"):
        notes.append(
            "Tunability of 3.x Flash rests on pricing.json's 'newer 3.x Flash per tuning "
            "API reference'; the model id is not named there."
        )
    return (
        {
            "training_usd_per_mtok": None,
            "input_usd_per_mtok": None,
            "cached_input_usd_per_mtok": None,
            "output_usd_per_mtok": None,
            "hosting_usd_per_hour": 0.0,
            "min_examples": VERTEX_MIN_EXAMPLES,
            "method": "other_peft",
            "source": (
                f"{PRICING_LABEL} fine_tuning_offers[Google Vertex AI]: {offer['source']} "
                f"({offer['source_date']}); zero hosting fee: idle tuned Gemini model "
                f"'won't incur any inference costs' (older Vertex doc); min_examples: "
                f"{data_rule['source']}"
            ),
        },
        notes,
    )


def _min_cacheable(
    pricing: dict[str, Any], entry: dict[str, Any], name: str
) -> tuple[int | None, list[str]]:
    if entry.get("cached_input_per_1m") is None:
        return None, []
    provider = entry["provider"]
    per_entry = entry.get("prompt_cache_min_tokens")
    notes: list[str] = []
    if provider == "Anthropic" and name == "claude-sonnet-4-6":
        notes.append(
            "Minimum cacheable prefix: 1024 per Anthropic docs (quoted in "
            "anthropic-sdk-python#1194) and litellm; orq.ai lists 2048 and the issue "
            "reports caching only at >=2048 in practice."
        )
    if per_entry is not None:
        if provider == "Google":
            notes.append(
                "Gemini minimum cacheable prefix differs across doc versions (older: 2.5 "
                "Flash 1024, 2.5 Pro 4096; newer: 2.5 Flash/Pro 2048, 3.x Flash 4096); "
                "litellm's per-model value is used."
            )
        return int(per_entry), notes
    rule_value = PROVIDER_RULES[provider].get("min_cacheable")
    if provider == "Google":
        notes.append(
            "Minimum cacheable prefix 2048 from the newer Gemini caching doc (2026-07-07); "
            "the older version (2026-05-07) says 2.5 Flash 1024"
            + ("" if name == "gemini-2.5-flash" else "; Flash-Lite is not named in either")
            + "."
        )
    elif provider == "Mistral":
        notes.append(
            "Cached input billed at 10% of input, but no minimum cacheable prefix is stated "
            "(null) and a cache hit is not guaranteed (Mistral prompt-caching doc)."
        )
    return rule_value, notes


def _model_notes(pricing: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    notes: list[str] = []
    if entry.get("notes"):
        notes.append(entry["notes"])
    for check in entry.get("cross_checks", []):
        # pricing.json's own note already describes the disagreement where there is one.
        if not check.get("agrees_with_litellm", True) and not entry.get("notes"):
            values = ", ".join(f"{k} {v}" for k, v in check["values"].items())
            notes.append(
                f"Disagreement: {check['source']} ({check['source_date']}) gives {values}; "
                "the litellm price is used."
            )
    tiers = entry.get("long_context_tiers_per_1m")
    if tiers:
        parts = ", ".join(
            f"{k.replace('_cost_per_token', '').replace('_input_token_cost', '')} ${v:g}"
            for k, v in tiers.items()
        )
        notes.append(f"Long-context surcharge not modelled (catalog lists the base tier): {parts}.")
    shutdown = entry.get("deprecation_date")
    if shutdown and shutdown[:7] < pricing["as_of"][:7]:
        notes.append(
            f"Shutdown date {shutdown} is before the catalog's as_of ({pricing['as_of'][:7]}): "
            "the model is probably no longer served."
        )
    if entry["provider"] in ("Together AI", "Fireworks AI"):
        extra = (
            " (a low-authority secondary says Fireworks bills cached input at 50%)"
            if entry["provider"] == "Fireworks AI"
            else ""
        )
        notes.append(
            f"No cached-input price in the reference data: prompt caching not priced{extra}."
        )
    return notes


def build(pricing: dict[str, Any]) -> dict[str, Any]:
    """Return the catalog document built from parsed pricing.json."""
    models: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in pricing["api_models"]:
        if entry["model"] not in MODEL_TABLE:
            raise KeyError(f"pricing.json model {entry['model']!r} missing from MODEL_TABLE")
        seen.add(entry["model"])
        name, params_b, extra_aliases = MODEL_TABLE[entry["model"]]
        provider = entry["provider"]
        rules = PROVIDER_RULES[provider]

        aliases: list[str] = []
        for alias in (entry["litellm_key"], *extra_aliases, entry["model"]):
            if alias.lower() != name.lower() and alias.lower() not in {a.lower() for a in aliases}:
                aliases.append(alias)

        notes = _model_notes(pricing, entry)
        min_cacheable, cache_notes = _min_cacheable(pricing, entry, name)
        notes += cache_notes
        if rules["error_band"] > 0:
            notes.append(ENCODING_NOTE)

        fine_tuning: dict[str, Any] | None = None
        ft_notes: list[str] = []
        if name in OPENAI_FT:
            fine_tuning, ft_notes = _ft_offer_openai(pricing, name)
        elif name in VERTEX_FT:
            fine_tuning, ft_notes = _ft_offer_vertex(pricing, name)
        elif provider == "Fireworks AI":
            assert params_b is not None
            fine_tuning, ft_notes = _ft_offer_fireworks(pricing, entry, params_b)
        elif provider == "Together AI":
            assert params_b is not None
            fine_tuning, ft_notes = _ft_offer_together(pricing, params_b)
        elif provider == "Mistral":
            ft_notes = [
                "Mistral offers fine-tuning ($4 minimum per job, $2/month storage per model) "
                "but the reference data neither names the fine-tunable models nor gives a "
                "per-token price, so fine_tuning is null."
            ]
        elif provider == "Anthropic":
            ft_notes = ["No fine-tuning offer in the reference data."]
        notes += ft_notes

        source = entry["source"]
        if entry.get("upstream_source_in_litellm"):
            source += f" (upstream: {entry['upstream_source_in_litellm']})"
        models.append(
            {
                "name": name,
                "aliases": aliases,
                "provider": provider,
                "kind": rules["kind"],
                "params_b": params_b,
                "context_window": entry.get("context_window_tokens"),
                "input_usd_per_mtok": entry.get("input_per_1m"),
                "cached_input_usd_per_mtok": entry.get("cached_input_per_1m"),
                "output_usd_per_mtok": entry.get("output_per_1m"),
                "min_cacheable_tokens": min_cacheable,
                "prefill_tokens_per_s": None,
                "decode_tokens_per_s": None,
                "shutdown_date": entry.get("deprecation_date"),
                "encoding": O200K,
                "encoding_error_band": rules["error_band"],
                "fine_tuning": fine_tuning,
                "source": source,
                "as_of": _as_of(pricing, entry["source_date"]),
                "notes": " ".join(notes) or None,
            }
        )
    unused = set(MODEL_TABLE) - seen
    if unused:
        raise KeyError(f"MODEL_TABLE rows with no pricing.json entry: {sorted(unused)}")
    models.sort(key=lambda m: (m["provider"].lower(), m["name"]))

    return {
        "schema_version": 1,
        "as_of": pricing["as_of"][:7],
        "source": (
            f"{PRICING_LABEL} (as_of {pricing['as_of'][:7]}; {_parenthetical(pricing['as_of'])}) "
            "- per-model source and as_of in each entry; caveats and disagreements in "
            "shared/reference/PRICING.md; generated by scripts/build_catalog.py"
        ),
        "defaults": {
            "icl_model": "gpt-5.4-mini",
            "ft_model": "fireworks/llama-v3p1-8b-instruct",
            "reason": (
                "current models with no announced shutdown. Prompting: OpenAI's mid-size "
                "current model. Fine-tuning: the cheapest fully priced offer with no shutdown "
                "date (LoRA on an 8B open model, $0.50/1M training tokens, $8/h dedicated "
                "deployment). OpenAI's fine-tunable models all shut down on 2027-01-14 and "
                "its fine-tuning platform takes no new users (PRICING.md section 2). A small "
                "tuned model against a prompted frontier model is the common real-world "
                "question (EVIDENCE.md)"
            ),
        },
        "latency_defaults": _latency_defaults(pricing),
        "models": models,
    }


def _latency_defaults(pricing: dict[str, Any]) -> dict[str, Any]:
    rows = pricing["throughput"]
    derived = next(r for r in rows if r["kind"] == "inference latency (derived)")
    nim_c1 = [
        r
        for r in rows
        if r["kind"] == "inference latency (TTFT/ITL)" and r["conditions"].endswith("concurrency 1")
    ]
    itl_ms = [r["value"]["itl_ms"] for r in nim_c1]
    caching = next(r for r in rows if r["kind"] == "inference latency (caching)")
    reduction = caching["value"]["ttft_reduction_up_to"]
    prefill = float(round(derived["value"], -2))  # 12535 -> 12500 ("~12.5k", PRICING.md)
    decode = float(round(1000.0 / (sum(itl_ms) / len(itl_ms))))  # mean ITL -> tok/s
    speedup = round(1.0 / (1.0 - reduction), 1)  # up to 80% lower TTFT -> 5x
    itl_text = "-".join(f"{v:g}" for v in sorted(itl_ms))
    return {
        "prefill_tokens_per_s": prefill,
        "decode_tokens_per_s": decode,
        "cached_prefill_speedup": speedup,
        "source": (
            f"{derived['source']} ({derived['framework']}, {derived['model']}, "
            f"{derived['hardware']}, concurrency 1): 500-token prompt TTFT 47.77 ms, "
            f"5,000-token 406.77 ms => marginal prefill {derived['value']} tok/s (DERIVED in "
            f"pricing.json/PRICING.md, rounded to {prefill:g}); ITL {itl_text} ms/token => "
            f"~{decode:g} tok/s decode; {caching['source']}: prompt caching cuts TTFT by up to "
            f"{reduction:.0%} => cached prefix {speedup:g}x faster (an upper bound). "
            "Self-hosted Llama-3.3-70B on 2x H100, not a hosted API: a rough default only"
        ),
        "as_of": f"{derived['source_date']}; {caching['source_date']}",
    }


# --------------------------------------------------------------------------------------
# Check
# --------------------------------------------------------------------------------------
PRICE_FIELDS = ("input_usd_per_mtok", "cached_input_usd_per_mtok", "output_usd_per_mtok")
FT_PRICE_FIELDS = ("training_usd_per_mtok", *PRICE_FIELDS, "hosting_usd_per_hour")


def _numbers(obj: Any) -> Iterator[float]:
    if isinstance(obj, bool):
        return
    if isinstance(obj, (int, float)):
        yield float(obj)
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _numbers(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _numbers(value)


def _contains(numbers: set[float], value: float) -> bool:
    return any(math.isclose(value, n, rel_tol=0, abs_tol=1e-12) for n in numbers)


def check(catalog: dict[str, Any], pricing: dict[str, Any]) -> list[str]:
    """Return a list of problems (empty when the catalog traces to pricing.json)."""
    problems: list[str] = []
    by_name = {MODEL_TABLE[e["model"]][0]: e for e in pricing["api_models"]}
    ft_pool = {
        "OpenAI": None,
        "Together AI": _offer(pricing, "Together AI"),
        "Fireworks AI": _offer(pricing, "Fireworks AI"),
        "Google": _offer(pricing, "Google Vertex AI"),
    }
    gpu_numbers = set(_numbers(pricing["gpu_hourly"]))
    seen: dict[str, str] = {}
    for model in catalog["models"]:
        name = model["name"]
        entry = by_name.get(name)
        if entry is None:
            problems.append(f"{name}: no pricing.json entry")
            continue
        own = set(_numbers({k: v for k, v in entry.items() if k != "cross_checks"}))
        for field in PRICE_FIELDS:
            value = model[field]
            if value is not None and not _contains(own, value):
                problems.append(f"{name}.{field}={value} not in its pricing.json entry")
            if value == 0:
                problems.append(f"{name}.{field} is 0")
        if model["context_window"] != entry["context_window_tokens"]:
            problems.append(f"{name}.context_window differs from pricing.json")
        if model["shutdown_date"] != entry.get("deprecation_date"):
            problems.append(f"{name}.shutdown_date differs from pricing.json")
        if model["min_cacheable_tokens"] is not None and model["cached_input_usd_per_mtok"] is None:
            problems.append(f"{name}: min_cacheable_tokens set without a cached price")
        for key in (name, *model["aliases"]):
            low = key.lower()
            if low in seen and seen[low] != name:
                problems.append(f"name/alias {key!r} used by {seen[low]} and {name}")
            seen[low] = name
        if model["shutdown_date"] is not None:
            try:
                dt.date.fromisoformat(model["shutdown_date"])
            except ValueError:
                problems.append(f"{name}: shutdown_date {model['shutdown_date']!r} does not parse")
        if not model["source"] or not model["as_of"]:
            problems.append(f"{name}: source/as_of missing")
        ft = model["fine_tuning"]
        if ft is None:
            continue
        provider = model["provider"]
        if provider == "OpenAI":
            pool = set(_numbers(_offer(pricing, "OpenAI", name)))
        else:
            pool = set(_numbers(ft_pool[provider])) | own | gpu_numbers
        for field in FT_PRICE_FIELDS:
            value = ft[field]
            if value is None:
                continue
            if value == 0 and field != "hosting_usd_per_hour":
                problems.append(f"{name}.fine_tuning.{field} is 0")
            elif value == 0 and "zero hosting fee" not in ft["source"]:
                problems.append(f"{name}: hosting 0 without a stated zero hosting fee")
            elif value != 0 and not _contains(pool, value):
                problems.append(f"{name}.fine_tuning.{field}={value} not in its offer")
        if ft["min_examples"] is not None:
            rules = [r for r in pricing["rules_of_thumb"] if r["category"] == "data_size"]
            text = json.dumps(rules)
            if not re.search(rf"\b{ft['min_examples']}\b", text):
                problems.append(f"{name}: min_examples {ft['min_examples']} not in rules_of_thumb")
    if len(catalog["models"]) != len(pricing["api_models"]):
        problems.append("catalog does not cover every pricing.json api_models entry")
    for role in ("icl_model", "ft_model"):
        if catalog["defaults"][role].lower() not in seen:
            problems.append(f"defaults.{role} not in the catalog")
        entry = next((m for m in catalog["models"] if m["name"] == catalog["defaults"][role]), None)
        if entry is not None and entry["shutdown_date"] is not None:
            problems.append(f"defaults.{role} has a shutdown date ({entry['shutdown_date']})")
    problems.extend(_pydantic_problems(catalog))
    return problems


def _pydantic_problems(catalog: dict[str, Any]) -> list[str]:
    """Validate with the package's own models when it is importable."""
    try:
        from strategy_advisor import ModelSpec
    except ImportError:  # pragma: no cover - package not installed
        return []
    problems = []
    for model in catalog["models"]:
        try:
            ModelSpec.model_validate({k: v for k, v in model.items() if k != "aliases"})
        except ValueError as exc:
            problems.append(f"{model['name']}: ModelSpec rejects it: {exc}")
    return problems


def render(catalog: dict[str, Any]) -> str:
    return json.dumps(catalog, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pricing", type=Path, default=DEFAULT_PRICING)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check", action="store_true", help="verify the file on disk is current and traceable"
    )
    args = parser.parse_args(argv)

    pricing = json.loads(args.pricing.read_text(encoding="utf-8"))
    catalog = build(pricing)
    problems = check(catalog, pricing)
    text = render(catalog)
    if args.check:
        if not args.out.exists():
            problems.append(f"{args.out} is missing: run scripts/build_catalog.py")
        else:
            on_disk = args.out.read_text(encoding="utf-8")
            problems += [f"on disk: {p}" for p in check(json.loads(on_disk), pricing)]
            if on_disk != text:
                problems.append(f"{args.out} is stale: run scripts/build_catalog.py")
    for problem in problems:
        _say(f"problem: {problem}")
    if problems:
        return 1
    if not args.check:
        args.out.write_text(text, encoding="utf-8")
        _say(f"wrote {args.out} ({len(catalog['models'])} models)")
    else:
        _say(f"{args.out} is current ({len(catalog['models'])} models, all traceable)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
