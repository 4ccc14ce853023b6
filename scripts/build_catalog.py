"""Build ``src/strategy_advisor/data/catalog.json`` from the sourced reference data.

Every price in the catalog is read from ``shared/reference/pricing.json`` (see
``shared/reference/PRICING.md`` for what each entry means, its caveats and the places
where sources disagree). This script holds no prices. What it does hold are the
hand-curated facts pricing.json does not state in machine-readable form: canonical
names and aliases, model kind, parameter counts read from model names, tokenizer
encodings, provider caching rules of thumb, the mapping of fine-tuning offers to
models, how tuned models are served (platform, serving modes, GPUs per replica) and
which prices the reference states to be zero. Each table below says where its facts
come from.

Where sources disagree on a catalog number, the entry keeps the value used and records
a ``ranges`` item (low, high, who says what). ``--check`` verifies that every number,
every range end and every zero traces to pricing.json, that every disagreement the
reference records has its range, and that the default models are priced and live (base
and tuned model) for 12 months after the catalog's as_of.

Usage::

    python scripts/build_catalog.py                 # (re)write the catalog
    python scripts/build_catalog.py --check         # verify the file on disk, write nothing
    python scripts/build_catalog.py --pricing PATH --out PATH
"""

from __future__ import annotations

import argparse
import calendar
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

# --------------------------------------------------------------------------------------
# Table 5. Serving a tuned model: platform, serving modes, GPU of one replica.
#
# platform: where tuning and tuned serving run (pricing.json fine_tuning_offers
#   ``provider``; OpenAI tunes and serves on its API, Google on Vertex AI, not the
#   Gemini API whose prices the base entries list).
# serving: OpenAI tuned models are billed per token with no hosting fee (offer
#   hosting_fee_per_hour 0); Vertex: an idle tuned Gemini model "won't incur any
#   inference costs" (offer facts), so serverless. Fireworks (newer FAQ: "Fine-tuned (LoRA)
#   models require a dedicated deployment") and Together ("fine-tuned model served on a
#   dedicated endpoint billed per minute while running") are dedicated; their open weights
#   can also be self-hosted (the base model's params_b is known).
# GPUs per replica: the reference's measured serving setups (pricing.json throughput,
#   TensorRT-LLM and NIM): Llama-3.1-8B on 1x H100 80GB, Llama-3.3-70B on 2x H100 80GB.
#   Models up to 16B get one GPU, 16-80B two; the hosting fee of a replica is the
#   per-GPU price times its GPUs. Fireworks bills an on-demand H100 at $8/h (offer
#   on_demand_gpu_per_hour); Together's dedicated endpoints run $3.99 (1x H100) to $9.95
#   (1x B200) per hour (gpu_hourly): the low end is used, the range is recorded.
# dedicated_bills_tokens: a dedicated deployment of a tuned open model is billed by its GPU
#   time only, no per-token price on top. Fireworks: LoRA fine-tunes on 7-8B bases run on
#   "on-demand (dedicated) deployments", "Billed by GPU-hour, not per token" (gpu.json, the
#   Fireworks multi-LoRA record; GPU.md section 5). Together: fine-tunes run on dedicated
#   endpoints billed per minute of their GPUs, even when idle (pricing.json gpu_hourly;
#   GPU.md section 5), and no source gives them a per-token price.
# max_adapters_per_deployment: Fireworks "Up to 100 LoRAs can share one dedicated
#   deployment" (offer ft_inference); Together states no limit.
# --------------------------------------------------------------------------------------
PLATFORM = {
    "OpenAI": "OpenAI API",
    "Google": "Vertex AI",
    "Fireworks AI": "Fireworks AI",
    "Together AI": "Together AI",
}
SERVERLESS: tuple[str, ...] = ("serverless",)
OPEN_TUNED_SERVING: tuple[str, ...] = ("dedicated", "self_hosted")
REPLICA_GPU = "H100 80GB"
REPLICA_GPUS = ((16.0, 1), (80.0, 2))
TOGETHER_ENDPOINTS = "dedicated_endpoint_1xH100_to_1xB200"
FIREWORKS_ADAPTERS_PATTERN = r"Up to (\d+) LoRAs can share one dedicated deployment"

# --------------------------------------------------------------------------------------
# Table 6. Stated zeros. A 0 in the catalog is a price the reference states to be zero,
# never a stand-in for an unknown one. Each entry: (provider, path) -> the words of the
# pricing.json fine-tuning offer that state it (``check`` looks them up verbatim).
# OpenAI's zero hosting fee is the offer's own number (hosting_fee_per_hour 0).
# --------------------------------------------------------------------------------------
STATED_ZEROS = {
    ("Google", "fine_tuning.hosting_usd_per_hour"): "won't incur any inference costs",
    ("Fireworks AI", "fine_tuning.hosting_usd_per_hour"): (
        "There is no additional cost for serving LoRA models"
    ),
}

# --------------------------------------------------------------------------------------
# Table 7. Disagreements on minimum cacheable prefixes (ranges on min_cacheable_tokens).
# Source: pricing.json rules_of_thumb "caching". Anthropic: 1024 for Sonnet 4.6 per the
# developer docs quoted in anthropic-sdk-python#1194 (and litellm), 2048 per orq.ai and
# the behaviour observed in that issue. Gemini caching doc: older version (2026-05-07)
# 2.5 Flash 1024 and 2.5 Pro 4096, newer version (2026-07-07) 2.5 Flash/Pro 2048; 3.x
# Flash is 4096 in the newer version only and Flash-Lite is named in neither (no range).
# Each row: model -> (needle of the rule, other value, who says what).
# --------------------------------------------------------------------------------------
CACHE_MIN_DISAGREEMENTS: dict[str, tuple[str, int, str]] = {
    "claude-sonnet-4-6": (
        "Anthropic minimum cacheable",
        2048,
        "1024: Anthropic developer docs quoted in anthropic-sdk-python#1194, and litellm "
        "prompt_cache_min_tokens (used) vs 2048: orq.ai docs, and caching observed only at "
        ">=2048 in that issue",
    ),
    "gemini-2.5-pro": (
        "Gemini: implicit caching",
        4096,
        "2048: newer Gemini caching doc (2026-07-07) and litellm prompt_cache_min_tokens "
        "(used) vs 4096: older version of the doc (2026-05-07)",
    ),
    "gemini-2.5-flash": (
        "Gemini: implicit caching",
        1024,
        "2048: newer Gemini caching doc (2026-07-07) (used) vs 1024: older version of the "
        "doc (2026-05-07)",
    ),
}

# Cross-check value keys -> the catalog fields they give (a key not listed here fails the
# build, so a new disagreement cannot slip through unrecorded).
CROSS_CHECK_FIELDS: dict[str, tuple[str, ...]] = {
    "input": ("input_usd_per_mtok",),
    "output": ("output_usd_per_mtok",),
    "cached_input": ("cached_input_usd_per_mtok",),
    "serverless_up_to_16B_per_1m": ("input_usd_per_mtok", "output_usd_per_mtok"),
}
# "0.75 through 2026-12-31, then 1.50": a scheduled price change (Gemini 3.8 Flash promo).
SCHEDULED_CHANGE = re.compile(r"^\s*([\d.]+) through (\d{4}-\d{2}-\d{2}), then ([\d.]+)\s*$")
# OpenAI batch prices are 50% of the standard ones (rules_of_thumb batch: "OpenAI 50%
# (listed batch prices)"); a tuned batch price that is not is recorded as a range.
OPENAI_BATCH_DISCOUNT_NEEDLE = "OpenAI 50%"

OPENAI_WINDDOWN_NOTE = (
    "OpenAI fine-tuning is being wound down (no new users; existing users can create "
    "jobs 'for the coming months'; third-party tunekeep says new jobs stop 2027-01-06); "
    "tuned models stay usable until the base model's shutdown, so fine_tuning."
    "shutdown_date is the base model's."
)

#: The default models must be usable this long after the catalog's as_of.
DEFAULT_HORIZON_MONTHS = 12
DEFAULT_ICL_MODEL = "gpt-5.4-mini"
DEFAULT_FT_MODEL = "fireworks/llama-v3p1-8b-instruct"


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


def _bracket(params_b: float, brackets: tuple[tuple[float, Any], ...]) -> Any:
    for upper, key in brackets:
        if params_b <= upper:
            return key
    raise ValueError(f"no size bracket for {params_b}B")


def _rule(pricing: dict[str, Any], category: str, needle: str) -> dict[str, Any]:
    for rule in pricing["rules_of_thumb"]:
        if rule["category"] == category and needle in rule["statement"]:
            return dict(rule)
    raise KeyError(f"no rules_of_thumb {category} entry mentioning {needle!r}")


def _number(value: Any) -> float | None:
    """A cross-check value as a number: 2.0, "~0.88" -> 0.88; other text -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    match = re.fullmatch(r"\s*~?\$?(\d+(?:\.\d+)?)\s*", str(value))
    return float(match.group(1)) if match else None


def _range(path: str, low: float, high: float, sources: str) -> dict[str, Any]:
    return {"path": path, "low": float(low), "high": float(high), "sources": sources}


def _money(value: float) -> str:
    return f"${value:g}"


def _cross_check_ranges(entry: dict[str, Any], fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Ranges for the catalog numbers a disagreeing cross-check gives another value for."""
    used = _first_segment(entry["source_date"])
    by_field: dict[str, dict[float, list[str]]] = {}
    for check in entry.get("cross_checks", []):
        if check["agrees_with_litellm"]:
            continue
        for key, raw in check["values"].items():
            if key not in CROSS_CHECK_FIELDS:
                raise KeyError(f"{entry['model']}: cross-check key {key!r} maps to no field")
            value = _number(raw)
            if value is None:
                raise ValueError(f"{entry['model']}: cross-check {key}={raw!r} is not a number")
            for field in CROSS_CHECK_FIELDS[key]:
                who = by_field.setdefault(field, {fields[field]: [f"{used} (used)"]})
                who.setdefault(value, []).append(f"{check['source']} ({check['source_date']})")
    for field, who in by_field.items():
        # Agreeing cross-checks of the used value are named too.
        for check in entry.get("cross_checks", []):
            for key, raw in check["values"].items():
                if (
                    check["agrees_with_litellm"]
                    and field in CROSS_CHECK_FIELDS.get(key, ())
                    and _number(raw) == fields[field]
                ):
                    who[fields[field]].append(f"{check['source']} ({check['source_date']})")
    ranges = []
    for field, who in by_field.items():
        sources = " vs ".join(
            f"{_money(v)}: {', '.join(names)}" for v, names in sorted(who.items())
        )
        ranges.append(_range(field, min(who), max(who), sources))
    return ranges


def _scheduled_change_ranges(
    entry: dict[str, Any], fields: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Ranges for prices a source says will change on a date (a promotional price)."""
    ranges, notes = [], []
    for check in entry.get("cross_checks", []):
        for key, raw in check["values"].items():
            match = SCHEDULED_CHANGE.match(str(raw))
            if not match:
                continue
            now, until, then = float(match.group(1)), match.group(2), float(match.group(3))
            for field in CROSS_CHECK_FIELDS[key]:
                if fields[field] != now:
                    raise ValueError(f"{entry['model']}: {key} {now} differs from {field}")
                ranges.append(
                    _range(
                        field,
                        min(now, then),
                        max(now, then),
                        f"{_money(now)} through {until} (used): "
                        f"{_first_segment(entry['source_date'])} and {check['source']} "
                        f"({check['source_date']}) vs {_money(then)} after {until}: "
                        f"{check['source']}",
                    )
                )
            notes.append(f"{key} price {_money(now)} until {until}, then {_money(then)}")
    if notes:
        notes = [
            "Scheduled price change within a year: "
            + "; ".join(notes)
            + " (recorded as ranges; the current price is used)."
        ]
    return ranges, notes


def _replica_gpus(params_b: float) -> int:
    gpus: int = _bracket(params_b, REPLICA_GPUS)
    return gpus


def _ft_offer_openai(
    pricing: dict[str, Any], entry: dict[str, Any], name: str
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    offer = _offer(pricing, "OpenAI", name)
    ft = offer["ft_inference_per_1m"]
    data_rule = _rule(pricing, "data_size", "OpenAI")
    notes = [OPENAI_WINDDOWN_NOTE]
    ranges: list[dict[str, Any]] = []
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
    text = offer.get("notes") or ""
    if not rft and "disagree on training price" in text:
        notes.append(f"Fine-tuning: {text}")
        # "$3.00 (tokonomics, goitreels), $0.30 (pecollective.com, likely error), ..."
        quoted = [(float(v), who) for v, who in re.findall(r"\$(\d+(?:\.\d+)?) \(([^)]*)\)", text)]
        used = offer["training_price_per_1m_tokens"]
        if used not in {v for v, _ in quoted}:
            raise ValueError(f"{name}: used training price {used} not among {quoted}")
        ranges.append(
            _range(
                "fine_tuning.training_usd_per_mtok",
                min(v for v, _ in quoted),
                max(v for v, _ in quoted),
                " vs ".join(
                    f"{_money(v)}: {who}{' (used)' if v == used else ''}" for v, who in quoted
                ),
            )
        )
    _rule(pricing, "batch", OPENAI_BATCH_DISCOUNT_NEEDLE)  # the 50% rule is stated
    for side in ("input", "output"):
        listed, half = ft[f"batch_{side}"], ft[side] * 0.5
        if not math.isclose(listed, half):
            ranges.append(
                _range(
                    f"fine_tuning.batch_{side}_usd_per_mtok",
                    min(listed, half),
                    max(listed, half),
                    f"{_money(listed)}: litellm {offer['ft_model_key']} (used; PRICING.md "
                    f"section 7: likely a litellm data error) vs {_money(half)}: 50% of the "
                    f"tuned {side} price {_money(ft[side])}, OpenAI's batch discount "
                    "(rules_of_thumb batch)",
                )
            )
    if any(r["path"].startswith("fine_tuning.batch_") for r in ranges):
        notes.append(
            f"Tuned batch prices {_money(ft['batch_input'])}/{_money(ft['batch_output'])} "
            "are litellm's and are not 50% of the tuned prices as OpenAI's other batch "
            "prices are; likely a litellm data error (PRICING.md section 7): kept, with "
            "ranges to the 50% values."
        )
    source = (
        f"{PRICING_LABEL} fine_tuning_offers[OpenAI {name}]: {offer['source']} "
        f"({offer['source_date']}); zero hosting fee: hosting_fee_per_hour 0 (OpenAI charges "
        f"no hosting fee for tuned models); shutdown: the base model's (tuned models stay "
        f"usable until the base model is deprecated, offer availability)"
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
            "batch_input_usd_per_mtok": ft["batch_input"],
            "batch_output_usd_per_mtok": ft["batch_output"],
            "serving": list(SERVERLESS),
            "gpu": None,
            "gpus_per_replica": None,
            "min_replicas": 1,
            "requests_per_s_per_replica": None,
            "dedicated_bills_tokens": True,  # no dedicated deployment is offered
            "max_adapters_per_deployment": None,
            "platform": PLATFORM["OpenAI"],
            "shutdown_date": entry.get("deprecation_date"),
            "min_examples": None if rft else OPENAI_MIN_EXAMPLES,
            "method": "unknown",
            "source": source,
        },
        notes,
        ranges,
    )


def _ft_offer_fireworks(
    pricing: dict[str, Any],
    entry: dict[str, Any],
    params_b: float,
    base_ranges: list[dict[str, Any]],
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    offer = _offer(pricing, "Fireworks AI")
    bracket = _bracket(params_b, FIREWORKS_BRACKETS)
    training = offer["training_price_per_1m_tokens"]["lora_sft"][bracket]
    per_gpu = offer["on_demand_gpu_per_hour"][REPLICA_GPU]
    gpus = _replica_gpus(params_b)
    hosting = per_gpu * gpus
    adapters = re.search(FIREWORKS_ADAPTERS_PATTERN, offer["ft_inference"])
    if adapters is None:
        raise ValueError("Fireworks offer no longer states the adapters per deployment")
    notes = [
        f"Fine-tuning: LoRA SFT at the {bracket} price. Tuned-model serving: sources "
        "conflict (older Fireworks page: LoRA served serverless at the base model's "
        "per-token rate, no additional cost; newer FAQ: 'Fine-tuned (LoRA) models require "
        "a dedicated deployment', billed per GPU-second plus per-token usage). The newer "
        f"FAQ is used: hosting {_money(hosting)}/h per replica ({gpus}x on-demand "
        f"{REPLICA_GPU} at {_money(per_gpu)}/h) plus the base model's per-token prices (the "
        "per-token rate on a dedicated deployment is not stated); the range runs from $0 "
        f"(older page) to {_money(hosting)}. Up to {adapters.group(1)} LoRAs can share one "
        "deployment."
    ]
    if gpus > 1:
        notes.append(
            f"{gpus} GPUs per replica for a {params_b:g}B model, as in the reference's "
            "measured 70B serving setup (2x H100); Fireworks states no GPU count."
        )
    ranges = [
        _range(
            "fine_tuning.hosting_usd_per_hour",
            0.0,
            hosting,
            "$0: older fireworks.ai/pricing page ('There is no additional cost for serving "
            f"LoRA models', served serverless) vs {_money(hosting)} (used): newer Fireworks "
            f"FAQ (dedicated deployment required), {gpus}x {REPLICA_GPU} at "
            f"{_money(per_gpu)}/h ({offer['source']}, {offer['source_date']})",
        )
    ]
    # The tuned per-token prices are the base model's, so they share its disagreements.
    for r in base_ranges:
        if r["path"] in ("input_usd_per_mtok", "output_usd_per_mtok"):
            sources = f"tuned price = the base model's; {r['sources']}"
            ranges.append({**r, "path": f"fine_tuning.{r['path']}", "sources": sources})
    return (
        {
            "training_usd_per_mtok": training,
            "input_usd_per_mtok": entry["input_per_1m"],
            "cached_input_usd_per_mtok": entry.get("cached_input_per_1m"),
            "output_usd_per_mtok": entry["output_per_1m"],
            "hosting_usd_per_hour": float(hosting),
            "batch_input_usd_per_mtok": None,
            "batch_output_usd_per_mtok": None,
            "serving": list(OPEN_TUNED_SERVING),
            "gpu": REPLICA_GPU,
            "gpus_per_replica": gpus,
            "min_replicas": 1,
            "requests_per_s_per_replica": None,
            "dedicated_bills_tokens": False,  # FIREWORKS_DEDICATED_BILLING
            "max_adapters_per_deployment": int(adapters.group(1)),
            "platform": PLATFORM["Fireworks AI"],
            "shutdown_date": None,
            "min_examples": None,
            "method": "lora",
            "source": (
                f"{PRICING_LABEL} fine_tuning_offers[Fireworks AI]: {offer['source']} "
                f"({offer['source_date']}); training lora_sft.{bracket}; hosting "
                f"on_demand_gpu_per_hour[{REPLICA_GPU}] x {gpus}; max adapters: ft_inference; "
                f"tuned per-token prices = base model's ({entry['source']})"
            ),
        },
        notes,
        ranges,
    )


def _ft_offer_together(
    pricing: dict[str, Any], params_b: float
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    offer = _offer(pricing, "Together AI")
    bracket = _bracket(params_b, TOGETHER_BRACKETS)
    low, high = offer["training_price_per_1m_tokens"][bracket]
    gpu = _gpu_row(pricing, "Together AI dedicated endpoints / GPU clusters")
    cheapest, dearest = gpu["price_per_gpu_hour"][TOGETHER_ENDPOINTS]
    gpus = _replica_gpus(params_b)
    hosting = cheapest * gpus
    notes = [
        f"Fine-tuning: the {bracket} training price is a range ${low:g}-{high:g}/1M that "
        "'spans LoRA..Full and SFT..DPO' (no per-combination breakdown); the low end is "
        "taken as LoRA SFT, which the source does not state explicitly. The tuned model is "
        "served on a dedicated endpoint billed per minute even when idle: "
        f"{_money(hosting)}/h per replica ({gpus}x {REPLICA_GPU} at the cheapest listed "
        f"{_money(cheapest)}/h; endpoints run to {_money(dearest)}/h for 1x B200). No source "
        "gives a per-token price for a tuned model on a dedicated endpoint, so the tuned "
        "per-token prices are null (unpriced)."
    ]
    where = f"{gpu['source']} ({gpu['source_date']})"
    ranges = [
        _range(
            "fine_tuning.training_usd_per_mtok",
            low,
            high,
            f"{_money(low)} (used, taken as LoRA SFT) vs {_money(high)}: the {bracket} "
            f"range spanning LoRA..Full and SFT..DPO, {offer['source'].split(' ;')[0]} "
            f"({_first_segment(offer['source_date'])})",
        ),
        _range(
            "fine_tuning.hosting_usd_per_hour",
            hosting,
            dearest * gpus,
            f"{_money(hosting)} (used): {gpus} GPU(s) at the cheapest dedicated endpoint, "
            f"1x H100 at {_money(cheapest)}/h vs {_money(dearest * gpus)}: at the dearest, "
            f"1x B200 at {_money(dearest)}/h; {where}",
        ),
    ]
    return (
        {
            "training_usd_per_mtok": low,
            "input_usd_per_mtok": None,
            "cached_input_usd_per_mtok": None,
            "output_usd_per_mtok": None,
            "hosting_usd_per_hour": float(hosting),
            "batch_input_usd_per_mtok": None,
            "batch_output_usd_per_mtok": None,
            "serving": list(OPEN_TUNED_SERVING),
            "gpu": REPLICA_GPU,
            "gpus_per_replica": gpus,
            "min_replicas": 1,
            "requests_per_s_per_replica": None,
            "dedicated_bills_tokens": False,  # TOGETHER_DEDICATED_BILLING
            "max_adapters_per_deployment": None,
            "platform": PLATFORM["Together AI"],
            "shutdown_date": None,
            "min_examples": None,
            "method": "lora",
            "source": (
                f"{PRICING_LABEL} fine_tuning_offers[Together AI]: {offer['source']} "
                f"({offer['source_date']}); training {bracket} low end; hosting gpu_hourly"
                f"[{gpu['provider']}] {TOGETHER_ENDPOINTS} low end x {gpus}: {where}"
            ),
        },
        notes,
        ranges,
    )


def _ft_offer_vertex(
    pricing: dict[str, Any], entry: dict[str, Any], name: str
) -> tuple[dict[str, Any], list[str], list[dict[str, Any]]]:
    offer = _offer(pricing, "Google Vertex AI")
    data_rule = _rule(pricing, "data_size", "Vertex")
    base_shutdown = entry.get("deprecation_date")
    shutdown_note = (
        f"the shutdown date {base_shutdown} listed for the base model is the Gemini API's "
        "deprecation date, not Vertex's"
        if base_shutdown
        else "the Gemini API lists no deprecation date for the base model either"
    )
    notes = [
        "Fine-tuning: supervised (adapter) tuning on Vertex AI, not the Gemini API whose "
        "prices are listed here; Vertex training and tuned-model prices were not found "
        "(null, unpriced). min_examples 100 is Vertex's recommendation ('at least 100 to "
        "500 examples'). Hosting fee 0: older Vertex doc says an idle tuned Gemini model "
        "'won't incur any inference costs'. The reference gives no Vertex shutdown date "
        f"(fine_tuning.shutdown_date null); {shutdown_note}."
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
            "batch_input_usd_per_mtok": None,
            "batch_output_usd_per_mtok": None,
            "serving": list(SERVERLESS),
            "gpu": None,
            "gpus_per_replica": None,
            "min_replicas": 1,
            "requests_per_s_per_replica": None,
            "dedicated_bills_tokens": True,  # no dedicated deployment is offered
            "max_adapters_per_deployment": None,
            "platform": PLATFORM["Google"],
            "shutdown_date": None,
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
        [],
    )


def _min_cacheable(
    pricing: dict[str, Any], entry: dict[str, Any], name: str
) -> tuple[int | None, list[str], list[dict[str, Any]]]:
    if entry.get("cached_input_per_1m") is None:
        return None, [], []
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
        value: int | None = int(per_entry)
    else:
        value = PROVIDER_RULES[provider].get("min_cacheable")
        if provider == "Google":
            notes.append(
                "Minimum cacheable prefix 2048 from the newer Gemini caching doc (2026-07-07); "
                "the older version (2026-05-07) says 2.5 Flash 1024"
                + ("" if name == "gemini-2.5-flash" else "; Flash-Lite is not named in either")
                + "."
            )
        elif provider == "Mistral":
            notes.append(
                "Cached input billed at 10% of input, but no minimum cacheable prefix is "
                "stated (null) and a cache hit is not guaranteed (Mistral prompt-caching doc)."
            )
    ranges = []
    if name in CACHE_MIN_DISAGREEMENTS and value is not None:
        needle, other, sources = CACHE_MIN_DISAGREEMENTS[name]
        _rule(pricing, "caching", needle)  # the rule that states both values exists
        ranges.append(_range("min_cacheable_tokens", min(value, other), max(value, other), sources))
    return value, notes, ranges


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


def _base_serving(kind: str, params_b: float | None) -> list[str]:
    """Serverless per-token prices; open weights of a known size can also be self-hosted."""
    return ["serverless", "self_hosted"] if kind == "open_weights" and params_b else ["serverless"]


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

        prices = {
            "input_usd_per_mtok": entry.get("input_per_1m"),
            "cached_input_usd_per_mtok": entry.get("cached_input_per_1m"),
            "output_usd_per_mtok": entry.get("output_per_1m"),
        }
        notes = _model_notes(pricing, entry)
        ranges = _cross_check_ranges(entry, prices)
        change_ranges, change_notes = _scheduled_change_ranges(entry, prices)
        ranges += change_ranges
        notes += change_notes
        min_cacheable, cache_notes, cache_ranges = _min_cacheable(pricing, entry, name)
        notes += cache_notes
        ranges += cache_ranges
        if rules["error_band"] > 0:
            notes.append(ENCODING_NOTE)

        fine_tuning: dict[str, Any] | None = None
        ft_notes: list[str] = []
        ft_ranges: list[dict[str, Any]] = []
        if name in OPENAI_FT:
            fine_tuning, ft_notes, ft_ranges = _ft_offer_openai(pricing, entry, name)
        elif name in VERTEX_FT:
            fine_tuning, ft_notes, ft_ranges = _ft_offer_vertex(pricing, entry, name)
        elif provider == "Fireworks AI":
            assert params_b is not None
            fine_tuning, ft_notes, ft_ranges = _ft_offer_fireworks(pricing, entry, params_b, ranges)
        elif provider == "Together AI":
            assert params_b is not None
            fine_tuning, ft_notes, ft_ranges = _ft_offer_together(pricing, params_b)
        elif provider == "Mistral":
            ft_notes = [
                "Mistral offers fine-tuning ($4 minimum per job, $2/month storage per model) "
                "but the reference data neither names the fine-tunable models nor gives a "
                "per-token price, so fine_tuning is null."
            ]
        elif provider == "Anthropic":
            ft_notes = ["No fine-tuning offer in the reference data."]
        notes += ft_notes
        ranges += ft_ranges

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
                **prices,
                "min_cacheable_tokens": min_cacheable,
                "cache_write_usd_per_mtok": entry.get("cache_write_per_1m"),
                "cache_lifetime_minutes": None,
                "batch_input_usd_per_mtok": entry.get("batch_input_per_1m"),
                "batch_output_usd_per_mtok": entry.get("batch_output_per_1m"),
                "max_output_tokens": entry.get("max_output_tokens"),
                "serving": _base_serving(rules["kind"], params_b),
                "prefill_tokens_per_s": None,
                "decode_tokens_per_s": None,
                # a user's own measured figures; the catalog's are in data/hosted_latency.json
                "output_tokens_per_s": None,
                "ttft_ms": None,
                "ttft_p95_ms": None,
                "reasoning_effort": None,
                "reasoning_tokens": None,
                "shutdown_date": entry.get("deprecation_date"),
                "encoding": O200K,
                "encoding_error_band": rules["error_band"],
                "fine_tuning": fine_tuning,
                "source": source,
                "as_of": _as_of(pricing, entry["source_date"]),
                "notes": " ".join(notes) or None,
                "ranges": ranges,
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
            "icl_model": DEFAULT_ICL_MODEL,
            "ft_model": DEFAULT_FT_MODEL,
            "reason": (
                f"current models, live (no announced shutdown of the base or the tuned "
                f"model) for at least {DEFAULT_HORIZON_MONTHS} months after the catalog's "
                "as_of. Prompting: OpenAI's mid-size current model. Fine-tuning: the "
                "cheapest fully priced offer that stays live that long (LoRA on an 8B open "
                "model, $0.50/1M training tokens, $8/h dedicated deployment on one H100). "
                "OpenAI's fine-tunable models all shut down by 2027-01-14 and its "
                "fine-tuning platform takes no new users (PRICING.md section 2). A small "
                "tuned model against a prompted frontier model is the common real-world "
                "question (EVIDENCE.md)"
            ),
        },
        "latency_defaults": _latency_defaults(pricing),
        "models": models,
    }


def _latency_defaults(pricing: dict[str, Any]) -> dict[str, Any]:
    """Throughputs for models with none of their own, from NVIDIA NIM's concurrency-1 rows.

    TTFT grows linearly with the prompt: the marginal prefill rate is the slope between the
    500- and 5,000-token rows (pricing.json's DERIVED 12,535 tokens/s) and the fixed TTFT
    overhead its intercept, ``ttft(500) - 500 / prefill`` (~7.9 ms), so the latency model
    reproduces both published TTFTs.
    """
    rows = pricing["throughput"]
    derived = next(r for r in rows if r["kind"] == "inference latency (derived)")
    nim_c1 = [
        r
        for r in rows
        if r["kind"] == "inference latency (TTFT/ITL)" and r["conditions"].endswith("concurrency 1")
    ]
    itl_ms = [r["value"]["itl_ms"] for r in nim_c1]
    by_prompt = sorted((_prompt_tokens(r["conditions"]), r["value"]["ttft_ms"]) for r in nim_c1)
    (short, short_ms), (long_, long_ms) = by_prompt[0], by_prompt[-1]
    caching = next(r for r in rows if r["kind"] == "inference latency (caching)")
    reduction = caching["value"]["ttft_reduction_up_to"]
    prefill = float(derived["value"])  # (5000 - 500) / (406.77 - 47.77) ms, DERIVED
    overhead = round(short_ms - 1000.0 * short / prefill, 2)
    decode = float(round(1000.0 / (sum(itl_ms) / len(itl_ms))))  # mean ITL -> tok/s
    speedup = round(1.0 / (1.0 - reduction), 1)  # up to 80% lower TTFT -> 5x
    itl_text = "-".join(f"{v:g}" for v in sorted(itl_ms))
    return {
        "prefill_tokens_per_s": prefill,
        "decode_tokens_per_s": decode,
        "cached_prefill_speedup": speedup,
        "ttft_overhead_ms": overhead,
        "source": (
            f"{derived['source']} ({derived['framework']}, {derived['model']}, "
            f"{derived['hardware']}, concurrency 1): {short:,}-token prompt TTFT {short_ms:g} "
            f"ms, {long_:,}-token {long_ms:g} ms => marginal prefill {derived['value']} tok/s "
            f"(DERIVED in pricing.json/PRICING.md) and a fixed TTFT overhead of "
            f"{short_ms:g} - {short:,} / {prefill:g} s = {overhead:g} ms (DERIVED: the "
            f"intercept of TTFT against prompt length); ITL {itl_text} ms/token => "
            f"~{decode:g} tok/s decode; {caching['source']}: prompt caching cuts TTFT by up to "
            f"{reduction:.0%} => cached prefix {speedup:g}x faster (an upper bound). "
            "Self-hosted Llama-3.3-70B on 2x H100, not a hosted API: a rough default only"
        ),
        "as_of": f"{derived['source_date']}; {caching['source_date']}",
    }


def _prompt_tokens(conditions: str) -> int:
    """The prompt length of a NIM row, from its conditions ('5000 input / 500 output ...')."""
    match = re.match(r"\s*(\d+) input", conditions)
    if match is None:
        raise KeyError(f"NIM row without a prompt length: {conditions!r}")
    return int(match.group(1))


# --------------------------------------------------------------------------------------
# Check
# --------------------------------------------------------------------------------------
PRICE_FIELDS = ("input_usd_per_mtok", "cached_input_usd_per_mtok", "output_usd_per_mtok")
BASE_FIELDS = {  # catalog field -> pricing.json api_models field, copied as is
    "cache_write_usd_per_mtok": "cache_write_per_1m",
    "batch_input_usd_per_mtok": "batch_input_per_1m",
    "batch_output_usd_per_mtok": "batch_output_per_1m",
    "max_output_tokens": "max_output_tokens",
    "context_window": "context_window_tokens",
    "shutdown_date": "deprecation_date",
}
ZERO_CHECKED = (*PRICE_FIELDS, "cache_write_usd_per_mtok", *BASE_FIELDS)
FT_PRICE_FIELDS = (
    "training_usd_per_mtok",
    *PRICE_FIELDS,
    "batch_input_usd_per_mtok",
    "batch_output_usd_per_mtok",
    "hosting_usd_per_hour",
)
HOSTING = "fine_tuning.hosting_usd_per_hour"


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


def _stated_numbers(obj: Any) -> Iterator[float]:
    """Numbers, and the numbers written in text ("~0.88", "$0.30", "1,024 tokens").

    Addresses, dates and version numbers are not figures: they are dropped first.
    """
    if isinstance(obj, str):
        text = re.sub(
            r"\S*://\S*|\b(?:19|20)\d\d-(?:0[1-9]|1[0-2])(?:-\d\d)?\b|\d+(?:\.\d+){2,}", " ", obj
        )
        for match in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text):
            yield float(match.replace(",", ""))
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _stated_numbers(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from _stated_numbers(value)
    else:
        yield from _numbers(obj)


def _contains(numbers: set[float], value: float) -> bool:
    return any(math.isclose(value, n, rel_tol=0, abs_tol=1e-12) for n in numbers)


def _add_months(day: dt.date, months: int) -> dt.date:
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def horizon_end(as_of: str, months: int = DEFAULT_HORIZON_MONTHS) -> dt.date:
    """Last day a model must be served to be live ``months`` after ``as_of``.

    ``as_of`` is "YYYY-MM" (read as the month's last day, the latest date it describes)
    or "YYYY-MM-DD".
    """
    if len(as_of) == 7:
        year, month = int(as_of[:4]), int(as_of[5:7])
        start = dt.date(year, month, calendar.monthrange(year, month)[1])
    else:
        start = dt.date.fromisoformat(as_of[:10])
    return _add_months(start, months)


def liveness_problems(model: dict[str, Any], end: dt.date) -> list[str]:
    """Why a catalog entry is not served through ``end`` (empty when it is)."""
    problems = []
    ft = model["fine_tuning"] or {}
    for what, date in (("base", model["shutdown_date"]), ("tuned", ft.get("shutdown_date"))):
        if date is not None and dt.date.fromisoformat(date) <= end:
            problems.append(f"{what} model shuts down {date}, not after {end}")
    return problems


def _zero_is_stated(pricing: dict[str, Any], provider: str, path: str) -> bool:
    """Whether pricing.json states this number to be zero (Table 6)."""
    if provider == "OpenAI" and path == HOSTING:
        return all(
            o["hosting_fee_per_hour"] == 0
            for o in pricing["fine_tuning_offers"]
            if o["provider"] == "OpenAI"
        )
    words = STATED_ZEROS.get((provider, path))
    if words is None:
        return False
    offer = _offer(pricing, "Google Vertex AI" if provider == "Google" else provider)
    return words in json.dumps(offer, ensure_ascii=False)


def _ft_offer_of(pricing: dict[str, Any], provider: str, name: str) -> dict[str, Any]:
    if provider == "OpenAI":
        return _offer(pricing, "OpenAI", name)
    return _offer(pricing, "Google Vertex AI" if provider == "Google" else provider)


def _check_ranges(
    model: dict[str, Any], entry: dict[str, Any], pricing: dict[str, Any]
) -> list[str]:
    """Every range brackets its point value and both its ends trace to pricing.json."""
    name, provider = model["name"], model["provider"]
    problems: list[str] = []
    ft = model["fine_tuning"]
    offer = _ft_offer_of(pricing, provider, name) if ft is not None else {}
    caching = [r for r in pricing["rules_of_thumb"] if r["category"] == "caching"]
    prices = set(_stated_numbers(entry)) | set(_stated_numbers(offer))
    hourly = set(_stated_numbers(offer)) | set(_stated_numbers(pricing["gpu_hourly"]))
    paths = [r["path"] for r in model["ranges"]]
    if len(set(paths)) != len(paths):
        problems.append(f"{name}: more than one range for a path ({paths})")
    for r in model["ranges"]:
        path, low, high = r["path"], r["low"], r["high"]
        head, _, tail = path.partition(".")
        point = (ft or {}).get(tail) if tail else model.get(path)
        if head == "fine_tuning" and ft is None:
            problems.append(f"{name}: range {path} without a fine-tuning offer")
            continue
        if not low < high:
            problems.append(f"{name}: range {path} is not a range ({low:g}-{high:g})")
        if point is not None and not low <= point <= high:
            problems.append(f"{name}: {path}={point:g} outside its range {low:g}-{high:g}")
        if " vs " not in r["sources"]:
            problems.append(f"{name}: range {path} does not name both sides (' vs ')")
        if path == "min_cacheable_tokens":
            pool = set(_stated_numbers(caching)) | set(_numbers(entry))
            divisor = 1.0
        elif path == HOSTING:
            pool, divisor = hourly, float(ft["gpus_per_replica"] or 1)
        else:
            pool, divisor = prices, 1.0
        for end, value in (("low", low), ("high", high)):
            if value == 0:
                if not _zero_is_stated(pricing, provider, path):
                    problems.append(f"{name}: range {path} {end} is 0, a zero no source states")
            elif not _contains(pool, value / divisor):
                problems.append(f"{name}: range {path} {end}={value:g} not in pricing.json")
    return problems


def _coverage_problems(
    model: dict[str, Any], entry: dict[str, Any], pricing: dict[str, Any]
) -> list[str]:
    """Every disagreement the reference records about a catalog number has its range."""
    name = model["name"]
    paths = {r["path"] for r in model["ranges"]}
    needed: set[str] = set()
    for check in entry.get("cross_checks", []):
        for key, raw in check["values"].items():
            if not check["agrees_with_litellm"] or SCHEDULED_CHANGE.match(str(raw)):
                needed.update(CROSS_CHECK_FIELDS.get(key, (f"<unmapped {key}>",)))
    if name in CACHE_MIN_DISAGREEMENTS:
        needed.add("min_cacheable_tokens")
    ft = model["fine_tuning"]
    if ft is not None:
        offer = _ft_offer_of(pricing, model["provider"], name)
        if "disagree on training price" in (offer.get("notes") or ""):
            needed.add("fine_tuning.training_usd_per_mtok")
        if model["provider"] == "OpenAI":
            listed = offer["ft_inference_per_1m"]
            for side in ("input", "output"):
                if not math.isclose(listed[f"batch_{side}"], listed[side] * 0.5):
                    needed.add(f"fine_tuning.batch_{side}_usd_per_mtok")
        if model["provider"] in ("Fireworks AI", "Together AI"):
            needed.add(HOSTING)
        if model["provider"] == "Together AI":
            needed.add("fine_tuning.training_usd_per_mtok")
    return [f"{name}: disagreement on {p} has no range" for p in sorted(needed - paths)]


def _check_offer(
    model: dict[str, Any], entry: dict[str, Any], pricing: dict[str, Any]
) -> list[str]:
    name, provider, ft = model["name"], model["provider"], model["fine_tuning"]
    problems: list[str] = []
    offer = _ft_offer_of(pricing, provider, name)
    own = set(_numbers({k: v for k, v in entry.items() if k != "cross_checks"}))
    if provider == "OpenAI":
        pool = set(_numbers(offer))
    else:
        pool = set(_numbers(offer)) | own | set(_numbers(pricing["gpu_hourly"]))
    gpus = ft["gpus_per_replica"]
    for field in FT_PRICE_FIELDS:
        value = ft[field]
        if value is None:
            continue
        if field == "hosting_usd_per_hour" and gpus:
            value = value / gpus
        if value == 0:
            if not _zero_is_stated(pricing, provider, f"fine_tuning.{field}"):
                problems.append(f"{name}.fine_tuning.{field} is 0, a zero no source states")
            elif field == "hosting_usd_per_hour" and "zero hosting fee" not in ft["source"]:
                problems.append(f"{name}: hosting 0 without 'zero hosting fee' in its source")
        elif not _contains(pool, value):
            problems.append(f"{name}.fine_tuning.{field}={ft[field]} not in its offer")
    serving = ft["serving"] or []
    if not serving or len(set(serving)) != len(serving):
        problems.append(f"{name}: fine_tuning.serving must list distinct modes ({serving})")
    hosting = ft["hosting_usd_per_hour"]
    if "dedicated" in serving and not hosting > 0:
        problems.append(f"{name}: dedicated serving with no hosting fee")
    if "dedicated" not in serving and hosting != 0:
        problems.append(f"{name}: a hosting fee without dedicated serving")
    needs_gpu = bool({"dedicated", "self_hosted"} & set(serving))
    if needs_gpu != (ft["gpu"] is not None) or needs_gpu != (gpus is not None):
        problems.append(f"{name}: gpu/gpus_per_replica set iff dedicated or self-hosted")
    if ft["gpu"] is not None and ft["gpu"] not in json.dumps(pricing["gpu_hourly"]):
        problems.append(f"{name}: gpu {ft['gpu']!r} not in pricing.json gpu_hourly")
    if "self_hosted" in serving and model["params_b"] is None:
        problems.append(f"{name}: self-hosted tuned serving needs params_b")
    if gpus is not None:
        setups = {r["hardware"] for r in pricing["throughput"] if "inference" in r["kind"]}
        if gpus != _replica_gpus(model["params_b"]) or not any(
            h.startswith(f"{gpus}x H100") for h in setups
        ):
            problems.append(f"{name}: gpus_per_replica {gpus} not a measured serving setup")
    if ft["platform"] != PLATFORM.get(provider):
        problems.append(f"{name}: platform {ft['platform']!r}, expected {PLATFORM.get(provider)}")
    expected_shutdown = entry.get("deprecation_date") if provider == "OpenAI" else None
    if ft["shutdown_date"] != expected_shutdown:
        problems.append(f"{name}: fine_tuning.shutdown_date should be {expected_shutdown}")
    adapters = ft["max_adapters_per_deployment"]
    if adapters is not None and not _contains(set(_stated_numbers(offer)), adapters):
        problems.append(f"{name}: max_adapters_per_deployment {adapters} not in its offer")
    if ft["min_replicas"] != 1 or ft["requests_per_s_per_replica"] is not None:
        problems.append(f"{name}: min_replicas/requests_per_s_per_replica are not stated")
    if ft["min_examples"] is not None:
        rules = [r for r in pricing["rules_of_thumb"] if r["category"] == "data_size"]
        text = json.dumps(rules)
        if not re.search(rf"\b{ft['min_examples']}\b", text):
            problems.append(f"{name}: min_examples {ft['min_examples']} not in rules_of_thumb")
    return problems


def _default_problems(catalog: dict[str, Any]) -> list[str]:
    """Defaults are priced and live (base and tuned) through the horizon after as_of."""
    problems = []
    end = horizon_end(catalog["as_of"])
    for role in ("icl_model", "ft_model"):
        wanted = catalog["defaults"][role]
        model = next((m for m in catalog["models"] if m["name"] == wanted), None)
        if model is None:
            problems.append(f"defaults.{role} {wanted!r} not in the catalog (canonical names)")
            continue
        problems += [f"defaults.{role} {wanted}: {p}" for p in liveness_problems(model, end)]
        needed = ["input_usd_per_mtok", "output_usd_per_mtok"]
        if role == "ft_model":
            ft = model["fine_tuning"]
            if ft is None:
                problems.append(f"defaults.ft_model {wanted} is not tunable")
                continue
            needed += [f"fine_tuning.{f}" for f in ("training_usd_per_mtok", *needed)]
        for path in needed:
            head, _, tail = path.partition(".")
            value = model["fine_tuning"][tail] if tail else model[head]
            if value is None:
                problems.append(f"defaults.{role} {wanted}: {path} unpriced")
    return problems


def check(catalog: dict[str, Any], pricing: dict[str, Any]) -> list[str]:
    """Return a list of problems (empty when the catalog traces to pricing.json)."""
    problems: list[str] = []
    by_name = {MODEL_TABLE[e["model"]][0]: e for e in pricing["api_models"]}
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
        for field, source_field in BASE_FIELDS.items():
            if model[field] != entry.get(source_field):
                problems.append(f"{name}.{field} differs from pricing.json {source_field}")
        for field in ZERO_CHECKED:
            if model[field] == 0:
                problems.append(f"{name}.{field} is 0, a zero no source states")
        if model["cache_lifetime_minutes"] is not None:
            problems.append(f"{name}: cache_lifetime_minutes belongs in data/serving.json")
        if model["serving"] != _base_serving(model["kind"], model["params_b"]):
            problems.append(f"{name}: serving {model['serving']} does not follow its kind/size")
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
        problems += _check_ranges(model, entry, pricing)
        problems += _coverage_problems(model, entry, pricing)
        if model["fine_tuning"] is not None:
            problems += _check_offer(model, entry, pricing)
    if len(catalog["models"]) != len(pricing["api_models"]):
        problems.append("catalog does not cover every pricing.json api_models entry")
    problems += _default_problems(catalog)
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
