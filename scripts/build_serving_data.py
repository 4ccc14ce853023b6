"""Build the latency and serving-route data files from the shared reference, or check them.

Reads ``shared/reference/latency.json`` (LATENCY.md's machine-readable twin) and
``shared/reference/gpu.json`` (GPU.md's) and writes four files into
``src/strategy_advisor/data/``:

- ``hosted_latency.json``: per catalog model, time to first token at a short prompt (median;
  p95 through the tail ratio), output tokens/s and marginal prefill tokens/s, each a figure
  (low, point, high, evidence); the provider classes of LATENCY.md section 8 for models
  without measurements; aggregator hop, network, tail ratios, prompt caching's effect on
  TTFT and hidden reasoning tokens;
- ``replica_latency.json``: a dedicated or self-hosted replica's latency at low load and how
  it grows with load (OCI and NVIDIA NIM curves), and the LoRA overhead;
- ``gpu_offers.json``: GPU prices by provider and billing kind, scale-to-zero endpoints and
  cold starts, per-token LoRA offers, multi-LoRA capacity;
- ``gpu_memory.json``: memory fit of a model's weights and KV cache, and the measured
  throughput of 7-8B models on these GPUs.

The script holds no measured number. It holds the hand-curated facts the reference states
only in prose, each table with its basis: which catalog model a record measures (Table 1),
the provider classes (Table 2), which catalog models reason by default (Table 3), the GPU
names and the billing rules of each provider (Table 4). A figure's point is the median of
its used evidence, its ends the lowest and highest: where sources conflict both ends are
kept. Aggregator-routed times to first token are corrected by the aggregator hop, or left
out where the model has direct-route measurements (LATENCY.md section 5).

``--check`` verifies, without writing, that every number in the files on disk traces to a
record of the reference (a field, a number its text states, or arithmetic on those that the
file spells out), that every figure is the stated rule applied to its evidence, and that
the files are what the script would write now.

Usage::

    python scripts/build_serving_data.py                 # (re)write the four files
    python scripts/build_serving_data.py --check         # verify the files on disk
    python scripts/build_serving_data.py --reference DIR --out DIR
"""

from __future__ import annotations

import argparse
import ast
import itertools
import json
import math
import operator
import re
import statistics
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference"
DEFAULT_OUT = REPO / "src/strategy_advisor/data"
CATALOG = REPO / "src/strategy_advisor/data/catalog.json"
FILES = ("hosted_latency.json", "replica_latency.json", "gpu_offers.json", "gpu_memory.json")
AS_OF = "2026-12"

Json = dict[str, Any]

# --------------------------------------------------------------------------------------
# Sources: a short key per source (LATENCY.md section 11, GPU.md section 9)
# --------------------------------------------------------------------------------------
SOURCE_KEYS = (
    ("0xmmo/forensics", "0X"),
    ("i-monitored-6-llm-apis", "JW7"),
    ("ttft-varies-13x", "JW13"),
    ("llm-bench-data data/2026-10", "JWOCT"),
    ("llm-api-latency-spikes", "MS24"),
    ("claude-vs-gpt4-vs-gemini", "MSA"),
    ("artificialanalysis.ai/methodology", "AAM"),
    ("artificialanalysis.ai", "AA"),
    ("benchlm.ai", "BL"),
    ("induwara.lk", "IND"),
    ("lattice.uptownhr", "LAT"),
    ("shadabchow", "SC"),
    ("bridgebench", "BB"),
    ("kunalganglani", "KG"),
    ("krabarena.org/claims/557140f7", "KR1"),
    ("krabarena.org/claims/56758f67", "KR2"),
    ("krabarena.com/claims/of-7", "KR3"),
    ("i6eal.de", "I6"),
    ("community.openai.com", "TA"),
    ("newmen.ai", "NM"),
    ("llmperf-leaderboard", "LP"),
    ("docs.oracle.com", "OCI"),
    ("openai-cookbook", "OCB"),
    ("developers.openai.com/docs/guides/prompt-caching", "OPC"),
    ("swipeinsight", "ANL"),
    ("same as previous row", "ANL"),
    ("runalph.ai", "ACB45"),
    ("anthropic-cookbook", "ACB"),
    ("learn.microsoft.com", "MSL"),
    ("platform.claude.com", "ANT"),
    ("llm-gateway-bench", "GWB"),
    ("openrouter.ai/docs", "ORD"),
    ("docs.fireworks.ai/fine-tuning/deploying-loras", "FWD"),
    ("vllm/pull/15655", "VL1"),
    ("vllm/issues/10062", "VL2"),
    ("vllm/issues/3316", "VL3"),
    ("vllm-ascend/issues/3930", "VL4"),
    ("vllm/issues/13204", "VL5"),
    ("vllm/issues/9452", "VL6"),
    ("PRICING.md section 4", "NIM70"),
    ("tsaol/aws-gpu", "VANT"),
    ("factualminds", "FM"),
    ("skypilot-catalog catalogs/v7/aws", "SKY"),
    ("skypilot-catalog catalogs/v7/lambda", "SKY-L"),
    ("skypilot-catalog catalogs/v7/runpod", "SKY-R"),
    ("silybench", "SILY"),
    ("datareceipts", "DR"),
    ("lambda-labs", "LAM"),
    ("modal-com", "MOD"),
    ("hf-endpoints-documentation", "HF"),
    ("replicate", "REP"),
    ("runpod/docs", "RPS"),
    ("predibase", "PB"),
    ("GKE_G2_STANDARD_4", "GKE"),
    ("TensorRT-LLM", "TRT"),
    ("docs.nvidia.com/nim", "NIM"),
    ("llm-price-compass", "APC"),
    ("vllm-project/vllm/issues/4030", "VL4030"),
    ("vector-inference", "VEC"),
    ("S-LoRA", "SLORA"),
    ("melange", "MEL"),
    ("mako", "MAKO"),
    ("deepinfra", "DI"),
    ("docs.together.ai", "TOG"),
    ("docs.coreweave.com", "CW"),
    ("docs.aws.amazon.com", "AWSD"),
    ("cloud.google.com", "GCPD"),
    ("docs.fireworks.ai/serverless", "FWS"),
    ("tensorfuse", "TF"),
    ("infinitylogesh", "VLS"),
    ("modal.com/docs", "MODD"),
    ("lorax", "LORAX"),
    ("sglang", "SGL"),
    ("hexdocs.pm/vllm", "VLD"),
)


class Sources:
    """Source keys handed out as records are cited; the full text goes into the file."""

    def __init__(self) -> None:
        self.table: dict[str, str] = {}

    def key(self, text: str) -> str:
        if not text:
            text = "(no source: the reference states this is not found)"
        base = next((k for needle, k in SOURCE_KEYS if needle.lower() in text.lower()), "SRC")
        for suffix in ("", *(f"-{i}" for i in range(2, 100))):
            key = base + suffix
            if self.table.get(key, text) == text:
                self.table[key] = text
                return key
        raise KeyError(f"too many distinct sources under {base}")


# --------------------------------------------------------------------------------------
# Numbers: rounding, medians, the arithmetic strings the check re-evaluates
# --------------------------------------------------------------------------------------
def r4(x: float) -> float:
    """Round to 6 decimals (and drop -0.0): the precision every derived number is kept at
    (enough for a price per GPU-second)."""
    value = round(float(x), 6)
    return 0.0 if value == 0 else value


def fmt(x: float) -> str:
    return repr(r4(x)) if r4(x) != int(r4(x)) else str(int(r4(x)))


def median(values: list[float]) -> float:
    return r4(statistics.median(values))


_OPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_FUNCS: dict[str, Callable[..., float]] = {
    "min": lambda *a: min(a),
    "max": lambda *a: max(a),
    "median": lambda *a: statistics.median(a),
    "round": lambda x, n=0: round(x, int(n)),
}


def evaluate(expr: str) -> tuple[float, list[float]]:
    """Evaluate an arithmetic string (numbers, + - * /, min/max/median/round) and return its
    value and the literal numbers it uses (round's digit counts excluded)."""
    literals: list[float] = []

    def walk(node: ast.AST, count: bool = True) -> float:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            if count:
                literals.append(float(node.value))
            return float(node.value)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand, count)
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return _OPS[type(node.op)](walk(node.left, count), walk(node.right, count))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in _FUNCS:
                args = [
                    walk(a, count and not (name == "round" and i == 1))
                    for i, a in enumerate(node.args)
                ]
                return float(_FUNCS[name](*args))
        raise ValueError(f"unsupported arithmetic: {expr!r}")

    return walk(ast.parse(expr, mode="eval")), literals


def arith(**parts: str) -> str:
    """'name = expression = result' for each part (the check re-evaluates each)."""
    out = []
    for name, expr in parts.items():
        value, _ = evaluate(expr)
        out.append(f"{name} = {expr} = {fmt(value)}")
    return "; ".join(out)


def parse_arith(text: str) -> dict[str, tuple[str, float]]:
    """{name: (expression, printed result)} of an arithmetic string."""
    parts: dict[str, tuple[str, float]] = {}
    for part in text.split("; "):
        name, expr, result = (s.strip() for s in part.split(" = "))
        parts[name] = (expr, float(result))
    return parts


def stated_numbers(obj: Any) -> Iterator[float]:
    """Numbers, and the numbers written in text ("~775 vs 231-280", "-8.4%", "1,024")."""
    if isinstance(obj, bool) or obj is None:
        return
    if isinstance(obj, (int, float)):
        yield float(obj)
    elif isinstance(obj, str):
        text = re.sub(r"\S*://\S*|@[0-9a-f]{6,}|\b(?:19|20)\d\d-\d\d(?:-\d\d)?\b", " ", obj)
        for match in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?", text):
            yield float(match.replace(",", ""))
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from stated_numbers(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from stated_numbers(value)


def latest_date(texts: list[str]) -> str:
    """The latest YYYY-MM(-DD) written in any of the texts, else 'undated'."""
    found = [d for t in texts for d in re.findall(r"\b20\d\d-\d\d(?:-\d\d)?\b", t)]
    return max(found, key=lambda d: (d[:7], d)) if found else "undated"


# --------------------------------------------------------------------------------------
# Evidence and figures
# --------------------------------------------------------------------------------------
class Ref:
    """One reference file's records, with the source keys they cite."""

    def __init__(self, name: str, records: list[Json], sources: Sources) -> None:
        self.name = name
        self.records = records
        self.sources = sources

    def ev(
        self,
        index: int,
        quantity: str,
        *,
        value: float | None = None,
        low: float | None = None,
        high: float | None = None,
        arithmetic: str | None = None,
        used: bool = True,
        in_point: bool = True,
        note: str | None = None,
        subject: str | None = None,
        expect: str | None = None,
    ) -> Json:
        """Evidence read from record ``index``: its field ``quantity``, or ``value`` (then
        stated by the record's text or computed by ``arithmetic``)."""
        rec = self.records[index]
        if expect is not None and expect not in json.dumps(rec):
            raise KeyError(f"{self.name} record {index} no longer mentions {expect!r}")
        v = rec[quantity] if value is None else value
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise ValueError(f"{self.name} record {index}: {quantity} is not a number: {v!r}")
        lo, hi = (v if low is None else low), (v if high is None else high)
        subj = subject or rec.get("model") or rec.get("gpu") or rec.get("provider") or "?"
        return {
            "subject": subj,
            "quantity": quantity,
            "low": r4(lo),
            "value": r4(v),
            "high": r4(hi),
            "record": index,
            "reference": self.name,
            "figure": None,
            "route": rec.get("route"),
            "measured_on": rec.get("measured_on") or "undated",
            "source": self.sources.key(rec.get("source", "")),
            "credibility": rec.get("credibility"),
            "arithmetic": arithmetic,
            "used": used,
            "in_point": in_point,
            "note": note,
        }


def figure_ev(
    where: str, fig: Json, quantity: str, *, in_point: bool = True, note: str | None = None
) -> Json:
    """Evidence that is another figure of the same file (its low, point, high)."""
    point = fig["point"]
    keys = where.split(" > ")
    return {
        "subject": keys[1] if len(keys) > 2 else keys[-1],
        "quantity": quantity,
        "low": fig["low"],
        "value": point if point is not None else fig["low"],
        "high": fig["high"],
        "record": None,
        "reference": None,
        "figure": where,
        "route": None,
        "measured_on": fig["as_of"],
        "source": "this file",
        "credibility": None,
        "arithmetic": None,
        "used": True,
        "in_point": in_point and point is not None,
        "note": note,
    }


RULE_SPREAD = "spread"
RULE_PRODUCT = "product"
RULES = {
    "spread": "low = the lowest low end, point = the median of the values, high = the highest "
    "high end of the used evidence; in_point=false items (bounds, claims) widen the range "
    "only; point is null when no item is in point (nothing central is published)",
    "product": "low, point and high = the products of the two evidence figures' low, point "
    "and high",
    "copy": "the low, point and high of the one figure its evidence names",
    "given": "your own measurement: low = point = high",
}


def spread(unit: str, basis: str, evidence: list[Json], *, found: bool = True) -> Json:
    """A figure from evidence: lowest low, median of the in-point values, highest high."""
    used = [e for e in evidence if e["used"]]
    if not used:
        raise ValueError(f"no used evidence for {basis}")
    lows = [e["low"] for e in used]
    highs = [e["high"] for e in used]
    points = [e["value"] for e in used if e["in_point"]]
    low, high = r4(min(lows)), r4(max(highs))
    point = median(points) if points else None

    def args(values: list[float]) -> str:
        return ", ".join(fmt(v) for v in values)

    parts = {"low": f"min({args(lows)})", "high": f"max({args(highs)})"}
    if points:
        parts["point"] = f"median({args(points)})"
    text = arith(**parts)
    if point is None:
        text += "; point = none (no in-point evidence: draw from the range)"
    return {
        "low": low,
        "point": point,
        "high": high,
        "unit": unit,
        "found": found,
        "basis": basis,
        "rule": RULE_SPREAD,
        "arithmetic": text,
        "as_of": latest_date([e["measured_on"] for e in used]),
        "evidence": evidence,
    }


def product(
    unit: str, basis: str, a: tuple[str, Json], b: tuple[str, Json], extra: list[Json] | None = None
) -> Json:
    """A figure that is the product of two figures of the file, end by end."""
    (pa, fa), (pb, fb) = a, b
    parts = {
        "low": f"{fmt(fa['low'])} * {fmt(fb['low'])}",
        "high": f"{fmt(fa['high'])} * {fmt(fb['high'])}",
    }
    point = None
    if fa["point"] is not None and fb["point"] is not None:
        parts["point"] = f"{fmt(fa['point'])} * {fmt(fb['point'])}"
        point = r4(fa["point"] * fb["point"])
    return {
        "low": r4(fa["low"] * fb["low"]),
        "point": point,
        "high": r4(fa["high"] * fb["high"]),
        "unit": unit,
        "found": fa["found"] and fb["found"],
        "basis": basis,
        "rule": RULE_PRODUCT,
        "arithmetic": arith(**parts),
        "as_of": latest_date([fa["as_of"], fb["as_of"]]),
        "evidence": [figure_ev(pa, fa, "factor"), figure_ev(pb, fb, "factor"), *(extra or [])],
    }


RULE_COPY = "copy"


def relabel(fig: Json, basis: str, where: str, quantity: str, *, found: bool | None = None) -> Json:
    """A figure taken over from another figure of the file (a class's, a sibling's)."""
    return {
        "low": fig["low"],
        "point": fig["point"],
        "high": fig["high"],
        "unit": fig["unit"],
        "found": fig["found"] if found is None else found,
        "basis": basis,
        "rule": RULE_COPY,
        "arithmetic": f"copied from {where}",
        "as_of": fig["as_of"],
        "evidence": [figure_ev(where, fig, quantity)],
    }


def path(*parts: str) -> str:
    """A figure's address in its file: keys joined by ' > ' (model names hold dots)."""
    return " > ".join(parts)


# ======================================================================================
# Hosted latency (hosted_latency.json)
# ======================================================================================

# Table 1. Which catalog model a latency record measures, read from the record's
# ``catalog_model`` text (latency.json; LATENCY.md section 1). Roles:
#   own            the model itself
#   own_minimal    the model at minimal reasoning effort (its answer path; section 4)
#   own_reasoning  the model with hidden reasoning on: time to first *answer* token, which
#                  enters the reasoning figures; its output speed is the model's
#   older_snapshot an older snapshot of the model: listed, not used
#   sibling        the closest sibling the reference lists (used where the model has no
#                  measurement of that quantity)
#   class:<name>   evidence for a provider class only (stale or upstream-unknown rows)
#   dedicated      a dedicated deployment (replica_latency.json)
#   ignore         not in the catalog, or another provider's deployment
# A record whose text is not in this table fails the build, naming it.
CLASS_OPEN_SMALL = "Open weights up to 16B, Together / Fireworks serverless"
CLASS_OPEN_LARGE = "Open weights 70B class, Together / Fireworks serverless"
OWN = "own"
RECORD_ROLES: dict[str, list[tuple[str, str]]] = {
    "gpt-5.4-mini": [("gpt-5.4-mini", OWN)],
    "gpt-4.1-nano": [("gpt-4.1-nano", OWN)],
    "gpt-4o-mini": [("gpt-4o-mini", OWN)],
    "claude-haiku-4-5": [("claude-haiku-4-5", OWN)],
    "gemini-2.5-flash": [("gemini-2.5-flash", OWN)],
    "gemini-3.x-flash (sibling of gemini-3.5/3.8-flash)": [
        ("gemini-3.5-flash", "sibling"),
        ("gemini-3.8-flash", "sibling"),
    ],
    "gemini-3.x-flash sibling": [("gemini-3.5-flash", "sibling"), ("gemini-3.8-flash", "sibling")],
    "sibling of gemini-2.5-flash-lite": [("gemini-2.5-flash-lite", "sibling")],
    "sibling of claude-haiku-4-5": [("claude-haiku-4-5", "sibling")],
    "sibling of gemini-2.5-flash": [("gemini-2.5-flash", "sibling")],
    "together/llama-3.3-70b-instruct-turbo (provider unknown)": [("", f"class:{CLASS_OPEN_LARGE}")],
    "mistral-small-latest (version not stated)": [("mistral-small-latest", OWN)],
    # openai/gpt-5.4 via OpenRouter: LATENCY.md section 1 lists it under gpt-5.4 itself. For
    # gpt-5.4-mini the reference's own worked example takes the class of small OpenAI
    # models (section 0), not this larger sibling.
    "sibling of gpt-5.4-mini / gpt-5.4": [("gpt-5.4", OWN)],
    "sibling of gpt-5.4": [("gpt-5.4", "sibling")],
    "claude-opus-4-6": [("claude-opus-4-6", OWN)],
    "claude-sonnet-4-6": [("claude-sonnet-4-6", OWN)],
    "sibling of claude-opus-4-6": [("claude-opus-4-6", "sibling")],
    "gemini-2.5-flash-lite": [("gemini-2.5-flash-lite", OWN)],
    "claude-sonnet-5-5": [("claude-sonnet-5-5", OWN)],
    "claude-opus-5-5": [("claude-opus-5-5", OWN)],
    "newer OpenAI sibling (not in catalog)": [("", "ignore")],
    "gpt-4o": [("gpt-4o", OWN)],
    "gpt-4.1-mini": [("gpt-4.1-mini", OWN)],
    "gpt-4.1": [("gpt-4.1", OWN)],
    "(not in catalog)": [("", "ignore")],
    "gemini-2.5-pro": [("gemini-2.5-pro", OWN)],
    "gpt-5 (reasoning effort minimal)": [("gpt-5", "own_minimal")],
    "o3": [("o3", OWN)],
    "gpt-4o (older snapshot)": [("gpt-4o", "older_snapshot")],
    "sibling of mistral-small-latest": [("mistral-small-latest", "sibling")],
    "ministral-8b-latest (version assumed)": [("ministral-8b-latest", OWN)],
    "gpt-5.4-mini (AA default reasoning config)": [("gpt-5.4-mini", "own_reasoning")],
    "gpt-5.4-nano (AA default reasoning config)": [("gpt-5.4-nano", "own_reasoning")],
    "mistral-small-latest (Small 4)": [("mistral-small-latest", OWN)],
    "ministral-8b-latest": [("ministral-8b-latest", OWN)],
    "o4-mini (effort high)": [("o4-mini", "own_reasoning")],
    "sibling of o4-mini": [("o4-mini", "sibling_reasoning")],
    "claude-sonnet-4-5": [("claude-sonnet-4-5", OWN)],
    "gpt-5-mini (effort minimal)": [("gpt-5-mini", "own_minimal")],
    "gpt-5-mini (minimal effort)": [("gpt-5-mini", "own_minimal")],
    "gpt-5.4": [("gpt-5.4", OWN)],
    "mistral-small-latest": [("mistral-small-latest", OWN)],
    "o4-mini": [("o4-mini", OWN)],
    "dedicated 70B serving reference": [("", "dedicated")],
}
for _provider in ("together", "fireworks"):
    for _size, _cls in (
        ("7b", CLASS_OPEN_SMALL),
        ("13b", CLASS_OPEN_SMALL),
        ("70b", CLASS_OPEN_LARGE),
    ):
        RECORD_ROLES[f"old sibling of {_provider} Llama 3.x {_size} (Llama-2 era, stale)"] = [
            ("", f"class:{_cls}")
        ]
for _provider in ("anyscale", "bedrock", "groq", "perplexity"):
    for _size in ("7b", "13b", "70b"):
        RECORD_ROLES[f"old sibling of {_provider} Llama 3.x {_size} (Llama-2 era, stale)"] = [
            ("", "ignore")
        ]

# How a request reached the model (latency.json ``route``): direct measurements are used as
# they are; aggregator-routed ones only where a model has no direct one, less the hop.
ROUTE_KIND = {
    "direct provider API": "direct",
    "direct": "direct",
    "direct (assumed; not stated)": "direct",
    "direct (assumed)": "direct",
    "direct regional endpoint": "direct",
    "direct or gateway": "direct",
    "OpenRouter": "aggregator",
    "aggregator": "aggregator",
    # the source subtracted its 337 ms proxy-and-router floor already (KR1)
    "OpenRouter (+proxy, subtracted)": "aggregator_less_337",
    # LATENCY.md section 9: "model ids look like OpenRouter ids"; taken as measured, with
    # the hop's correction as its low end
    "not stated (model ids look like OpenRouter ids)": "unclear",
    "router": "router",
    "dedicated endpoint": "dedicated",
}
# Output speeds that measure something else (LATENCY.md sections 1 and 6)
SPEED_EXCLUDED = {
    "TA": "tokens / total time over the whole request: includes TTFT (and reasoning for "
    "o-series), not the output speed after the first token",
    "NM": "mixed live router traffic (output lengths vary; Azure rows another provider)",
}

# Table 2. Provider classes (LATENCY.md section 8) for models without their own
# measurement of a quantity. A class figure spans its members' own (or sibling) figures,
# plus rows measured for the class only. Mistral and the two open-weight classes are not
# in section 8: they are formed here the same way, each with its basis.
CLASSES: dict[str, tuple[str, tuple[str, ...]]] = {
    "OpenAI mini/nano": (
        "LATENCY.md section 8 'OpenAI mini/nano, non-reasoning' (gpt-4.1-mini/nano, "
        "gpt-4o-mini, gpt-5.4-mini/nano at effort none); gpt-5-mini/-nano and o4-mini join "
        "it for their answer path, their hidden reasoning is added by the reasoning figures "
        "(section 4)",
        (
            "gpt-4.1-mini",
            "gpt-4.1-nano",
            "gpt-4o-mini",
            "gpt-5.4-mini",
            "gpt-5.4-nano",
            "gpt-5-mini",
            "gpt-5-nano",
            "o4-mini",
        ),
    ),
    "OpenAI larger": (
        "LATENCY.md section 8 'OpenAI larger (gpt-4o, gpt-4.1, gpt-5.4)'; gpt-5 and o3 join "
        "it for their answer path (reasoning added separately, section 4)",
        ("gpt-4o", "gpt-4.1", "gpt-5.4", "gpt-5", "o3"),
    ),
    "Google Flash / Flash-Lite": (
        "LATENCY.md section 8 'Google Flash / Flash-Lite (thinking off or default 2.5)'",
        ("gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-3.5-flash", "gemini-3.8-flash"),
    ),
    "Claude Haiku": (
        "LATENCY.md section 8 'Claude Haiku 4.5' (with its sibling Claude 3.5 Haiku's rows)",
        ("claude-haiku-4-5", "claude-haiku-5-5"),
    ),
    "Claude Sonnet": (
        "LATENCY.md section 8 'Claude Sonnet 4.6 / 5.5'",
        ("claude-sonnet-4-5", "claude-sonnet-4-6", "claude-sonnet-5-5"),
    ),
    "Claude Opus": (
        "LATENCY.md section 8 'Claude Opus 4.6 / 5.5' (with its sibling Opus 4.7's row)",
        ("claude-opus-4-5", "claude-opus-4-6", "claude-opus-5", "claude-opus-5-5"),
    ),
    "Mistral API": (
        "not in LATENCY.md section 8: Mistral's API models measured in section 1 (Small 4, "
        "Ministral 3 8B, and the sibling Small 3.1)",
        ("mistral-small-latest", "ministral-8b-latest", "mistral-large-latest"),
    ),
    CLASS_OPEN_SMALL: (
        "not in LATENCY.md section 8: current serverless figures for these providers are not "
        "found (section 10); the only measurements are Llama-2-7B/13B on Together and "
        "Fireworks in 2023 (llmperf, section 1), stale and flagged",
        (
            "together/llama-3.1-8b-instruct-turbo",
            "together/mistral-7b-instruct-v0.3",
            "together/qwen2.5-7b-instruct-turbo",
            "fireworks/llama-v3p1-8b-instruct",
            "fireworks/mistral-7b-instruct-v3",
            "fireworks/qwen3-8b",
        ),
    ),
    CLASS_OPEN_LARGE: (
        "not in LATENCY.md section 8: current serverless figures for these providers are not "
        "found (section 10); Llama-2-70B on Together and Fireworks in 2023 (llmperf, stale) "
        "and Llama 3.3 70B via OpenRouter with the upstream provider unknown (section 1)",
        (
            "together/llama-3.1-70b-instruct-turbo",
            "together/llama-3.3-70b-instruct-turbo",
            "together/qwen2.5-72b-instruct-turbo",
            "fireworks/llama-v3p3-70b-instruct",
            "fireworks/qwen2p5-72b-instruct",
        ),
    ),
}
ALL_HOSTED = "All hosted APIs"
# Class-only numbers a record states in its text (LATENCY.md section 8 uses them):
# (class, record, quantity, value, subject, note)
CLASS_EXTRA = (
    (
        "Claude Opus",
        61,
        "ttft_ms",
        "2.67 * 1000",
        "Claude Opus 4.1 (AA quoted)",
        "sibling Opus 4.1, stated in the Sonnet 4.5 row's notes (LATENCY.md sections 1 and 8)",
    ),
    (
        "Claude Opus",
        61,
        "output_tokens_per_s",
        "45",
        "Claude Opus 4.1 (AA quoted)",
        "sibling Opus 4.1, stated in the Sonnet 4.5 row's notes (LATENCY.md sections 1 and 8)",
    ),
)
_FIELD = {"ttft_ms": "ttft_ms_median", "output_tokens_per_s": "output_tokens_per_s_median"}

# Prefill-rate records (latency.json kind prefill_rate) by the record's model text
PREFILL_ROLES: dict[str, tuple[tuple[str, ...], str]] = {
    "gpt-5.4-mini": (("gpt-5.4-mini",), OWN),
    "gpt-4.1-nano": (("gpt-4.1-nano",), OWN),
    "gpt-4o-mini": (("gpt-4o-mini",), OWN),
    "claude-haiku-4-5": (("claude-haiku-4-5",), OWN),
    "gemini-2.5-flash": (("gemini-2.5-flash",), OWN),
    "gemini-3-flash-preview": (("gemini-3.5-flash", "gemini-3.8-flash"), "sibling"),
    "gemini-3.1-flash-lite": (("gemini-2.5-flash-lite",), "sibling"),
    "claude-sonnet-4-5": (("claude-sonnet-4-5",), OWN),
    "claude-3-5-sonnet-20240620": (("claude-sonnet-4-5",), "stale"),
}

EFFORTS = ("none", "minimal", "low", "medium", "high")

# Table 3. Reasoning by default (LATENCY.md section 4): (reasons by default, default
# effort, basis). True/False/None (not stated). 'aa_bound' models get an upper bound on
# hidden tokens from their AA time to first answer token at default settings.
_OPENAI_OLD = (
    "OpenAI: 'All models before gpt-5.1 default to medium reasoning effort, and do not "
    "support none' [MSL]"
)
_OPENAI_NEW = "OpenAI: 'gpt-5.1 defaults to none, which does not perform reasoning' [MSL]"
_NOT_REASONING = (
    "not a reasoning model: no hidden reasoning (curated; LATENCY.md measures it with no "
    "reasoning setting)"
)
_CLAUDE = "Anthropic: extended thinking is off unless enabled [ANT]"
_NOT_STATED = "whether it thinks by default is not stated in the reference"
REASONING: dict[str, tuple[bool | None, str | None, str]] = {
    **{
        m: (True, "medium", _OPENAI_OLD)
        for m in ("gpt-5", "gpt-5-mini", "gpt-5-nano", "o3", "o4-mini")
    },
    **{m: (False, "none", _OPENAI_NEW) for m in ("gpt-5.4", "gpt-5.4-mini", "gpt-5.4-nano")},
    **{
        m: (False, "none", _NOT_REASONING)
        for m in ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano")
    },
    "gemini-2.5-pro": (True, None, "Gemini 2.5 Pro thinks always [MSA]; effort not stated"),
    **{
        m: (None, None, _NOT_STATED)
        for m in (
            "gemini-2.5-flash",
            "gemini-2.5-flash-lite",
            "gemini-3.5-flash",
            "gemini-3.8-flash",
            "mistral-small-latest",
            "ministral-8b-latest",
            "mistral-large-latest",
        )
    },
    "fireworks/qwen3-8b": (
        True,
        None,
        "Qwen 3 thinks by default: its sibling Qwen 3 235B 'emits 286-434 reasoning tokens "
        "before output' on a short rewrite [KR1]",
    ),
}
# Upper bounds on hidden tokens at default settings: AA's first-answer time x output speed
AA_BOUND_RECORDS = {
    "gemini-2.5-flash": 52,
    "gemini-3.5-flash": 58,
    "gemini-3.8-flash": 58,
    "mistral-small-latest": 54,
    "ministral-8b-latest": 55,
}
# Records the latency build reads by position, with a word each must still contain.
R = {
    "hop_proxy": (140, "krabarena proxy"),
    "hop_paired": (142, "via OpenRouter vs direct"),
    "cross_region": (141, "cross-region"),
    "gateway": (143, "gateways on localhost"),
    "floors": (145, "TTFT floors"),
    "tail_lp": (148, "Llama-2"),
    "reasoning_none": (134, "reasoning_tokens"),
    "reasoning_default": (135, "gpt-5.1"),
    "claude_thinking": (136, "extended thinking"),
    "gpt5_minimal_ttft": (133, "GPT-5 (minimal)"),
    "gpt5_minimal_speed": (44, "GPT-5 (minimal)"),
    "o3_answer": (131, "o3"),
    "o3_speed": (45, "o3"),
    "o4mini_high": (56, "o4-mini (high)"),
    "o3mini": (57, "o3-mini"),
    "gpt54mini_aa": (50, "GPT-5.4 mini"),
    "gpt54nano_aa": (51, "GPT-5.4 nano"),
    "qwen3": (137, "Qwen 3 235B"),
    "not_found_tokens": (139, "NOT FOUND"),
    "cache_openai_1k": (124, "1024"),
    "cache_openai_150k": (125, "150k"),
    "cache_openai_claim": (126, "up to 80%"),
    "cache_claude_100k": (127, "100,000"),
    "cache_claude_10k": (128, "10,000"),
    "cache_sonnet45": (129, "187,363"),
    "cache_sonnet35": (130, "20.37"),
}


def rec_index(ref: Ref, name: str) -> int:
    index, needle = R[name]
    if needle not in json.dumps(ref.records[index]):
        raise KeyError(f"latency.json record {index} ({name}) no longer mentions {needle!r}")
    return index


def catalog_models() -> list[Json]:
    data = json.loads(CATALOG.read_text(encoding="utf-8"))
    models: list[Json] = data["models"]
    return models


# Units of the hosted figures
UNITS = {
    "ttft_ms": "ms",
    "output_tokens_per_s": "output tokens/s",
    "prefill_tokens_per_s": "prompt tokens/s",
    "ttft_tail_ratio": "TTFT p95/p50",
}


class Hosted:
    """Builds hosted_latency.json from latency.json."""

    def __init__(self, records: list[Json]) -> None:
        self.sources = Sources()
        self.ref = Ref("latency.json", records, self.sources)
        self.models = catalog_models()
        self.names = [m["name"] for m in self.models]
        missing = set(self.names) - {m for _, members in CLASSES.values() for m in members}
        missing -= {"gemini-2.5-pro"}  # no class in section 8: the all-hosted range
        if missing:
            raise KeyError(f"catalog models in no provider class (Table 2): {sorted(missing)}")
        self.roles: dict[str, list[tuple[int, str]]] = {}
        self.class_rows: dict[str, list[int]] = {}
        self.dedicated_rows: list[int] = []
        for index, rec in enumerate(records):
            text = rec.get("catalog_model")
            if rec["kind"] != "latency_measurement" or text is None:
                continue
            if text not in RECORD_ROLES:
                raise KeyError(
                    f"latency.json record {index}: catalog_model {text!r} not in "
                    "RECORD_ROLES (Table 1)"
                )
            for model, role in RECORD_ROLES[text]:
                if role.startswith("class:"):
                    self.class_rows.setdefault(role[6:], []).append(index)
                elif role == "dedicated":
                    self.dedicated_rows.append(index)
                elif role != "ignore":
                    if model not in self.names:
                        raise KeyError(f"Table 1 names {model!r}, not a catalog model")
                    if role == OWN and REASONING.get(model, (None, None, ""))[1] == "medium":
                        # at its default (medium) effort: the time to first answer token
                        # includes the hidden reasoning (AA: "TTFT = time to first answer")
                        role = "own_reasoning"
                    self.roles.setdefault(model, []).append((index, role))
        self.network = self._network()
        self.hop = self.network["aggregator_hop_ms"]
        self.floor = self.network["fastest_direct_ttft_ms"]["low"]

    # ---------------------------------------------------------------- network and tails
    def _network(self) -> Json:
        ev = self.ref.ev
        proxy, paired = rec_index(self.ref, "hop_proxy"), rec_index(self.ref, "hop_paired")
        hop = spread(
            "ms",
            "measured: the aggregator hop (LATENCY.md section 5): an OpenRouter round trip "
            "with no inference [KR3], and the same Flash-Lite prompt via OpenRouter against "
            "direct Vertex [KR1, KR2]",
            [
                ev(proxy, "value"),
                ev(
                    paired,
                    "value",
                    low=495,
                    value=519.5,
                    high=544,
                    arithmetic=arith(
                        low="775 - 280", value="median(775 - 280, 775 - 231)", high="775 - 231"
                    ),
                    note="DERIVED: raw ~775 ms via OpenRouter against 231-280 ms direct",
                ),
            ],
        )
        cross = rec_index(self.ref, "cross_region")
        gateway = rec_index(self.ref, "gateway")
        floors = rec_index(self.ref, "floors")
        return {
            "aggregator_hop_ms": hop,
            "cross_region_ms": spread(
                "ms",
                "measured: extra TTFT of a transatlantic hop, direct Vertex [KR2]",
                [
                    ev(
                        cross,
                        "value",
                        low=79,
                        value=102,
                        high=125,
                        arithmetic=arith(value="median(79, 125)"),
                    )
                ],
            ),
            "gateway_software_ms": spread(
                "ms",
                "measured: self-hosted gateway software on localhost [GWB]",
                [
                    ev(gateway, "value"),
                    ev(
                        gateway,
                        "value",
                        value=2.65,
                        subject="portkey-oss",
                        note="stated in the record's unit text",
                    ),
                ],
            ),
            "fastest_direct_ttft_ms": spread(
                "ms",
                "measured: the fastest direct-API TTFT observed at a tiny prompt (an upper "
                "bound on network + gateway + queue + minimal prefill) [0X]; no hosted call "
                "is taken as faster when an aggregator-routed figure is corrected",
                [ev(floors, "value")],
            ),
            "direct_fixed_overhead_ms": spread(
                "ms",
                "measured: minimum TTFT at prompts under 2k tokens, direct APIs [0X] "
                "(network + gateway + queue + minimal prefill, from the author's location)",
                [
                    ev(floors, "value", in_point=False),
                    *(
                        ev(
                            floors,
                            "value",
                            low=lo,
                            value=median([lo, hi]),
                            high=hi,
                            subject=who,
                            arithmetic=arith(value=f"median({lo}, {hi})"),
                        )
                        for who, lo, hi in (
                            ("gpt-5.4-mini", 226, 300),
                            ("gemini-2.5-flash", 289, 440),
                            ("claude-haiku-4-5", 391, 519),
                        )
                    ),
                ],
            ),
        }

    def _route(self, index: int) -> str:
        route = self.ref.records[index].get("route")
        if route not in ROUTE_KIND:
            raise KeyError(f"latency.json record {index}: unknown route {route!r}")
        return ROUTE_KIND[route]

    def _corrected(self, index: int, quantity: str, *, used: bool, note: str | None) -> Json:
        """An aggregator-routed time less the hop (clipped at the fastest direct TTFT)."""
        rec = self.ref.records[index]
        v = rec[quantity]
        kind = self._route(index)
        hop, floor = self.hop, fmt(self.floor)
        raw = f"({v} + 337)" if kind == "aggregator_less_337" else str(v)
        if kind == "unclear":
            parts = {
                "low": f"max({v} - {fmt(hop['high'])}, {floor})",
                "value": f"{v}",
                "high": f"{v}",
            }
            what = (
                "route not stated (ids look like OpenRouter's, LATENCY.md section 9): "
                "taken as measured, the hop's correction as its low end"
            )
        else:
            parts = {
                "low": f"max({raw} - {fmt(hop['high'])}, {floor})",
                "value": f"max({raw} - {fmt(hop['point'])}, {floor})",
                "high": f"max({raw} - {fmt(hop['low'])}, {floor})",
            }
            what = (
                "aggregator-routed: corrected by the aggregator hop (LATENCY.md section "
                "5), clipped at the fastest direct TTFT"
            )
            if kind == "aggregator_less_337":
                what += "; the source had subtracted a 337 ms proxy floor, added back first"
        values = {k: evaluate(e)[0] for k, e in parts.items()}
        return self.ref.ev(
            index,
            quantity,
            value=values["value"],
            low=values["low"],
            high=values["high"],
            arithmetic=arith(**parts),
            used=used,
            note="; ".join(x for x in (what, note) if x),
        )

    # ---------------------------------------------------------------- per-quantity evidence
    def _ttft_evidence(self, rows: list[tuple[int, str]]) -> list[Json]:
        """Median TTFT rows: direct ones used; aggregator ones only when none is direct."""
        direct, other, listed = [], [], []
        for index, role in rows:
            rec = self.ref.records[index]
            if rec.get("ttft_ms_median") is None:
                continue
            if role in ("own_reasoning", "sibling_reasoning"):
                listed.append(
                    self.ref.ev(
                        index,
                        "ttft_ms_median",
                        used=False,
                        note="time to first answer token with hidden reasoning on: enters the "
                        "reasoning figures, not this one",
                    )
                )
            elif role == "older_snapshot":
                listed.append(
                    self.ref.ev(
                        index, "ttft_ms_median", used=False, note="an older snapshot of the model"
                    )
                )
            elif self._route(index) == "direct":
                note = None
                if role == "own_minimal":
                    note = "at minimal reasoning effort (includes its hidden tokens, if any)"
                if rec.get("ttft_is_first_answer_token"):
                    note = "time to first answer token (no hidden reasoning by default)"
                direct.append(self.ref.ev(index, "ttft_ms_median", note=note))
            else:
                other.append(index)
        for index in other:
            listed.append(
                self._corrected(
                    index,
                    "ttft_ms_median",
                    used=not direct,
                    note="not used: direct-route figures exist" if direct else None,
                )
            )
        return direct + listed

    def _speed_evidence(self, rows: list[tuple[int, str]]) -> list[Json]:
        out = []
        for index, role in rows:
            rec = self.ref.records[index]
            speed = rec.get("output_tokens_per_s_median")
            if speed is None:
                continue
            key = self.sources.key(rec["source"])
            reason = SPEED_EXCLUDED.get(key.split("-")[0])
            if role == "older_snapshot":
                reason = "an older snapshot of the model"
            note = None
            if "20 output" in f"{rec.get('prompt_tokens')} {rec.get('notes')}":
                note = "<=20-token probes understate decode speed (LATENCY.md section 9)"
            if role in ("own_reasoning", "sibling_reasoning"):
                note = "measured with hidden reasoning on; the output speed is the model's"
            out.append(
                self.ref.ev(
                    index, "output_tokens_per_s_median", used=reason is None, note=reason or note
                )
            )
        return out

    def _ratio_evidence(self, rows: list[tuple[int, str]]) -> list[Json]:
        out = []
        for index, role in rows:
            rec = self.ref.records[index]
            p50, p95 = rec.get("ttft_ms_median"), rec.get("ttft_ms_p95")
            if p50 is None or p95 is None or role in ("own_reasoning", "older_snapshot"):
                continue
            expr = f"round({p95} / {p50}, 3)"
            note = None
            if self._route(index) != "direct":
                note = "aggregator-routed: the hop shifts both percentiles; kept (section 6)"
            out.append(
                self.ref.ev(
                    index,
                    "ttft_ms_p95",
                    value=evaluate(expr)[0],
                    arithmetic=arith(value=expr),
                    note=note,
                    subject=f"{rec['model']} p95/p50",
                )
            )
        return out

    def _floor_evidence(self, rows: list[tuple[int, str]]) -> list[Json]:
        return [
            self.ref.ev(i, "ttft_ms_floor")
            for i, role in rows
            if role == OWN and self.ref.records[i].get("ttft_ms_floor") is not None
        ]

    def _prefill_evidence(self) -> dict[str, list[tuple[str, Json]]]:
        """{model: [(role, evidence)]} from the prefill_rate records."""
        out: dict[str, list[tuple[str, Json]]] = {}
        for index, rec in enumerate(self.ref.records):
            if rec["kind"] != "prefill_rate":
                continue
            if rec["model"] not in PREFILL_ROLES:
                raise KeyError(
                    f"latency.json record {index}: prefill model {rec['model']!r} "
                    "not in PREFILL_ROLES"
                )
            targets, role = PREFILL_ROLES[rec["model"]]
            if isinstance(rec["value"], str):  # bounds "27,000-58,000"
                lo, hi = (float(x.replace(",", "")) for x in rec["value"].split("-"))
                e = self.ref.ev(
                    index,
                    "value",
                    low=lo,
                    value=median([lo, hi]),
                    high=hi,
                    arithmetic=arith(value=f"median({fmt(lo)}, {fmt(hi)})"),
                    used=role != "stale",
                    note="stale (2024): shows how fast this moved"
                    if role == "stale"
                    else "DERIVED bounds from one run (cached vs uncached)",
                )
            else:
                wide = re.search(r"Over 1k-101k: (\d+)", rec["notes"])
                assert wide is not None, index
                a, b = rec["value"], float(wide.group(1))
                e = self.ref.ev(
                    index,
                    "value",
                    low=min(a, b),
                    value=median([a, b]),
                    high=max(a, b),
                    arithmetic=arith(
                        low=f"min({fmt(a)}, {fmt(b)})",
                        value=f"median({fmt(a)}, {fmt(b)})",
                        high=f"max({fmt(a)}, {fmt(b)})",
                    ),
                    note="DERIVED fits of floor TTFT against prompt length, 1k-61k and "
                    "1k-101k tokens [0X]",
                )
            for target in targets:
                out.setdefault(target, []).append((role, e))
        return out

    # ---------------------------------------------------------------- figures

    def _evidence_for(self, quantity: str, rows: list[tuple[int, str]]) -> list[Json]:
        if quantity == "ttft_ms":
            return self._ttft_evidence(rows)
        if quantity == "output_tokens_per_s":
            return self._speed_evidence(rows)
        if quantity == "ttft_tail_ratio":
            return self._ratio_evidence(rows)
        raise KeyError(quantity)

    def _own(self, model: str, quantity: str) -> tuple[Json | None, list[Json]]:
        """The model's own (else sibling) figure, and its listed-but-unused evidence."""
        rows = self.roles.get(model, [])
        own_rows = [(i, r) for i, r in rows if not r.startswith("sibling")]
        sib_rows = [(i, r) for i, r in rows if r.startswith("sibling")]
        unit = UNITS[quantity]
        if quantity == "prefill_tokens_per_s":
            found = self.prefill.get(model, [])
            own = [e for role, e in found if role in (OWN, "stale")]
            sib = [e for role, e in found if role == "sibling"]
        else:
            own = self._evidence_for(quantity, own_rows)
            sib = self._evidence_for(quantity, sib_rows)
        if any(e["used"] for e in own):
            return spread(unit, f"measured: {model}", own), []
        if any(e["used"] for e in sib):
            names = ", ".join(sorted({e["subject"] for e in sib if e["used"]}))
            return spread(unit, f"sibling: {names} (LATENCY.md section 1)", own + sib), []
        return None, [e for e in own + sib]

    def _class_rows(self, name: str, quantity: str) -> list[Json]:
        rows = [(i, "class") for i in self.class_rows.get(name, [])]
        if quantity == "ttft_ms":
            out = []
            for index, _ in rows:
                rec = self.ref.records[index]
                if rec.get("ttft_ms_median") is None:
                    continue
                stale = "stale" in rec.get("catalog_model", "")
                note = (
                    "stale (2023-12): Llama-2 on the provider's serverless endpoint"
                    if stale
                    else None
                )
                if self._route(index) == "direct":
                    out.append(self.ref.ev(index, "ttft_ms_median", note=note))
                else:
                    out.append(self._corrected(index, "ttft_ms_median", used=True, note=note))
            return out
        if quantity == "prefill_tokens_per_s":
            return []
        evidence = self._evidence_for(quantity, rows)
        for e in evidence:
            if "stale" in str(self.ref.records[e["record"]].get("catalog_model")):
                e["note"] = "; ".join(x for x in ("stale (2023-12)", e["note"]) if x)
        return evidence

    def build(self) -> Json:
        self.prefill = self._prefill_evidence()
        quantities = ("ttft_ms", "output_tokens_per_s", "prefill_tokens_per_s")
        own: dict[str, dict[str, Json | None]] = {}
        unused: dict[str, dict[str, list[Json]]] = {}
        for model in self.names:
            own[model], unused[model] = {}, {}
            for q in quantities:
                own[model][q], unused[model][q] = self._own(model, q)

        measured = {m: {q: f for q, f in own[m].items() if f is not None} for m in own}
        fallback: Json = {
            "basis": "every hosted measurement: the range over all catalog models' own (or "
            "sibling) figures and the class-only rows, for a quantity a model's class has too "
            "little of (never a self-hosted GPU's)",
            "members": [],
        }
        for q in quantities:
            evidence = [
                figure_ev(path("models", m, q), measured[m][q], q)
                for m in self.names
                if q in measured[m]
            ]
            for name in CLASSES:
                evidence += [e for e in self._class_rows(name, q) if e["used"]]
            fallback[q] = spread(
                UNITS[q], f"all hosted measurements ({ALL_HOSTED})", evidence, found=False
            )
        fallback["ttft_tail_ratio"] = self._all_ratio()
        classes: dict[str, Json] = {}
        for name, (basis, members) in CLASSES.items():
            entry: Json = {"basis": basis, "members": list(members)}
            for q in (*quantities, "ttft_tail_ratio"):
                if q == "ttft_tail_ratio":
                    evidence = self._class_ratio_evidence(name, members)
                else:
                    evidence = self._class_evidence(name, members, q, measured)
                used = [e for e in evidence if e["used"]]
                wide = path("classes", ALL_HOSTED, q)
                if not used:
                    entry[q] = relabel(
                        fallback[q],
                        f"not found for class {name}: all hosted measurements",
                        wide,
                        q,
                        found=False,
                    )
                    continue
                if len(used) < 2 and used[0]["low"] == used[0]["high"]:
                    evidence.append(
                        figure_ev(
                            wide,
                            fallback[q],
                            q,
                            in_point=False,
                            note="one measurement in the class: its range is widened to all "
                            "hosted measurements",
                        )
                    )
                entry[q] = spread(UNITS[q], f"provider class: {name}", evidence)
            classes[name] = entry
        classes[ALL_HOSTED] = fallback

        efforts = self._efforts()
        models: Json = {}
        for spec in self.models:
            models[spec["name"]] = self._model_entry(spec, own, unused, classes, efforts)
        return {
            "schema_version": 1,
            "as_of": AS_OF,
            "source": (
                "shared/reference/latency.json and LATENCY.md (compiled 2026-12; 159 dated, "
                "sourced records) - every figure with its evidence; generated by "
                "scripts/build_serving_data.py"
            ),
            "assumptions": {
                "short_prompt_tokens": {
                    "value": 1000,
                    "basis": "the prompt length the 'short prompt' TTFT figures stand for: they "
                    "are measured at 1-token pings to <=2,000-token prompts ([0X] floors are the "
                    "median over sizes <=2k; AA's default is 1k or 10k); 1,000 is their middle. "
                    "At 30k-120k prompt tokens/s the choice moves TTFT by at most ~30 ms",
                },
            },
            "rules": RULES,
            "network": self.network,
            "e2e_tail_ratio": spread(
                "end-to-end p95/p50",
                "measured: end-to-end p95/p50 of fixed-length (150-token) outputs on hosted "
                "Llama-2 endpoints, 2023 [LP]: decode-dominated requests have a tighter tail "
                "than TTFT (LATENCY.md section 6)",
                [
                    self.ref.ev(
                        rec_index(self.ref, "tail_lp"),
                        "value",
                        low=1.04,
                        value=1.17,
                        high=1.38,
                        note="stated: e2e p95/p50 1.04-1.38 (median 1.17)",
                    )
                ],
            ),
            "cached_prefill_saving": self._caching(),
            "reasoning_tokens_by_effort": efforts,
            "classes": classes,
            "models": models,
            "sources": dict(sorted(self.sources.table.items())),
        }

    def _class_evidence(
        self, name: str, members: tuple[str, ...], q: str, measured: dict[str, dict[str, Json]]
    ) -> list[Json]:
        """Members' own (or sibling) figures, the siblings' rows of measured members, the
        class-only rows and the class extras."""
        evidence = []
        for m in members:
            fig = measured[m].get(q)
            if fig is None:
                continue
            evidence.append(figure_ev(path("models", m, q), fig, q))
            if fig["basis"].startswith("measured") and q != "prefill_tokens_per_s":
                siblings = [(i, r) for i, r in self.roles.get(m, []) if r.startswith("sibling")]
                evidence += [
                    e
                    for e in self._evidence_for(q, siblings)
                    if e["used"] and (q != "ttft_ms" or ROUTE_KIND.get(e["route"]) == "direct")
                ]
        evidence += self._class_rows(name, q)
        if name == "Claude Sonnet" and q == "prefill_tokens_per_s":
            evidence += [
                e for role, e in self.prefill.get("claude-sonnet-4-5", []) if role == "stale"
            ]
        for cls, index, quantity, expr, subject, note in CLASS_EXTRA:
            if cls == name and quantity == q:
                evidence.append(
                    self.ref.ev(
                        index,
                        _FIELD[q],
                        value=evaluate(expr)[0],
                        arithmetic=arith(value=expr) if "*" in expr else None,
                        subject=subject,
                        note=note,
                    )
                )
        return evidence

    def _class_ratio_evidence(self, name: str, members: tuple[str, ...]) -> list[Json]:
        evidence = []
        for m in members:
            evidence += self._ratio_evidence(self.roles.get(m, []))
        return evidence + self._class_rows(name, "ttft_tail_ratio")

    def _all_ratio(self) -> Json:
        rows = []
        for index, rec in enumerate(self.ref.records):
            key = self.sources.key(rec["source"]) if rec["kind"] == "latency_measurement" else ""
            if key in ("MS24", "JW7") and rec.get("ttft_ms_p95") is not None:
                rows.append((index, OWN))
        return spread(
            "TTFT p95/p50",
            "measured: every hosted model's TTFT p95/p50 (24 h direct [MS24]; 7 days via "
            "OpenRouter [JW7]); LATENCY.md section 6",
            self._ratio_evidence(rows),
        )

    def _caching(self) -> Json:
        ev, i = self.ref.ev, lambda n: rec_index(self.ref, n)
        openai = spread(
            "fraction of the cached part's prefill time saved",
            "measured: OpenAI cookbook, 2,300 runs: 67% faster TTFT at 150k+ tokens, where "
            "prefill dominates; the docs' 'up to 80%' is the high end (LATENCY.md section 3)",
            [
                ev(i("cache_openai_150k"), "value"),
                ev(i("cache_openai_claim"), "value", in_point=False, note="a claim ('up to')"),
                ev(
                    i("cache_openai_1k"),
                    "value",
                    used=False,
                    note="at 1,024 tokens the fixed overhead dominates the TTFT; the formula "
                    "applies the saving to the prefill part only, which reproduces a small gain",
                ),
            ],
        )
        anthropic = spread(
            "fraction of the cached part's prefill time saved",
            "measured: Anthropic launch (-79% at 100k tokens) and cookbook runs at ~187k tokens "
            "(LATENCY.md section 3)",
            [
                ev(i("cache_claude_100k"), "value"),
                ev(
                    i("cache_sonnet45"),
                    "value",
                    in_point=False,
                    note="total time of a non-streaming call (includes non-prefill work): a lower "
                    "bound on the prefill saving; the only current-model run",
                ),
                ev(i("cache_sonnet35"), "value", note="stale (2024-08, Claude 3.5 Sonnet)"),
                ev(
                    i("cache_sonnet35"),
                    "value",
                    value=evaluate("1 - 2.92 / 20.37")[0],
                    arithmetic=arith(value="1 - 2.92 / 20.37"),
                    note="stale (2024-10 version of the same notebook)",
                ),
                ev(
                    i("cache_claude_10k"),
                    "value",
                    used=False,
                    note="10k-token many-shot: the fixed overhead dominates the TTFT",
                ),
            ],
        )
        other = spread(
            "fraction of the cached part's prefill time saved",
            "not found for this provider: range over the OpenAI and Anthropic measurements",
            [
                figure_ev(path("cached_prefill_saving", "OpenAI"), openai, "saving"),
                figure_ev(path("cached_prefill_saving", "Anthropic"), anthropic, "saving"),
            ],
            found=False,
        )
        return {"OpenAI": openai, "Anthropic": anthropic, "other": other}

    def _bound(self, index: int, note: str) -> Json:
        """Hidden tokens before the first answer token at most: its time x output speed."""
        rec = self.ref.records[index]
        expr = f"{rec['ttft_ms_median']} * {rec['output_tokens_per_s_median']} / 1000"
        return self.ref.ev(
            index,
            "ttft_ms_median",
            value=evaluate(expr)[0],
            arithmetic=arith(value=expr),
            in_point=False,
            note=f"DERIVED upper bound: {note}",
        )

    def _efforts(self) -> Json:
        i = lambda n: rec_index(self.ref, n)  # noqa: E731
        unit = "hidden reasoning tokens per request"
        none = spread(
            unit,
            "measured: gpt-5.4-mini at default settings (effort none) returned "
            "reasoning_tokens 0 [0X]; 'none ... does not perform reasoning' [MSL]",
            [self.ref.ev(i("reasoning_none"), "value")],
        )
        not_found = (
            "not found: no measured distribution of reasoning tokens per request at "
            "this effort for short tasks (LATENCY.md section 4)"
        )
        qwen = self.ref.ev(
            i("qwen3"),
            "value",
            low=286,
            value=360,
            high=434,
            in_point=False,
            arithmetic=arith(value="median(286, 434)"),
            note="the only direct count on a short task (Qwen 3 235B, another "
            "vendor): 286-434 hidden tokens",
        )
        minimal = spread(
            unit,
            f"{not_found}; at most what fits in GPT-5's first-token time at minimal "
            "effort on AA's workload",
            [
                figure_ev(
                    path("reasoning_tokens_by_effort", "none"), none, "tokens", in_point=False
                ),
                self._bound(
                    i("gpt5_minimal_speed"),
                    "GPT-5 (minimal) first token at 890 ms and "
                    "80 tokens/s, all of it counted as reasoning",
                ),
            ],
            found=False,
        )
        medium = spread(
            unit,
            f"{not_found}; low: the one short-task count; high: o3's first answer at its "
            "default (medium) effort on AA's workload, all of the wait counted as reasoning",
            [
                qwen,
                self._bound(
                    i("o3_speed"),
                    "o3 at default (medium) effort, 22.99 s to the first answer at 108.1 tokens/s",
                ),
                self._bound(i("o3mini"), "o3-mini at AA's default effort"),
                self._bound(
                    i("gpt54mini_aa"),
                    "GPT-5.4 mini in AA's default reasoning config (effort not stated)",
                ),
                self._bound(
                    i("gpt54nano_aa"),
                    "GPT-5.4 nano in AA's default reasoning config (effort not stated)",
                ),
            ],
            found=False,
        )
        low = spread(
            unit,
            f"{not_found}; between none and the medium bound",
            [
                figure_ev(
                    path("reasoning_tokens_by_effort", "none"), none, "tokens", in_point=False
                ),
                figure_ev(
                    path("reasoning_tokens_by_effort", "medium"), medium, "tokens", in_point=False
                ),
            ],
            found=False,
        )
        high = spread(
            unit,
            f"{not_found}; high: o4-mini at high effort on AA's workload, all of the "
            "wait counted as reasoning",
            [
                qwen,
                self._bound(
                    i("o4mini_high"), "o4-mini (high), 21.9 s to the first answer at 161 tokens/s"
                ),
            ],
            found=False,
        )
        return {"none": none, "minimal": minimal, "low": low, "medium": medium, "high": high}

    def _reasoning(self, spec: Json, efforts: Json) -> Json:
        name = spec["name"]
        if name in REASONING:
            by_default, effort, basis = REASONING[name]
        elif spec["provider"] == "Anthropic":
            by_default, effort, basis = False, "none", _CLAUDE
        else:
            by_default, effort, basis = False, "none", _NOT_REASONING
        unit = "hidden reasoning tokens per request"
        if effort is not None:
            tokens = relabel(
                efforts[effort],
                f"{basis}: effort {effort}",
                path("reasoning_tokens_by_effort", effort),
                "tokens",
            )
        elif name == "fireworks/qwen3-8b":
            tokens = spread(
                unit,
                f"sibling: {basis}",
                [
                    self.ref.ev(
                        rec_index(self.ref, "qwen3"),
                        "value",
                        low=286,
                        value=360,
                        high=434,
                        in_point=False,
                        arithmetic=arith(value="median(286, 434)"),
                        note="hidden tokens of the sibling at its default thinking",
                    )
                ],
                found=False,
            )
        else:
            none = figure_ev(
                path("reasoning_tokens_by_effort", "none"),
                efforts["none"],
                "tokens",
                in_point=False,
            )
            if name in AA_BOUND_RECORDS:
                index = AA_BOUND_RECORDS[name]
                bound = self._bound(
                    index,
                    f"AA's time to first answer at default settings x "
                    f"output speed ({self.ref.records[index]['model']})",
                )
                why = "at most what fits in its first-answer time on AA's workload"
            else:
                bound = figure_ev(
                    path("reasoning_tokens_by_effort", "medium"),
                    efforts["medium"],
                    "tokens",
                    in_point=False,
                )
                why = "no figure: from none to the medium-effort bound"
                if by_default:
                    why = (
                        "its thinking on the monitoring pings is already in its measured "
                        "TTFT; on longer tasks not found: up to the medium-effort bound"
                    )
            tokens = spread(unit, f"{basis}; {why}", [none, bound], found=False)
        return {
            "reasons_by_default": by_default,
            "default_effort": effort,
            "basis": basis,
            "tokens_at_default": tokens,
        }

    def _model_entry(
        self, spec: Json, own: Json, unused: Json, classes: Json, efforts: Json
    ) -> Json:
        name = spec["name"]
        cls = next((c for c, (_, members) in CLASSES.items() if name in members), ALL_HOSTED)
        figures: Json = {}
        measured, from_class = [], []
        labels = {
            "ttft_ms": "TTFT median",
            "output_tokens_per_s": "output speed",
            "prefill_tokens_per_s": "prefill",
            "ttft_tail_ratio": "tail ratio",
        }
        for q in ("ttft_ms", "output_tokens_per_s", "prefill_tokens_per_s"):
            fig = own[name][q]
            if fig is None:
                source = classes[cls][q]
                fig = relabel(
                    source,
                    f"provider class: {cls}"
                    if source["found"]
                    else f"not found: {source['basis']}",
                    path("classes", cls, q),
                    q,
                    found=source["found"],
                )
                fig["evidence"] += unused[name][q]
                from_class.append(labels[q])
            else:
                measured.append(f"{labels[q]} ({fig['basis']})")
            figures[q] = fig
        own_ratio = self._ratio_evidence(
            [(i, r) for i, r in self.roles.get(name, []) if not r.startswith("sibling")]
        )
        class_ratio = classes[cls]["ttft_tail_ratio"]
        ratio_path = path("classes", cls, "ttft_tail_ratio")
        if any(e["used"] for e in own_ratio):
            ratio = spread(
                "TTFT p95/p50",
                f"measured: {name} (range: with its class {cls})",
                [*own_ratio, figure_ev(ratio_path, class_ratio, "ratio", in_point=False)],
            )
            measured.append("tail ratio (own p95/p50)")
        else:
            ratio = relabel(
                class_ratio,
                f"provider class: {cls}",
                ratio_path,
                "ratio",
                found=class_ratio["found"],
            )
            from_class.append(labels["ttft_tail_ratio"])
        published = [
            self.ref.ev(
                i, "ttft_ms_p95", used=False, note="published p95: enters through the tail ratio"
            )
            for i, role in self.roles.get(name, [])
            if self.ref.records[i].get("ttft_ms_p95") is not None and role == OWN
        ]
        p95 = product(
            "ms",
            "DERIVED: TTFT median x TTFT p95/p50",
            (path("models", name, "ttft_ms"), figures["ttft_ms"]),
            (path("models", name, "ttft_tail_ratio"), ratio),
            published,
        )
        floor_ev = self._floor_evidence(self.roles.get(name, []))
        floor = (
            spread("ms", f"measured: {name} (minimum TTFT, direct API, <=2k tokens)", floor_ev)
            if floor_ev
            else None
        )
        basis = []
        if measured:
            basis.append("measured: " + "; ".join(measured))
        if from_class:
            basis.append(f"provider class {cls}: " + ", ".join(from_class))
        return {
            "provider": spec["provider"],
            "aliases": spec["aliases"],
            "class": cls,
            "basis": " | ".join(basis),
            "ttft_floor_ms": floor,
            "ttft_ms": figures["ttft_ms"],
            "ttft_tail_ratio": ratio,
            "ttft_p95_ms": p95,
            "output_tokens_per_s": figures["output_tokens_per_s"],
            "prefill_tokens_per_s": figures["prefill_tokens_per_s"],
            "reasoning": self._reasoning(spec, efforts),
        }


# ======================================================================================
# Replica latency (replica_latency.json): dedicated and self-hosted replicas
# ======================================================================================
NIM_8B = range(83, 91)  # gpu.json: Llama-3.1-8B NIM 1.8.0 concurrency sweep
TRT_TTFT = 81  # gpu.json: TRT-LLM 0.9.0 batch-1 first-token latency, 7B
MELANGE = 97  # gpu.json: Melange cost-efficiency (the 40 ms TPOT statement)
A10G_SERVING = 92  # gpu.json: vLLM benchmark_serving on an A10G
LORA_RECORDS = {
    "fireworks": 150,
    "vl1": 152,
    "vl2": 153,
    "vl3": 154,
    "vl4": 155,
    "vl5": 156,
    "vl6": 157,
}
NIM70_PREFILL = 123


class Replica:
    """Builds replica_latency.json from latency.json and gpu.json."""

    def __init__(self, latency: list[Json], gpu: list[Json]) -> None:
        self.sources = Sources()
        self.lat = Ref("latency.json", latency, self.sources)
        self.gpu = Ref("gpu.json", gpu, self.sources)
        self.dedicated = [
            i
            for i, r in enumerate(latency)
            if r.get("catalog_model") == "dedicated 70B serving reference"
        ]

    def _curve_oci(self) -> Json:
        rows = []
        speeds = {i: self.lat.records[i]["output_tokens_per_s_median"] for i in self.dedicated}
        conc = {i: self.lat.records[i]["concurrency"] for i in self.dedicated}
        top = max(self.dedicated, key=lambda i: conc[i] * speeds[i])
        peak = f"{conc[top]} * {speeds[top]}"
        for i in self.dedicated:
            rec = self.lat.records[i]
            total = f"{conc[i]} * {speeds[i]}"
            util = f"round({total} / ({peak}), 4)"
            rows.append(
                {
                    "concurrency": conc[i],
                    "ttft_ms": rec["ttft_ms_median"],
                    "output_tokens_per_s": speeds[i],
                    "total_output_tokens_per_s": r4(evaluate(total)[0]),
                    "utilisation": r4(evaluate(util)[0]),
                    "record": i,
                    "reference": "latency.json",
                    "arithmetic": arith(total_output_tokens_per_s=total, utilisation=util),
                }
            )
        rec = self.lat.records[self.dedicated[0]]
        return {
            "setup": "Llama 3.3 70B, Oracle OCI dedicated AI cluster (1 Large Generic unit), "
            "prompts ~N(480, 240), responses ~N(300, 150) tokens; vendor-side (no WAN)",
            "params_b": 70.0,
            "gpu": "not stated (OCI 'Large Generic unit')",
            "source": self.sources.key(rec["source"]),
            "measured_on": rec["measured_on"],
            "points": rows,
        }

    def _curve_nim(self) -> Json:
        rows = []
        parsed = {}
        for i in NIM_8B:
            rec = self.gpu.records[i]
            m = re.search(
                r"concurrency (\d+); TTFT ([\d.]+) ms, ITL ([\d.]+) ms", rec["conditions"]
            )
            if m is None:
                raise KeyError(f"gpu.json record {i}: NIM concurrency row changed")
            parsed[i] = (int(m.group(1)), float(m.group(2)), m.group(3), rec["value"])
        top = max(parsed, key=lambda i: parsed[i][3])
        for i, (c, ttft, itl, total) in parsed.items():
            speed = f"1000 / {itl}"
            util = f"round({total} / {parsed[top][3]}, 4)"
            rows.append(
                {
                    "concurrency": c,
                    "ttft_ms": ttft,
                    "output_tokens_per_s": r4(evaluate(speed)[0]),
                    "total_output_tokens_per_s": total,
                    "utilisation": r4(evaluate(util)[0]),
                    "record": i,
                    "reference": "gpu.json",
                    "arithmetic": arith(output_tokens_per_s=speed, utilisation=util),
                }
            )
        rec = self.gpu.records[NIM_8B[0]]
        return {
            "setup": "Llama-3.1-8B-Instruct, NVIDIA NIM 1.8.0; GPU and prompt/output lengths "
            "not captured (likely H100: the page's 70B table is 2x H100 FP8)",
            "params_b": 8.0,
            "gpu": "not captured (likely H100 80GB)",
            "source": self.sources.key(rec["source"]),
            "measured_on": rec["measured_on"],
            "points": rows,
        }

    def _low_load_small(self) -> Json:
        gev = self.gpu.ev
        trt = self.gpu.records[TRT_TTFT]
        if "LLaMA 7B 14.1 / 80.1" not in trt["conditions"]:
            raise KeyError("gpu.json TRT first-token record changed")

        def prefill(a: str, b: str, who: str, prec: str) -> Json:
            expr = f"(2048 - 128) / ({b} - {a}) * 1000"
            return gev(
                TRT_TTFT,
                "value",
                value=evaluate(expr)[0],
                subject=who,
                arithmetic=arith(value=expr),
                note=f"DERIVED: batch-1 first token at 2,048 vs 128 prompt tokens, {prec}",
            )

        ttft_unit, pre_unit, out_unit = "ms", "prompt tokens/s", "output tokens/s per request"
        nim = self.gpu.records[NIM_8B[0]]
        itl = re.search(r"ITL ([\d.]+) ms", nim["conditions"])
        ttft1 = re.search(r"TTFT ([\d.]+) ms", nim["conditions"])
        assert itl is not None and ttft1 is not None
        h100 = {
            "ttft_ms": spread(
                ttft_unit,
                "measured: 7-8B at batch 1 on an H100 (TRT-LLM FP8 at "
                "128 prompt tokens; NIM Llama-3.1-8B at concurrency 1)",
                [
                    gev(TRT_TTFT, "value", value=6.5, subject="Mistral 7B, H100 FP8, 128 in"),
                    gev(
                        NIM_8B[0],
                        "value",
                        value=float(ttft1.group(1)),
                        subject="Llama-3.1-8B NIM, concurrency 1",
                        note="GPU not captured (likely H100); prompt length not captured",
                    ),
                ],
            ),
            "prefill_tokens_per_s": spread(
                pre_unit,
                "measured: TRT-LLM 0.9.0, Mistral 7B FP8 on an H100",
                [prefill("6.5", "32.4", "Mistral 7B, H100", "FP8")],
            ),
            "output_tokens_per_s": spread(
                out_unit,
                "measured: NIM Llama-3.1-8B at concurrency "
                "1 (GPU likely H100, precision not stated)",
                [
                    gev(
                        NIM_8B[0],
                        "value",
                        value=evaluate(f"1000 / {itl.group(1)}")[0],
                        arithmetic=arith(value=f"1000 / {itl.group(1)}"),
                        subject="Llama-3.1-8B NIM, concurrency 1",
                        note="DERIVED from the inter-token latency",
                    )
                ],
            ),
        }
        l40s = {
            "ttft_ms": spread(
                ttft_unit,
                "measured: TRT-LLM 0.9.0 FP8 at batch 1, 128 prompt tokens, on an L40S",
                [
                    gev(TRT_TTFT, "value", value=15.4, subject="Mistral 7B, L40S FP8, 128 in"),
                    gev(TRT_TTFT, "value", value=14.1, subject="LLaMA 7B, L40S FP8, 128 in"),
                ],
            ),
            "prefill_tokens_per_s": spread(
                pre_unit,
                "measured: TRT-LLM 0.9.0 FP8 on an L40S",
                [
                    prefill("15.4", "87.3", "Mistral 7B, L40S", "FP8"),
                    prefill("14.1", "80.1", "LLaMA 7B, L40S", "FP8"),
                ],
            ),
        }
        a100 = {
            "ttft_ms": spread(
                ttft_unit,
                "measured: TRT-LLM 0.9.0 FP16 at batch 1, 128 prompt tokens, on an A100",
                [gev(TRT_TTFT, "value", value=16.3, subject="Mistral 7B, A100 FP16, 128 in")],
            ),
            "prefill_tokens_per_s": spread(
                pre_unit,
                "measured: TRT-LLM 0.9.0 FP16 on an A100",
                [prefill("16.3", "139.6", "Mistral 7B, A100", "FP16")],
            ),
        }
        not_found_speed = spread(
            out_unit,
            "not found: no per-request decode speed of a 7-8B model at low load on this GPU; "
            "low: Melange finds L4 and A10G lose at a 40 ms time-per-output-token target (so "
            "they can be slower than 25 tokens/s per request); high: the NIM figure of an "
            "H100-class GPU, which no smaller GPU beats",
            [
                gev(
                    MELANGE,
                    "value",
                    value=evaluate("1000 / 40")[0],
                    in_point=False,
                    arithmetic=arith(value="1000 / 40"),
                    subject="Melange 40 ms TPOT target",
                    note="DERIVED: 1000 / 40 ms per output token",
                ),
                gev(
                    A10G_SERVING,
                    "value",
                    value=evaluate("1000 / 33.0")[0],
                    in_point=False,
                    arithmetic=arith(value="1000 / 33.0"),
                    subject="A10G, vLLM, 1,000 requests at once",
                    note="DERIVED: mean TPOT 33.0 ms under full load (model ~6.7B)",
                ),
                figure_ev(
                    path("low_load", "up_to_16b", "H100 80GB", "output_tokens_per_s"),
                    h100["output_tokens_per_s"],
                    "tokens/s",
                    in_point=False,
                ),
            ],
            found=False,
        )
        not_found_ttft = spread(
            ttft_unit,
            "not found for this GPU: between the fastest and the slowest batch-1 first token "
            "measured for a 7B (H100 FP8 at 128 prompt tokens; A100 FP16 at 2,048)",
            [
                gev(TRT_TTFT, "value", value=6.5, in_point=False, subject="H100 FP8, 128 in"),
                gev(TRT_TTFT, "value", value=139.6, in_point=False, subject="A100 FP16, 2,048 in"),
            ],
            found=False,
        )
        not_found_prefill = spread(
            pre_unit,
            "not found for this GPU: the range of the measured GPUs (A100 FP16 to H100 FP8); "
            "GPUs with less compute than an A100 (L4, T4, A10G) can be slower than its low end",
            [
                figure_ev(
                    path("low_load", "up_to_16b", "A100", "prefill_tokens_per_s"),
                    a100["prefill_tokens_per_s"],
                    "tokens/s",
                    in_point=False,
                ),
                figure_ev(
                    path("low_load", "up_to_16b", "H100 80GB", "prefill_tokens_per_s"),
                    h100["prefill_tokens_per_s"],
                    "tokens/s",
                    in_point=False,
                ),
            ],
            found=False,
        )
        l40s["output_tokens_per_s"] = not_found_speed
        a100["output_tokens_per_s"] = not_found_speed
        return {
            "H100 80GB": h100,
            "L40S 48GB": l40s,
            "A100": a100,
            "other": {
                "ttft_ms": not_found_ttft,
                "prefill_tokens_per_s": not_found_prefill,
                "output_tokens_per_s": not_found_speed,
            },
        }

    def _low_load_large(self) -> Json:
        first = self.lat.records[self.dedicated[0]]
        if first.get("concurrency") != 1:
            raise KeyError("the first OCI row is no longer concurrency 1")
        i = self.dedicated[0]
        return {
            "ttft_ms": spread(
                "ms",
                "measured: OCI Llama 3.3 70B dedicated, concurrency 1, vendor-side",
                [self.lat.ev(i, "ttft_ms_median")],
            ),
            "prefill_tokens_per_s": spread(
                "prompt tokens/s",
                "measured: NVIDIA NIM Llama-3.3-70B FP8 on 2x H100 at concurrency 1 "
                "(self-hosted; LATENCY.md prefill_reference)",
                [self.lat.ev(NIM70_PREFILL, "value")],
            ),
            "output_tokens_per_s": spread(
                "output tokens/s per request",
                "measured: OCI Llama 3.3 70B dedicated, concurrency 1",
                [self.lat.ev(i, "output_tokens_per_s_median")],
            ),
        }

    def _lora(self) -> Json:
        ev = self.lat.ev
        r = LORA_RECORDS

        def factor(
            index: int,
            expr: str,
            note: str,
            *,
            in_point: bool = True,
            low: str | None = None,
            high: str | None = None,
        ) -> Json:
            parts = {"value": expr}
            if low is not None and high is not None:
                parts = {"low": low, "value": expr, "high": high}
            vals = {k: evaluate(v)[0] for k, v in parts.items()}
            return ev(
                index,
                "value",
                value=vals["value"],
                low=vals.get("low"),
                high=vals.get("high"),
                arithmetic=arith(**parts),
                in_point=in_point,
                note=note,
            )

        return spread(
            "throughput with an unmerged LoRA adapter / without",
            "measured: unmerged (dynamically applied) LoRA in open-source servers, LATENCY.md "
            "section 7; a merged adapter has no overhead (see assumptions)",
            [
                factor(
                    r["vl1"],
                    "median(1 - 23.9 / 100, 1 - 8.4 / 100)",
                    "vLLM TPU multi-LoRA, Llama3.1-8B, inputs 128-8k: -8.4% to -23.9%",
                    low="1 - 23.9 / 100",
                    high="1 - 8.4 / 100",
                ),
                factor(
                    r["vl2"],
                    "1 - 50 / 100",
                    "vLLM, Llama-2-7B, one adapter, A100 40GB: 'up "
                    "to a 50% drop' in maximum throughput",
                    in_point=False,
                ),
                factor(
                    r["vl3"],
                    "round(400 / 780, 4)",
                    "vLLM, Qwen1.8B, 16 concurrent: merged avg 400 ms vs dynamic LoRA 780 ms",
                ),
                factor(
                    r["vl4"],
                    "round(29.4 / 52.5, 4)",
                    "vLLM-Ascend 910B, Qwen2.5-7B: 52.5 vs 29.4 tokens/s",
                ),
                factor(
                    r["vl5"],
                    "round(6.5 / 17.6, 4)",
                    "vLLM 0.7.0 eager mode, Qwen2.5-72B-AWQ: a worst case (no CUDA graphs)",
                    in_point=False,
                ),
                factor(
                    r["vl6"],
                    "round(37.93 / 83.56, 4)",
                    "vLLM 0.6.2 multi-LoRA, Qwen2.5-32B: "
                    "benchmark 37.93 s base vs 83.56 s with LoRA",
                ),
            ],
        )

    def build(self) -> Json:
        lat = self.lat
        fw = lat.records[LORA_RECORDS["fireworks"]]
        if "no overhead" not in fw["notes"]:
            raise KeyError("latency.json Fireworks LoRA record changed")
        return {
            "schema_version": 1,
            "as_of": AS_OF,
            "source": (
                "shared/reference/latency.json (LATENCY.md sections 5-7) and gpu.json (GPU.md "
                "section 2) - every figure with its evidence; generated by "
                "scripts/build_serving_data.py"
            ),
            "assumptions": {
                "merged_lora_throughput_factor": {
                    "value": 1,
                    "basis": "a merged adapter is the base model's weights: Fireworks, live "
                    "merge 'Inference performance matches the base model (no overhead)' [FWD]; "
                    "vLLM maintainers: merging removes the overhead [VL3]",
                },
            },
            "rules": RULES,
            "load_curves": {
                "OCI Llama 3.3 70B": self._curve_oci(),
                "NIM Llama-3.1-8B": self._curve_nim(),
            },
            "low_load": {"up_to_16b": self._low_load_small(), "70b": self._low_load_large()},
            "unmerged_lora_throughput_factor": self._lora(),
            "network_to_endpoint_ms": spread(
                "ms",
                "not found: client-to-endpoint network of a dedicated deployment (the OCI and "
                "NIM figures are vendor-side); low: gateway software on localhost [GWB]; high: "
                "the fastest direct hosted-API TTFT, which includes the network [0X]; add "
                "79-125 ms across the Atlantic [KR2]",
                [
                    lat.ev(rec_index(lat, "gateway"), "value", in_point=False),
                    lat.ev(rec_index(lat, "floors"), "value", in_point=False),
                ],
                found=False,
            ),
            "ttft_tail_ratio": spread(
                "TTFT p95/p50",
                "not found for dedicated deployments: the TTFT tail of open models on hosted "
                "providers at concurrency 5 (llmperf 2023, LATENCY.md section 6)",
                [
                    lat.ev(
                        rec_index(lat, "tail_lp"),
                        "value",
                        low=1.12,
                        value=1.52,
                        high=1.73,
                        note="stated: TTFT p95/p50 1.12-1.73 (median 1.52)",
                    )
                ],
                found=False,
            ),
            "e2e_tail_ratio": spread(
                "end-to-end p95/p50",
                "not found for dedicated deployments: end-to-end p95/p50 of fixed-length "
                "outputs on hosted open models (llmperf 2023, LATENCY.md section 6)",
                [
                    lat.ev(
                        rec_index(lat, "tail_lp"),
                        "value",
                        low=1.04,
                        value=1.17,
                        high=1.38,
                        note="stated: e2e p95/p50 1.04-1.38 (median 1.17)",
                    )
                ],
                found=False,
            ),
            "sources": dict(sorted(self.sources.table.items())),
        }


# ======================================================================================
# GPU offers (gpu_offers.json) and memory fit (gpu_memory.json)
# ======================================================================================

# Table 4a. Canonical GPU names, their memory (as the reference's labels state it) and the
# labels gpu.json gives them. A pooled serverless label (RunPod) names several GPUs.
GPUS: dict[str, tuple[int, tuple[str, ...]]] = {
    "T4 16GB": (16, ("T4 16GB",)),
    "RTX A4000-class 16GB": (16, ("A4000 / A4500 / RTX 4000 16GB",)),
    "L4 24GB": (24, ("L4 24GB", "L4 / A5000 / RTX 3090 24GB")),
    "A10G 24GB": (24, ("A10G 24GB",)),
    "A10 24GB": (24, ("A10 24GB",)),
    "RTX 4090 24GB": (24, ("RTX 4090 24GB", "RTX 4090 PRO 24GB")),
    "Quadro RTX 6000 24GB": (24, ("Quadro RTX 6000 24GB",)),
    "A100 40GB": (40, ("A100 40GB SXM", "A100 40GB")),
    "L40S 48GB": (48, ("L40S 48GB", "L40 / L40S / RTX 6000 Ada PRO 48GB")),
    "RTX 6000 Ada 48GB": (48, ("RTX 6000 Ada 48GB", "L40 / L40S / RTX 6000 Ada PRO 48GB")),
    "RTX A6000 48GB": (48, ("RTX A6000 48GB", "A6000 / A40 48GB")),
    "A100 80GB": (80, ("A100 80GB", "A100 80GB PCIe", "A100 80GB SXM")),
    "H100 80GB": (80, ("H100 80GB", "H100 80GB SXM", "H100 80GB PCIe", "H100 PRO 80GB")),
    "RTX PRO 6000 96GB": (96, ("RTX PRO 6000 96GB",)),
    "H200 141GB": (141, ("H200 141GB",)),
}
# Table 4b. How each provider bills (the reference's words; where it does not say, so).
BILLING = {
    "AWS": "per second, 60 s minimum (record notes: amnic.com EC2 pricing guide)",
    "Google Cloud": "per second after a 1-minute minimum (cloud.google.com/compute)",
    "Lambda": "per minute",
    "RunPod": "per second",
    "Nebius": "not stated in the reference",
    "Vast.ai": "not stated in the reference; marketplace prices move daily",
    "Azure": "not stated in the reference",
    "Modal": "per second while a container is active; CPU and RAM billed on top",
    "Hugging Face Inference Endpoints": "per minute while initializing and running",
    "Replicate": "per second (idle and setup billing of private deployments not read)",
    "RunPod Serverless": "per second from worker start to full stop, rounded up, including "
    "start time and the idle timeout",
    "Predibase": "not stated in the reference",
    "MAKO blog": "historical benchmark price",
    "Melange (paper artifact)": "historical benchmark price",
}
# Offers kept out of a GPU's price range: the same price twice, or a bigger host.
OUT_OF_RANGE = {
    4: "a larger host (g6e.2xlarge) of the same GPU: not another price of the GPU-hour",
    5: "a larger host (gr6.4xlarge) of the same GPU: not another price of the GPU-hour",
    9: "the same instance (g5.xlarge) and price as the vantage row: a corroboration",
}
HISTORICAL_KEYS = {
    "A10G_AWS": "A10G 24GB",
    "L40S_RunPod": "L40S 48GB",
    "A100_SXM_RunPod": "A100 80GB",
    "H100_SXM_RunPod": "H100 80GB",
    "A10G": "A10G 24GB",
    "A100-80GB": "A100 80GB",
}
# Table 4c. Per-token LoRA offers (gpu.json serverless_lora_offer records, GPU.md section 3)
# as the reference states them: status, bases, price rule, whether to price it by default.
LORA_OFFERS: dict[int, Json] = {
    102: {
        "offer": "Specialized Model Inference on Serverless",
        "status": "preview",
        "bases": ["GLM 5.3 Flash"],
        "price_rule": "the base model's per-token price, no deployment fee",
        "multiplier": None,
        "usd_per_mtok": None,
        "priced_by_default": False,
        "why": "preview only, and only for base GLM 5.3 Flash: not an offer to price by "
        "default (adapters on other bases 'can't be loaded onto serverless')",
        "limits": "LoRA rank <= 64; at most 3 adapters loaded per account per base; adapter "
        "load ~2-5 min, first request < 1 min",
    },
    103: {
        "offer": "LoRA on 7-8B bases",
        "status": "dedicated only",
        "bases": None,
        "price_rule": "per GPU-hour of a dedicated deployment, not per token",
        "multiplier": None,
        "usd_per_mtok": None,
        "priced_by_default": False,
        "why": "no per-token route: LoRA fine-tunes 'can only be deployed to on-demand "
        "(dedicated) deployments'",
        "limits": "live merge = base performance; multi-LoRA "
        "on one deployment with 'performance tradeoffs'",
    },
    104: {
        "offer": "LoRA adapter from Hugging Face on supported bases",
        "status": "available as of 2024-12-06",
        "bases": None,
        "price_rule": "1.5x the base model's per-token price",
        "multiplier": 1.5,
        "usd_per_mtok": None,
        "priced_by_default": False,
        "why": "DeepInfra's base per-token prices and its list of supported bases are not "
        "in the reference, and the offer is dated 2024-12",
        "limits": "rate limit shared by all adapters of one base; LoRA slower than base",
    },
    105: {
        "offer": "serverless LoRA",
        "status": "discontinued: fine-tunes and uploaded "
        "adapters run on dedicated endpoints (support article 2025-11-14, 2026 docs)",
        "bases": None,
        "price_rule": "not found",
        "multiplier": None,
        "usd_per_mtok": None,
        "priced_by_default": False,
        "why": "no serverless price in the reference; now dedicated only",
        "limits": "one LoRA-enabled dedicated endpoint serves many adapters of one base (beta)",
    },
    106: {
        "offer": "serverless LoRA from a W&B artifact",
        "status": "available (undated docs)",
        "bases": None,
        "price_rule": "not found",
        "multiplier": None,
        "usd_per_mtok": None,
        "priced_by_default": False,
        "why": "price and supported bases not found",
        "limits": None,
    },
    107: {
        "offer": "on-demand inference for custom Amazon Nova models",
        "status": "available (models trained after 2025-07-16)",
        "bases": ["Amazon Nova Pro", "Amazon Nova Lite", "Amazon Nova Micro"],
        "price_rule": "per token; amount not found",
        "multiplier": None,
        "usd_per_mtok": None,
        "priced_by_default": False,
        "why": "Nova models only; the price is not in the reference",
        "limits": "us-east-1",
    },
    108: {
        "offer": "tuned Gemini serving",
        "status": "not found",
        "bases": ["Gemini"],
        "price_rule": "not found",
        "multiplier": None,
        "usd_per_mtok": None,
        "priced_by_default": False,
        "why": "the per-token price of tuned-model serving is not in the reference",
        "limits": "serving limits 'Same as base Gemini model'",
    },
    109: {
        "offer": "shared serverless endpoints; private serverless serves unlimited adapters "
        "of one base",
        "status": "available (2026-06-20 sweep)",
        "bases": None,
        "price_rule": "~$0.20 per 1M tokens for small models (batch ~$0.50)",
        "multiplier": None,
        "usd_per_mtok": 0.2,
        "priced_by_default": False,
        "why": "LOW AUTHORITY: the source file states every figure in it is unverified; "
        "whether adapters cost the base price is not found",
        "limits": None,
    },
}
MEMORY = {"usable": 100, "vllm": 98, "kv": 99, "weights_14gb": 101}
TRT_TABLES = (
    ("Mistral 7B", "L40S 48GB", "FP8", range(69, 73)),
    ("LLaMA 7B (Llama-2)", "L40S 48GB", "FP8", range(73, 77)),
    ("Mistral 7B", "A100 (memory size not stated)", "FP16", range(77, 81)),
)


def canonical_gpu(label: str) -> list[str]:
    return [name for name, (_, labels) in GPUS.items() if label in labels]


class Routes:
    """Builds gpu_offers.json and gpu_memory.json from gpu.json."""

    def __init__(self, gpu: list[Json], latency: list[Json]) -> None:
        self.sources = Sources()
        self.ref = Ref("gpu.json", gpu, self.sources)
        self.lat = Ref("latency.json", latency, self.sources)

    # ---------------------------------------------------------------- offers
    def _offer(
        self,
        index: int,
        gpu: str,
        kind: str,
        usd_h: float,
        *,
        product: str,
        usd_s: float | None = None,
        arithmetic: str | None = None,
        in_range: bool = True,
        note: str | None = None,
        provider: str | None = None,
        measured_on: str | None = None,
    ) -> Json:
        rec = self.ref.records[index]
        prov = provider or rec["provider"]
        low_auth = "LOW AUTHORITY" in (rec.get("notes", "") + rec.get("conditions", ""))
        return {
            "gpu": gpu,
            "label": rec.get("gpu"),
            "provider": prov,
            "product": product,
            "kind": kind,
            "usd_per_gpu_hour": r4(usd_h),
            "usd_per_gpu_second": usd_s,
            "billing": BILLING.get(prov, "not stated in the reference"),
            "scales_to_zero": kind == "serverless" or prov == "Hugging Face Inference Endpoints",
            "low_authority": low_auth,
            "in_range": in_range,
            "record": index,
            "reference": "gpu.json",
            "arithmetic": arithmetic,
            "measured_on": measured_on or rec["measured_on"],
            "source": self.sources.key(rec["source"]),
            "note": note,
        }

    def offers(self) -> list[Json]:
        out: list[Json] = []
        for i, rec in enumerate(self.ref.records):
            kind = rec["kind"]
            if not kind.startswith("gpu_price") or kind == "gpu_price_serverless_hourly_equiv":
                continue
            value, cond = rec["value"], rec["conditions"]
            if kind == "gpu_price_on_demand" and isinstance(value, dict):
                for key, price in value.items():
                    out.append(
                        self._offer(
                            i,
                            HISTORICAL_KEYS[key],
                            "historical",
                            price,
                            product=f"{key} ({cond})",
                            in_range=False,
                            note="older snapshot used by a benchmark",
                        )
                    )
                continue
            gpus = canonical_gpu(rec["gpu"])
            if not gpus:
                raise KeyError(f"gpu.json record {i}: GPU label {rec['gpu']!r} not in GPUS")
            for gpu in gpus:
                out += self._record_offers(i, gpu)
        return out

    def _record_offers(self, i: int, gpu: str) -> list[Json]:
        rec = self.ref.records[i]
        kind, value, cond, notes = rec["kind"], rec["value"], rec["conditions"], rec["notes"]
        o = self._offer
        if kind == "gpu_price_on_demand":
            if isinstance(value, list) and rec["provider"] == "RunPod":
                return [
                    o(
                        i,
                        gpu,
                        "on_demand",
                        p,
                        product=f"RunPod Pod A100 80GB {what}",
                        measured_on=when,
                    )
                    for p, what, when in (
                        (1.19, "PCIe, Community Cloud", "2026-09-25"),
                        (1.39, "SXM, Community Cloud", "2026-09-25"),
                        (1.59, "Secure Cloud", "2026-09-25"),
                        (1.79, "Secure Cloud", "2026-11-09"),
                    )
                ]
            if isinstance(value, list):
                return [
                    o(
                        i,
                        gpu,
                        "on_demand",
                        6.1489,
                        product="Vast.ai marketplace median, H100 SXM",
                        measured_on="2026-10-07",
                    ),
                    o(
                        i,
                        gpu,
                        "on_demand",
                        2.4024,
                        product="Vast.ai marketplace median, H100 SXM",
                        measured_on="2026-10-19",
                    ),
                ]
            arithmetic = None
            derived = re.search(r"DERIVED: ([\d.]+)/(\d+)", notes)
            if derived:
                arithmetic = arith(value=f"round({derived.group(1)} / {derived.group(2)}, 4)")
            product = cond.split(";")[0]
            offers = [
                o(
                    i,
                    gpu,
                    "on_demand",
                    value,
                    product=product,
                    arithmetic=arithmetic,
                    in_range=i not in OUT_OF_RANGE,
                    note=OUT_OF_RANGE.get(i),
                )
            ]
            reserved = re.search(r"'reserved' column in the same file: ([\d.]+)", notes)
            if reserved:
                offers.append(
                    o(
                        i,
                        gpu,
                        "reserved",
                        float(reserved.group(1)),
                        product=f"{product} (reserved, term not stated)",
                    )
                )
            secure = re.search(r"\(Secure ([\d.]+)\)", cond)
            if secure:
                offers.append(
                    o(
                        i,
                        gpu,
                        "on_demand",
                        float(secure.group(1)),
                        product=f"{product.replace('Community', 'Secure')}",
                    )
                )
            if i == 22:  # skypilot Lambda catalog: the 8x A100 40GB per-GPU price too
                offers.append(
                    o(
                        i,
                        "A100 40GB",
                        "on_demand",
                        1.29,
                        product="Lambda gpu_8x_a100 (40GB) per GPU, older catalog",
                        note="older snapshot (GPU.md section 7 conflict)",
                    )
                )
            if i == 22:
                offers[0]["note"] = "older snapshot (GPU.md section 7 conflict: $1.09 in 2026-09)"
            if i == 27:  # skypilot RunPod catalog: the RTX 4090 secure and spot prices
                offers += [
                    o(
                        i,
                        "RTX 4090 24GB",
                        "on_demand",
                        0.69,
                        product="RunPod 1x RTX 4090 SECURE, older catalog",
                    ),
                    o(
                        i,
                        "RTX 4090 24GB",
                        "spot",
                        0.34,
                        product="RunPod 1x RTX 4090 spot, older catalog",
                    ),
                ]
            if i == 12:
                offers.append(o(i, gpu, "spot", 6.571, product="GCP a3-highgpu-1g spot"))
            return offers
        if kind == "gpu_price_spot":
            if isinstance(value, list):
                return [
                    o(i, gpu, "spot", p, product=f"AWS g6e.xlarge spot, us-west-2 {az}")
                    for p, az in ((0.7915, "usw2-az2"), (0.8456, "usw2-az3"), (1.1541, "usw2-az4"))
                ]
            return [o(i, gpu, "spot", value, product=cond)]
        if kind == "gpu_price_serverless_per_second":
            if isinstance(value, dict):
                return [
                    o(
                        i,
                        gpu,
                        "serverless" if k == "flex" else "serverless_active",
                        evaluate(f"{v} * 3600")[0],
                        usd_s=v,
                        arithmetic=arith(value=f"{v} * 3600"),
                        product=f"RunPod Serverless {rec['gpu']} ({k} worker)",
                        note="flex workers scale to zero; active workers are always on",
                    )
                    for k, v in value.items()
                ]
            return [
                o(
                    i,
                    gpu,
                    "serverless",
                    evaluate(f"{value} * 3600")[0],
                    usd_s=value,
                    arithmetic=arith(value=f"{value} * 3600"),
                    product=f"{rec['provider']} {rec['gpu']}",
                    note="GPU only; CPU and RAM extra" if rec["provider"] == "Modal" else None,
                )
            ]
        if kind == "gpu_price_managed_endpoint":
            return [o(i, gpu, "managed_endpoint", value, product=cond.split(";")[0])]
        raise KeyError(f"gpu.json record {i}: unhandled price kind {kind!r}")

    def _price_figure(self, gpu: str, kind: str, offers: list[Json]) -> Json | None:
        mine = [x for x in offers if x["gpu"] == gpu and x["kind"] == kind]
        if not mine:
            return None
        evidence = [
            self.ref.ev(
                x["record"],
                "value",
                value=x["usd_per_gpu_hour"],
                subject=f"{x['provider']}: {x['product']}",
                arithmetic=x["arithmetic"],
                used=x["in_range"],
                in_point=not x["low_authority"],
                note="; ".join(
                    n
                    for n in (
                        "low authority: widens the range only" if x["low_authority"] else None,
                        x["note"],
                    )
                    if n
                )
                or None,
            )
            for x in mine
        ]
        if not any(e["used"] for e in evidence):
            return None
        return spread(
            "USD per GPU-hour",
            f"measured: {kind.replace('_', '-')} offers for {gpu} (GPU.md section 1)",
            evidence,
        )

    # ---------------------------------------------------------------- scale to zero
    def _cold_starts(self) -> dict[str, Json]:
        ev = self.ref.ev

        def rec(provider: str, kind: str) -> int:
            return next(
                i
                for i, r in enumerate(self.ref.records)
                if r["kind"] == kind and r.get("provider") == provider
            )

        tf, vls = rec("Tensorfuse (self-hosted K8s)", "cold_start"), None
        vls = next(
            i
            for i, r in enumerate(self.ref.records)
            if r["kind"] == "cold_start" and "vllm-serverless" in r["source"]
        )
        rps = rec("RunPod Serverless", "scale_to_zero")
        cold = "61 + 33 + 10 + 42 + 54 + 94"
        cached = "0 + 18 + 10 + 13 + 7 + 34"
        tf_cold = ev(
            tf,
            "value",
            value=evaluate(cold)[0],
            arithmetic=arith(value=cold),
            subject="vLLM Llama-3.1-8B on an L40S (Kubernetes), cold",
            note="DERIVED: the sum of the steps",
        )
        tf_cached = ev(
            tf,
            "value",
            value=evaluate(cached)[0],
            arithmetic=arith(value=cached),
            subject="the same with the cache persisted",
            note="DERIVED: the sum",
        )
        modal = [
            ev(
                vls,
                "value",
                value=460,
                subject="Modal vLLM server, baseline",
                note="model size not captured",
            ),
            ev(
                vls,
                "value",
                value=70,
                subject="Modal vLLM server, sleep mode + GPU memory snapshots (alpha)",
                note="model size not captured",
            ),
        ]
        runpod = ev(
            rps,
            "value",
            low=evaluate("3 * 60")[0],
            value=evaluate("median(3, 10) * 60")[0],
            high=evaluate("10 * 60")[0],
            arithmetic=arith(low="3 * 60", value="median(3, 10) * 60", high="10 * 60"),
            subject="RunPod Serverless, first request to a new endpoint",
            note="'may take 3-10 minutes' (provisioning, dependencies, model download); "
            "FlashBoot, on by default, has no number",
        )
        unit = "seconds until a scaled-to-zero vLLM 7-8B server answers"
        return {
            "any": spread(
                unit,
                "measured: vLLM 7-8B server cold starts (GPU.md section 4)",
                [tf_cold, tf_cached, *modal, runpod],
            ),
            "Modal": spread(unit, "measured: a private vLLM server on Modal", modal),
            "RunPod Serverless": spread(unit, "stated by RunPod's docs", [runpod]),
        }

    def _scale_to_zero(self, offers: list[Json], colds: dict[str, Json]) -> list[Json]:
        hf = next(
            i
            for i, r in enumerate(self.ref.records)
            if r["kind"] == "scale_to_zero"
            and r.get("provider") == "Hugging Face Inference Endpoints"
        )
        rps = next(
            i
            for i, r in enumerate(self.ref.records)
            if r["kind"] == "scale_to_zero" and r.get("provider") == "RunPod Serverless"
        )
        if self.ref.records[rps]["value"].get("idle_timeout_default_s") != 5:
            raise KeyError("RunPod idle timeout record changed")

        def prices(provider: str, kind: str) -> list[Json]:
            return [
                {
                    "gpu": x["gpu"],
                    "usd_per_gpu_second": x["usd_per_gpu_second"],
                    "usd_per_gpu_hour": x["usd_per_gpu_hour"],
                    "record": x["record"],
                    "reference": "gpu.json",
                    "arithmetic": x["arithmetic"],
                }
                for x in offers
                if x["provider"] == provider and x["kind"] == kind
            ]

        any_cold = path("cold_start_s", "any")

        def cold(provider: str) -> Json:
            if provider in colds:
                return relabel(
                    colds[provider],
                    colds[provider]["basis"],
                    path("cold_start_s", provider),
                    "seconds",
                )
            return relabel(
                colds["any"],
                f"not found for {provider}: the range of vLLM 7-8B cold starts measured elsewhere",
                any_cold,
                "seconds",
                found=False,
            )

        return [
            {
                "provider": "Modal",
                "kind": "serverless",
                "billing": BILLING["Modal"],
                "idle_timeout_s": None,
                "idle_timeout": "scale-down default not read",
                "prices": prices("Modal", "serverless"),
                "cold_start_s": cold("Modal"),
                "note": "Memory Snapshots: 'practical initialization-heavy Functions often start "
                "up 3-10x faster'",
            },
            {
                "provider": "RunPod Serverless",
                "kind": "serverless",
                "billing": BILLING["RunPod Serverless"],
                "idle_timeout_s": 5,
                "idle_timeout": "5 s default (billed)",
                "record": rps,
                "reference": "gpu.json",
                "prices": prices("RunPod Serverless", "serverless"),
                "cold_start_s": cold("RunPod Serverless"),
                "note": "active (always-on) workers are cheaper per second: kind "
                "serverless_active in the offers",
            },
            {
                "provider": "Hugging Face Inference Endpoints",
                "kind": "managed_endpoint",
                "billing": BILLING["Hugging Face Inference Endpoints"],
                "idle_timeout_s": evaluate("1 * 3600")[0],
                "idle_timeout": "1 hour (default) "
                "before scaling to zero; 503 while a replica starts",
                "record": hf,
                "reference": "gpu.json",
                "arithmetic": arith(idle_timeout_s="1 * 3600"),
                "prices": prices("Hugging Face Inference Endpoints", "managed_endpoint"),
                "cold_start_s": cold("Hugging Face Inference Endpoints"),
                "note": "'scaling up can take a few minutes depending on the model' (no number)",
            },
            {
                "provider": "Replicate",
                "kind": "serverless",
                "billing": BILLING["Replicate"],
                "idle_timeout_s": None,
                "idle_timeout": "not read",
                "prices": prices("Replicate", "serverless"),
                "cold_start_s": cold("Replicate"),
                "note": "billing rules of private LLM deployments (setup, idle) not read",
            },
        ]

    def _lora_offers(self) -> list[Json]:
        out = []
        for i, curated in LORA_OFFERS.items():
            rec = self.ref.records[i]
            if rec["kind"] != "serverless_lora_offer":
                raise KeyError(f"gpu.json record {i} is no longer a LoRA offer")
            out.append(
                {
                    "provider": rec["provider"],
                    **curated,
                    "record": i,
                    "reference": "gpu.json",
                    "measured_on": rec["measured_on"],
                    "source": self.sources.key(rec["source"]),
                }
            )
        return out

    def _multi_lora(self) -> Json:
        ev = self.ref.ev
        caps = []
        for i, rec in enumerate(self.ref.records):
            if rec["kind"] != "multi_lora_capacity":
                continue
            caps.append(
                {
                    "system": rec.get("provider") or f"S-LoRA ({rec.get('gpu')})",
                    "adapters": rec["value"],
                    "unit": rec["unit"],
                    "conditions": rec["conditions"],
                    "record": i,
                    "reference": "gpu.json",
                    "source": self.sources.key(rec["source"]),
                }
            )
        a10g = next(
            i
            for i, r in enumerate(self.ref.records)
            if r["kind"] == "throughput_multi_lora" and r.get("gpu") == "A10G 24GB"
        )
        caps.append(
            {
                "system": "S-LoRA (A10G 24GB)",
                "adapters": 200,
                "unit": "adapters on one GPU (tested), ~1.8 req/s flat (plot reading)",
                "conditions": self.ref.records[a10g]["conditions"],
                "record": a10g,
                "reference": "gpu.json",
                "source": self.sources.key(self.ref.records[a10g]["source"]),
            }
        )
        s1, s2 = (
            next(
                i
                for i, r in enumerate(self.ref.records)
                if r["kind"] == "throughput_multi_lora" and needle in r["conditions"]
            )
            for needle in ("setting S1", "setting S2")
        )
        penalty = spread(
            "fraction of throughput lost",
            "measured: S-LoRA, Llama-7B on one A100 80GB, from 5 to 2,000 adapters (GPU.md "
            "section 5); unmerged LoRA against the base model costs more: "
            "replica_latency.json unmerged_lora_throughput_factor",
            [
                ev(
                    s1,
                    "value",
                    value=evaluate("round(1 - 7.61 / 8.05, 4)")[0],
                    arithmetic=arith(value="round(1 - 7.61 / 8.05, 4)"),
                    subject="S-LoRA S1, rank 8",
                ),
                ev(
                    s2,
                    "value",
                    value=evaluate("round(1 - 6.71 / 7.48, 4)")[0],
                    arithmetic=arith(value="round(1 - 6.71 / 7.48, 4)"),
                    subject="S-LoRA S2, ranks 8-64",
                ),
            ],
        )
        return {"capacity": caps, "many_adapter_penalty": penalty}

    def build_offers(self) -> Json:
        offers = self.offers()
        gpus: Json = {}
        for gpu, (memory, _) in GPUS.items():
            kinds = {}
            for kind in (
                "on_demand",
                "reserved",
                "spot",
                "serverless",
                "serverless_active",
                "managed_endpoint",
            ):
                fig = self._price_figure(gpu, kind, offers)
                if fig is not None:
                    kinds[kind] = fig
            gpus[gpu] = {"memory_gb": memory, "usd_per_gpu_hour": kinds}
        colds = self._cold_starts()
        return {
            "schema_version": 1,
            "as_of": AS_OF,
            "source": (
                "shared/reference/gpu.json and GPU.md (as of 2026-12; latest dated source "
                "2026-11-09) - every offer with its record and source; generated by "
                "scripts/build_serving_data.py"
            ),
            "rules": RULES,
            "gpus": gpus,
            "offers": offers,
            "cold_start_s": colds,
            "scale_to_zero": self._scale_to_zero(offers, colds),
            "lora_per_token": self._lora_offers(),
            "multi_lora": self._multi_lora(),
            "sources": dict(sorted(self.sources.table.items())),
        }

    # ---------------------------------------------------------------- memory
    def _usable(self, gpu: str, memory: int) -> Json:
        ev, rec = self.ref.ev, self.ref.records
        usable = MEMORY["usable"]
        if "A10G and L4 listed as 22 GiB, L40S 44 GiB, T4 16 GiB" not in rec[usable]["notes"]:
            raise KeyError("gpu.json usable-memory record changed")
        unit = "GiB"
        mib = rec[usable]["value"]
        console = {"L4 24GB": 22, "A10G 24GB": 22, "L40S 48GB": 44, "T4 16GB": 16}
        evidence = []
        short = gpu.split()[0]
        if short in mib:
            expr = f"{mib[short]} / 1024"
            evidence.append(
                ev(
                    usable,
                    "value",
                    value=evaluate(expr)[0],
                    subject=f"{gpu}, AWS instance GpuInfo",
                    arithmetic=arith(value=expr),
                )
            )
        if gpu in console:
            evidence.append(
                ev(
                    usable,
                    "value",
                    value=console[gpu],
                    subject=f"{gpu}, AWS console table",
                    note="stated in the record's notes",
                )
            )
        if evidence:
            return spread(unit, f"measured: the memory {gpu} reports (GPU.md section 2b)", evidence)
        label = next(i for i, r in enumerate(rec) if r.get("gpu") in GPUS[gpu][1])
        expr = f"{memory} * 1000000000 / 1073741824"
        return spread(
            unit,
            "not found: the name's GB read as 10^9 bytes (the L4's 24 GB "
            "gives 22.35 GiB, its reported 22,888 MiB)",
            [
                ev(
                    label,
                    "value",
                    value=evaluate(expr)[0],
                    subject=f"{gpu} (name)",
                    arithmetic=arith(value=expr),
                    note="DERIVED from the GPU's label",
                )
            ],
            found=False,
        )

    def build_memory(self) -> Json:
        ev, rec = self.ref.ev, self.ref.records
        vllm = MEMORY["vllm"]
        v = rec[vllm]["value"]
        if "RTX 3090 24GB (23.58 GiB total)" not in rec[vllm]["conditions"]:
            raise KeyError("gpu.json vLLM memory record changed")
        weights, kv20 = v["weights_GB"], v["kv_cache_GiB_at_0.9_util"]
        parts = {
            "max_model_len 20,000": f"round(23.58 * 0.90 - {weights} - {kv20}, 4)",
            "max_model_len 29,000": f"round(23.58 * 0.90 - {weights} - 2.89, 4)",
        }
        overhead = spread(
            "GiB",
            "DERIVED: what vLLM held beside weights and KV cache on a 23.58 GiB card at "
            "gpu_memory_utilization 0.90 (activations, CUDA graphs; grows with max_model_len)",
            [
                ev(
                    vllm,
                    "value",
                    value=evaluate(expr)[0],
                    subject=f"Llama-3.1-8B BF16, {name}",
                    arithmetic=arith(value=expr),
                )
                for name, expr in parts.items()
            ],
        )
        kv = MEMORY["kv"]
        if rec[kv]["value"] != 131072:
            raise KeyError("gpu.json KV-bytes record changed")
        tables = []
        for model, gpu, precision, rows in TRT_TABLES:
            points = []
            for i in rows:
                m = re.search(r"ISL (\d+) / OSL (\d+)", rec[i]["conditions"])
                assert m is not None, i
                points.append([int(m.group(1)), int(m.group(2)), rec[i]["value"]])
            tables.append(
                {
                    "model": model,
                    "params_b": 7.0,
                    "gpu": gpu,
                    "gpus": 1,
                    "precision": precision,
                    "engine": "TensorRT-LLM 0.9.0, offline maximum throughput (static batching, "
                    "no latency target)",
                    "points": points,
                    "records": list(rows),
                    "reference": "gpu.json",
                    "source": self.sources.key(rec[rows[0]]["source"]),
                    "measured_on": rec[rows[0]]["measured_on"],
                    "note": "points are [input tokens, output tokens, output tokens/s per GPU], as "
                    "in serving.json inference_throughput",
                }
            )
        capacity = []
        for i, rec_i in enumerate(rec):
            if rec_i["kind"] in ("throughput_serving", "throughput_multi_lora"):
                capacity.append(
                    {
                        "gpu": rec_i["gpu"],
                        "value": rec_i["value"],
                        "unit": rec_i["unit"],
                        "conditions": rec_i["conditions"],
                        "record": i,
                        "reference": "gpu.json",
                        "measured_on": rec_i["measured_on"],
                        "source": self.sources.key(rec_i["source"]),
                        "note": rec_i["notes"] or None,
                    }
                )
        return {
            "schema_version": 1,
            "as_of": AS_OF,
            "source": (
                "shared/reference/gpu.json and GPU.md section 2 (memory fit, throughput); "
                "generated by scripts/build_serving_data.py"
            ),
            "rules": RULES,
            "assumptions": {
                "bytes_per_parameter": {
                    "value": {"16-bit": 2, "8-bit": 1, "4-bit": 0.5},
                    "basis": "the width of a weight at each precision (definitional)",
                },
            },
            "precisions": {
                "16-bit": {
                    "admissible": True,
                    "basis": "the measured fit: Llama-3.1-8B BF16 in "
                    "vLLM (GPU.md section 2b); no quality cost",
                },
                "8-bit": {
                    "admissible": False,
                    "basis": "not admissible by default: the "
                    "reference documents no quality cost of 8-bit weights (GPU.md "
                    "section 2b: 'no dated measurement on L4/A10G was found'; the FP8 "
                    "throughput tables say nothing of quality)",
                },
                "4-bit": {
                    "admissible": False,
                    "basis": "not admissible by default: the "
                    "reference documents no quality cost of INT4/AWQ/GPTQ weights "
                    "(GPU.md section 8 lists their throughput as not found too)",
                },
            },
            "gpus": {
                gpu: {"memory_gb": memory, "usable_gib": self._usable(gpu, memory)}
                for gpu, (memory, _) in GPUS.items()
            },
            "vllm_reference": {
                "card_gib": 23.58,
                "gpu_memory_utilization": 0.9,
                "weights_gib": weights,
                "kv_gib": {"20000": kv20, "29000": 2.89},
                "kv_tokens_at_20000": evaluate("1952 * 16")[0],
                "record": vllm,
                "reference": "gpu.json",
                "arithmetic": arith(kv_tokens_at_20000="1952 * 16"),
                "source": self.sources.key(rec[vllm]["source"]),
                "measured_on": rec[vllm]["measured_on"],
                "note": "Llama-3.1-8B-Instruct BF16 on an RTX 3090 (23.58 GiB), vLLM: "
                "'Representative of any 24 GB card'; vLLM reports GiB as 'GB'",
            },
            "non_kv_overhead_gib": overhead,
            "kv_bytes_per_token": [
                {
                    "models": [
                        "llama-3-8b",
                        "llama-3.1-8b",
                        "llama-v3p1-8b",
                        "meta-llama-3.1-8b",
                        "mistral-7b",
                    ],
                    "value": rec[kv]["value"],
                    "record": kv,
                    "reference": "gpu.json",
                    "arithmetic": arith(value="32 * 8 * 128 * 2 * 2"),
                    "source": self.sources.key(rec[kv]["source"]),
                    "note": "Llama-3/3.1-8B and Mistral-7B: 32 layers x 8 KV heads x 128 head "
                    "dim x 2 (K, V) x 2 bytes (fp16); matches 3.81 GiB / 31,232 tokens; other "
                    "architectures: not in the reference",
                }
            ],
            "throughput_tables": tables,
            "capacity_points": capacity,
            "sources": dict(sorted(self.sources.table.items())),
        }


# ======================================================================================
# Build, check, write
# ======================================================================================
def build(latency: list[Json], gpu_doc: Json) -> dict[str, Json]:
    """The four documents, by file name."""
    gpu = gpu_doc["records"]
    routes = Routes(gpu, latency)
    return {
        "hosted_latency.json": Hosted(latency).build(),
        "replica_latency.json": Replica(latency, gpu).build(),
        "gpu_offers.json": routes.build_offers(),
        "gpu_memory.json": routes.build_memory(),
    }


# Numbers an arithmetic string may use besides the record's: unit conversions only.
CONVERSIONS = {1.0, 60.0, 100.0, 1000.0, 1024.0, 3600.0, 1e9, 1073741824.0}
SKIP_KEYS = {"schema_version", "record", "records", "idle_record"}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


def _in(numbers: set[float], value: float) -> bool:
    return any(_close(value, n) for n in numbers)


def _numbers_of(ref: list[Json], indices: list[int]) -> set[float]:
    out: set[float] = set()
    for i in indices:
        rec = ref[i]
        out |= set(stated_numbers(rec))
        out |= {n for k in _keys(rec) for n in stated_numbers(k)}
    return out


def _keys(obj: Any) -> Iterator[str]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _keys(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v)


def _resolve(doc: Json, where: str) -> Any:
    node: Any = doc
    for key in where.split(" > "):
        node = node[key]
    return node


def _check_arith(text: str, allowed: set[float], where: str) -> tuple[dict[str, float], list[str]]:
    problems, results = [], {}
    try:
        parts = parse_arith(text)
    except ValueError:
        return {}, [f"{where}: arithmetic does not parse: {text!r}"]
    for name, (expr, printed) in parts.items():
        try:
            value, literals = evaluate(expr)
        except (ValueError, SyntaxError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        if not _close(r4(value), printed):
            problems.append(f"{where}: {name} = {expr} is {fmt(value)}, not {fmt(printed)}")
        for lit in literals:
            if not _in(allowed | CONVERSIONS, lit):
                problems.append(f"{where}: {name} uses {fmt(lit)}, which no cited record states")
        results[name] = printed
    return results, problems


class Checker:
    """Every number of a shipped document traces to the reference (see the module doc)."""

    def __init__(self, refs: dict[str, list[Json]]) -> None:
        self.refs = refs
        self.problems: list[str] = []

    def check(self, name: str, doc: Json) -> list[str]:
        self.problems = []
        self.doc = doc
        self.constants: set[float] = set()
        if name == "hosted_latency.json":
            for fig in doc["network"].values():
                self.constants |= {fig["low"], fig["high"]} | (
                    {fig["point"]} if fig["point"] is not None else set()
                )
        if not isinstance(doc.get("as_of"), str) or not doc.get("source"):
            self.problems.append(f"{name}: as_of and source are required")
        self._walk(doc, "$", None)
        return self.problems

    def _walk(
        self,
        node: Any,
        where: str,
        traced: tuple[str, list[int], set[float]] | None,
        assumption: bool = False,
    ) -> None:
        if isinstance(node, dict):
            if "rule" in node and "evidence" in node:
                self._figure(node, where)
                for k, e in enumerate(node["evidence"]):
                    self._evidence(e, f"{where}.evidence[{k}]")
                return
            if assumption and "basis" not in node and where.count(".") == 2:
                self.problems.append(f"{where}: an assumption without a basis")
            if "reference" in node and ("record" in node or "records" in node):
                ref = node["reference"]
                indices = node.get("records") or [node["record"]]
                allowed = _numbers_of(self.refs[ref], indices)
                results: dict[str, float] = {}
                if node.get("arithmetic"):
                    results, problems = _check_arith(
                        node["arithmetic"], allowed | self._curve(where), where
                    )
                    self.problems += problems
                traced = (ref, indices, allowed | set(results.values()))
            for key, value in node.items():
                if key in SKIP_KEYS:
                    continue
                self._walk(value, f"{where}.{key}", traced, assumption or key == "assumptions")
        elif isinstance(node, list):
            for k, value in enumerate(node):
                self._walk(value, f"{where}[{k}]", traced, assumption)
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            if assumption:
                return
            if where.endswith(".memory_gb") or where.endswith(".params_b"):
                return  # checked by _labels
            if traced is None or not _in(traced[2] | CONVERSIONS, float(node)):
                self.problems.append(f"{where} = {node}: not stated by a cited record")

    def _curve(self, where: str) -> set[float]:
        """A load-curve point may use the numbers of every point of its curve."""
        if ".points[" not in where:
            return set()
        curve = _resolve_dotted(self.doc, where.split(".points[")[0])
        out: set[float] = set()
        for p in curve["points"]:
            out |= _numbers_of(self.refs[p["reference"]], [p["record"]])
        return out

    def _evidence(self, e: Json, where: str) -> None:
        if e.get("figure"):
            try:
                fig = _resolve(self.doc, e["figure"])
            except KeyError:
                self.problems.append(f"{where}: names {e['figure']!r}, not in the file")
                return
            point = fig["point"] if fig["point"] is not None else fig["low"]
            if not (
                _close(e["low"], fig["low"])
                and _close(e["high"], fig["high"])
                and _close(e["value"], point)
            ):
                self.problems.append(f"{where}: differs from the figure it names ({e['figure']})")
            return
        ref, index = e.get("reference"), e.get("record")
        if ref not in self.refs or index is None or not 0 <= index < len(self.refs[ref]):
            self.problems.append(f"{where}: names no reference record ({ref} {index})")
            return
        allowed = _numbers_of(self.refs[ref], [index]) | self.constants
        named: dict[str, float] = {}
        if e.get("arithmetic"):
            named, problems = _check_arith(e["arithmetic"], allowed, where)
            self.problems += problems
        for field in ("low", "value", "high"):
            v = e[field]
            if field in named:
                if not _close(v, named[field]):
                    self.problems.append(
                        f"{where}: {field}={v} is not its arithmetic's {named[field]}"
                    )
            elif field != "value" and "value" in named and _close(v, named["value"]):
                continue
            elif not _in(allowed, v):
                self.problems.append(f"{where}: {field}={v} not in {ref} record {index}")

    def _figure(self, f: Json, where: str) -> None:
        used = [e for e in f["evidence"] if e["used"]]
        rule = f["rule"]
        if not used:
            self.problems.append(f"{where}: a figure without used evidence")
            return
        if rule == "spread":
            points = [e["value"] for e in used if e["in_point"]]
            expect = (
                r4(min(e["low"] for e in used)),
                median(points) if points else None,
                r4(max(e["high"] for e in used)),
            )
        elif rule == "copy":
            e = used[0]
            fig = _resolve(self.doc, e["figure"])
            expect = (fig["low"], fig["point"], fig["high"])
        elif rule == "product":
            a, b = (_resolve(self.doc, e["figure"]) for e in used[:2])
            point = (
                None if a["point"] is None or b["point"] is None else r4(a["point"] * b["point"])
            )
            expect = (r4(a["low"] * b["low"]), point, r4(a["high"] * b["high"]))
        else:
            self.problems.append(f"{where}: unknown rule {rule!r}")
            return
        got = (f["low"], f["point"], f["high"])
        same = all(
            (x is None and y is None) or (x is not None and y is not None and _close(x, y))
            for x, y in zip(got, expect, strict=True)
        )
        if not same:
            self.problems.append(
                f"{where}: {got} is not its rule ({rule}) applied to its evidence, {expect}"
            )
        if not f["basis"]:
            self.problems.append(f"{where}: a figure without a basis")


def _resolve_dotted(doc: Json, where: str) -> Any:
    node: Any = doc
    parts = where.split(".")[1:]
    i = 0
    while i < len(parts):
        key = parts[i]
        # keys may hold dots (model and GPU names): take the longest key that exists
        for j in range(len(parts), i, -1):
            candidate = ".".join(parts[i:j])
            name, _, index = candidate.partition("[")
            if isinstance(node, dict) and name in node:
                node = node[name]
                for idx in re.findall(r"\[(\d+)\]", "[" + index if index else ""):
                    node = node[int(idx)]
                i = j
                break
        else:
            raise KeyError(key)
    return node


def _labels(docs: dict[str, Json], gpu: list[Json]) -> list[str]:
    """Each GPU's memory is the number its reference labels state."""
    problems = []
    labels = {r.get("gpu") for r in gpu} | {
        r.get("gpu") for r in gpu if isinstance(r.get("value"), dict)
    }
    for name in ("gpu_offers.json", "gpu_memory.json"):
        for gpu_name, entry in docs[name]["gpus"].items():
            own = [lab for lab in GPUS.get(gpu_name, (0, ()))[1] if lab in labels]
            if not own:
                problems.append(f"{name}: GPU {gpu_name!r} has no label in gpu.json")
            elif not any(_in(set(stated_numbers(lab)), entry["memory_gb"]) for lab in own):
                problems.append(
                    f"{name}: {gpu_name} memory_gb {entry['memory_gb']} is not in its labels {own}"
                )
    return problems


def check(docs: dict[str, Json], latency: list[Json], gpu_doc: Json) -> list[str]:
    """Problems (empty when every number traces to the reference)."""
    refs = {"latency.json": latency, "gpu.json": gpu_doc["records"]}
    checker = Checker(refs)
    problems = []
    for name, doc in docs.items():
        problems += [f"{name}: {p}" for p in checker.check(name, doc)]
    problems += _labels(docs, gpu_doc["records"])
    problems += _pydantic_problems(docs)
    return problems


def _pydantic_problems(docs: dict[str, Json]) -> list[str]:
    """Validate with the package's own loaders when it is importable."""
    try:
        from strategy_advisor._datafiles import validate_data
        from strategy_advisor._gpu_memory import GpuMemoryData
        from strategy_advisor._gpu_offers import GpuOffersData
        from strategy_advisor._hosted_latency import HostedLatencyData
        from strategy_advisor._replica_latency import ReplicaLatencyData
    except ImportError:  # pragma: no cover - package not installed
        return []
    models = {
        "hosted_latency.json": HostedLatencyData,
        "replica_latency.json": ReplicaLatencyData,
        "gpu_offers.json": GpuOffersData,
        "gpu_memory.json": GpuMemoryData,
    }
    problems = []
    for name, doc in docs.items():
        try:
            validate_data(models[name], doc, name)
        except ValueError as exc:
            problems.append(str(exc))
    return problems


def render(doc: Json) -> str:
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check", action="store_true", help="verify the files on disk are current and traceable"
    )
    parser.add_argument(
        "--docs", action="store_true", help="rewrite the generated tables in docs/ only"
    )
    args = parser.parse_args(argv)
    if args.docs:
        write_docs()
        _say(f"updated the generated tables in {', '.join(DOC_PAGES)}")
        return 0
    latency = json.loads((args.reference / "latency.json").read_text(encoding="utf-8"))
    gpu_doc = json.loads((args.reference / "gpu.json").read_text(encoding="utf-8"))
    docs = build(latency, gpu_doc)
    problems = check(docs, latency, gpu_doc)
    if args.check:
        on_disk = {}
        for name, doc in docs.items():
            target = args.out / name
            if not target.exists():
                problems.append(f"{target} is missing: run scripts/build_serving_data.py")
                continue
            text = target.read_text(encoding="utf-8")
            on_disk[name] = json.loads(text)
            if text != render(doc):
                problems.append(f"{target} is stale: run scripts/build_serving_data.py")
        if len(on_disk) == len(docs):
            problems += [f"on disk: {p}" for p in check(on_disk, latency, gpu_doc)]
    for problem in problems:
        _say(f"problem: {problem}")
    if problems:
        return 1
    if args.check:
        _say(f"{', '.join(FILES)} are current (every number traces to the reference)")
    else:
        for name, doc in docs.items():
            (args.out / name).write_text(render(doc), encoding="utf-8")
        _say(f"wrote {', '.join(FILES)} to {args.out}")
    return 0


# ======================================================================================
# Tables for the docs (docs/latency.md, docs/costs.md), from the shipped files
# ======================================================================================
DOC_PAGES = {
    "docs/latency.md": ("load-curves", "hosted-latency", "provider-classes"),
    "docs/costs.md": ("gpu-routes", "scale-to-zero", "lora-offers"),
}


def _range(fig: Json | None, scale: float = 1.0, digits: int = 0, suffix: str = "") -> str:
    """'point (low-high)' of a figure; 'ⁿ' marks a figure the reference does not have."""
    if fig is None:
        return "-"

    def f(x: float) -> str:
        return f"{x / scale:,.{digits}f}{suffix}"

    point = "n/a" if fig["point"] is None else f(fig["point"])
    mark = "" if fig["found"] else " ⁿ"
    if fig["low"] == fig["high"]:
        return f"{point}{mark}" if fig["point"] is not None else f"n/a ({f(fig['low'])}){mark}"
    return f"{point} ({f(fig['low'])}-{f(fig['high'])}){mark}"


def _basis(entry: Json) -> str:
    parts = []
    for label, key in (
        ("TTFT", "ttft_ms"),
        ("speed", "output_tokens_per_s"),
        ("prefill", "prefill_tokens_per_s"),
    ):
        basis = entry[key]["basis"]
        if basis.startswith("measured"):
            parts.append(f"{label}: measured")
        elif basis.startswith("sibling"):
            parts.append(f"{label}: sibling")
        else:
            parts.append(f"{label}: class")
    return ", ".join(parts)


_USED = ("ttft_ms", "ttft_p95_ms", "output_tokens_per_s", "prefill_tokens_per_s")


def _as_used(name: str, entry: Json) -> Json:
    """A model's figures as the advisor times it (``hosted_latency``: a figure of one
    measured value takes its provider class's spread around it)."""
    from strategy_advisor import ModelSpec
    from strategy_advisor._hosted_latency import hosted_latency

    lat = hosted_latency(ModelSpec(name=name))
    return {k: {**getattr(lat, k).model_dump(), "found": entry[k]["found"]} for k in _USED}


def _installed_reads(data_dir: Path) -> None:
    """The docs show figures as the installed package uses them: it must be installed and
    read the same latency file as ``data_dir``."""
    try:
        from strategy_advisor._datafiles import read_shipped_json
    except ImportError as exc:  # pragma: no cover - package not installed
        raise SystemExit(
            "the docs' latency table shows the figures as strategy_advisor uses them: "
            "install it from this tree first (pip install -e .)"
        ) from exc
    here = json.loads((data_dir / "hosted_latency.json").read_text(encoding="utf-8"))
    if read_shipped_json("hosted_latency.json") != here:  # pragma: no cover
        raise SystemExit(
            f"the installed strategy_advisor ships another hosted_latency.json than {data_dir}: "
            "install it from this tree (pip install -e .) before writing the docs"
        )


def doc_tables(data_dir: Path = DEFAULT_OUT) -> dict[str, str]:
    """The generated Markdown tables of the docs, by marker name."""
    hosted = json.loads((data_dir / "hosted_latency.json").read_text(encoding="utf-8"))
    _installed_reads(data_dir)
    offers = json.loads((data_dir / "gpu_offers.json").read_text(encoding="utf-8"))
    memory = json.loads((data_dir / "gpu_memory.json").read_text(encoding="utf-8"))
    rows = [
        "| Model | Class | Basis | TTFT median, ms | TTFT p95, ms | Output tokens/s | "
        "Prefill, k tokens/s | Reasoning tokens (default) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, m in hosted["models"].items():
        r = m["reasoning"]
        effort = r["default_effort"] or "not stated"
        used = _as_used(name, m)
        rows.append(
            f"| {name} | {m['class']} | {_basis(m)} | {_range(used['ttft_ms'])} | "
            f"{_range(used['ttft_p95_ms'])} | {_range(used['output_tokens_per_s'])} | "
            f"{_range(used['prefill_tokens_per_s'], 1000)} | "
            f"{_range(r['tokens_at_default'])} ({effort}) |"
        )
    classes = [
        "| Class | TTFT median, ms | TTFT p95/p50 | Output tokens/s | Prefill, k tokens/s |",
        "|---|---|---|---|---|",
    ]
    for name, c in hosted["classes"].items():
        classes.append(
            f"| {name} | {_range(c['ttft_ms'])} | "
            f"{_range(c['ttft_tail_ratio'], digits=2)} | "
            f"{_range(c['output_tokens_per_s'])} | "
            f"{_range(c['prefill_tokens_per_s'], 1000)} |"
        )
    gpus = [
        "| GPU | Usable GiB | On-demand $/GPU-h | Spot | Serverless (scale to zero) | "
        "Always-on serverless | Managed endpoint | 8B 16-bit: KV GiB left | KV tokens |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    try:
        from strategy_advisor._gpu_memory import fit_on_gpu
    except ImportError:  # pragma: no cover - package not installed
        fit_on_gpu = None
    for name, g in offers["gpus"].items():
        prices = g["usd_per_gpu_hour"]
        cells = [
            _range(prices.get(k), digits=2)
            for k in ("on_demand", "spot", "serverless", "serverless_active", "managed_endpoint")
        ]
        kv = tokens = "-"
        if fit_on_gpu is not None:
            fit = fit_on_gpu(name, 8.0, kv_bytes_per_token=131072)
            if fit.kv_left_gib.point > 0:
                kv = _range(fit.kv_left_gib.model_dump(), digits=1)
                assert fit.kv_tokens is not None
                tokens = _range(fit.kv_tokens.model_dump(), 1000, suffix="k")
            else:
                kv = "does not fit"
        usable = _range(memory["gpus"][name]["usable_gib"], digits=1)
        gpus.append(f"| {name} | {usable} | " + " | ".join(cells) + f" | {kv} | {tokens} |")
    s2z = [
        "| Provider | Billing | Idle before zero | Cold start, s | L4 $/h |",
        "|---|---|---|---|---|",
    ]
    for o in offers["scale_to_zero"]:
        l4 = [p["usd_per_gpu_hour"] for p in o["prices"] if p["gpu"] == "L4 24GB"]
        s2z.append(
            f"| {o['provider']} | {o['billing']} | {o['idle_timeout']} | "
            f"{_range(o['cold_start_s'])} | {min(l4) if l4 else '-'} |"
        )
    lora = [
        "| Provider | Offer | Status | Bases | Price rule | Priced by default |",
        "|---|---|---|---|---|---|",
    ]
    for o in offers["lora_per_token"]:
        bases = ", ".join(o["bases"]) if o["bases"] else "not listed"
        lora.append(
            f"| {o['provider']} | {o['offer']} | {o['status']} | {bases} | "
            f"{o['price_rule']} | {'yes' if o['priced_by_default'] else 'no: ' + o['why']} |"
        )
    replica = json.loads((data_dir / "replica_latency.json").read_text(encoding="utf-8"))
    curves = replica["load_curves"]
    names = list(curves)
    load = [
        "| Utilisation | " + " | ".join(f"{n}: speed, TTFT" for n in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for point in curves[names[0]]["points"][2:]:
        u = point["utilisation"]
        cells = []
        for n in names:
            speed, ttft, where = _curve_at(curves[n], u)
            cells.append(f"x {speed:.2f}, x {ttft:.1f} ({where})")
        load.append(f"| {u:.2f} | " + " | ".join(cells) + " |")
    return {
        "load-curves": "\n".join(load),
        "hosted-latency": "\n".join(rows),
        "provider-classes": "\n".join(classes),
        "gpu-routes": "\n".join(gpus),
        "scale-to-zero": "\n".join(s2z),
        "lora-offers": "\n".join(lora),
    }


def _curve_at(curve: Json, u: float) -> tuple[float, float, str]:
    """Speed and TTFT against concurrency 1 at utilisation ``u``, linear between the points
    up to the curve's peak (as ``_replica_latency.load_factors``), and where that is."""
    points = curve["points"]
    peak = max(range(len(points)), key=lambda i: points[i]["utilisation"])
    rising = sorted(points[: peak + 1], key=lambda p: p["utilisation"])
    base = min(points, key=lambda p: p["concurrency"])
    for lo, hi in itertools.pairwise(rising):
        if lo["utilisation"] <= u <= hi["utilisation"]:
            t = (u - lo["utilisation"]) / (hi["utilisation"] - lo["utilisation"])
            speed = lo["output_tokens_per_s"] + t * (
                hi["output_tokens_per_s"] - lo["output_tokens_per_s"]
            )
            ttft = lo["ttft_ms"] + t * (hi["ttft_ms"] - lo["ttft_ms"])
            where = (
                f"concurrency {hi['concurrency']}"
                if t == 1
                else f"concurrency {lo['concurrency']}"
                if t == 0
                else f"between {lo['concurrency']} and {hi['concurrency']}"
            )
            return speed / base["output_tokens_per_s"], ttft / base["ttft_ms"], where
    top = rising[-1]
    return (
        top["output_tokens_per_s"] / base["output_tokens_per_s"],
        top["ttft_ms"] / base["ttft_ms"],
        f"concurrency {top['concurrency']}, peak",
    )


def update_doc(text: str, tables: dict[str, str]) -> str:
    """``text`` with each ``<!-- generated:NAME -->`` ... ``<!-- /generated -->`` block
    replaced by its table."""
    for name, table in tables.items():
        text = re.sub(
            rf"(<!-- generated:{name} -->\n)(?:.*?\n)??(<!-- /generated -->)",
            lambda m, t=table: m.group(1) + t + "\n" + m.group(2),
            text,
            flags=re.S,
        )
    return text


def write_docs(root: Path = REPO) -> None:
    tables = doc_tables()
    for page, names in DOC_PAGES.items():
        target = root / page
        text = target.read_text(encoding="utf-8")
        target.write_text(update_doc(text, {n: tables[n] for n in names}), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
