"""GPU memory fit: a model's weights and KV cache on one GPU, and 7-8B throughput tables.

The numbers live in ``data/gpu_memory.json`` (built by ``scripts/build_serving_data.py``
from the shared reference ``gpu.json``, GPU.md section 2): the memory each GPU reports, what
vLLM holds beside weights and KV cache (measured on a 24 GB card), KV-cache bytes per token
where the architecture is given, which precisions are admissible (only where a quality cost
is documented: 16-bit), and the measured throughput of 7B models on these GPUs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ._datafiles import shipped
from ._errors import ParameterError
from ._figures import Figure, resolve_name
from ._types import RESULT, STRICT_DATA, FrozenMap, construct

__all__ = [
    "GpuFit",
    "GpuMemoryData",
    "Precision",
    "ThroughputTable",
    "fit_on_gpu",
    "gpu_memory_data",
    "kv_cache_bytes_per_token",
    "smallest_gpus_that_fit",
    "throughput_tables",
    "weights_gib",
]

#: Weight precision: 16-bit (BF16/FP16), 8-bit (FP8/INT8), 4-bit (INT4/AWQ/GPTQ).
Precision = Literal["16-bit", "8-bit", "4-bit"]
_GIB = float(2**30)


class _Assumption(BaseModel):
    model_config = STRICT_DATA
    value: FrozenMap[Precision, float]
    basis: str


class _Precision(BaseModel):
    model_config = STRICT_DATA
    admissible: bool
    basis: str


class _Gpu(BaseModel):
    model_config = STRICT_DATA
    memory_gb: int
    usable_gib: Figure


class _VllmReference(BaseModel):
    model_config = STRICT_DATA
    card_gib: float
    gpu_memory_utilization: float = Field(..., gt=0, le=1)
    weights_gib: float
    kv_gib: FrozenMap[str, float]
    kv_tokens_at_20000: float
    record: int
    reference: str
    arithmetic: str
    source: str
    measured_on: str
    note: str


class _KvBytes(BaseModel):
    model_config = STRICT_DATA
    models: tuple[str, ...]
    value: int
    record: int
    reference: str
    arithmetic: str
    source: str
    note: str


class ThroughputTable(BaseModel):
    """Measured output tokens/s of one model on one GPU at [input, output] lengths (the
    shape of ``serving.json`` ``inference_throughput``)."""

    model_config = STRICT_DATA
    model: str
    params_b: float
    gpu: str
    gpus: int
    precision: str
    engine: str
    points: tuple[tuple[float, float, float], ...]
    records: tuple[int, ...]
    reference: str
    source: str
    measured_on: str
    note: str


class _CapacityPoint(BaseModel):
    model_config = STRICT_DATA
    gpu: str
    value: FrozenMap[str, object]
    unit: str
    conditions: str
    record: int
    reference: str
    measured_on: str
    source: str
    note: str | None


class GpuMemoryData(BaseModel):
    """``data/gpu_memory.json``: what fits on which GPU, and measured 7B throughput."""

    model_config = STRICT_DATA
    schema_version: Literal[1]
    as_of: str
    source: str
    rules: FrozenMap[str, str]
    assumptions: FrozenMap[str, _Assumption]
    precisions: FrozenMap[Precision, _Precision]
    gpus: FrozenMap[str, _Gpu]
    vllm_reference: _VllmReference
    non_kv_overhead_gib: Figure
    kv_bytes_per_token: tuple[_KvBytes, ...]
    throughput_tables: tuple[ThroughputTable, ...]
    capacity_points: tuple[_CapacityPoint, ...]
    sources: FrozenMap[str, str]


gpu_memory_data = shipped(GpuMemoryData, "gpu_memory.json")


class GpuFit(BaseModel):
    """Whether a model's weights and the KV cache it needs fit on ``gpus`` x ``gpu``."""

    model_config = RESULT
    gpu: str
    gpus: int
    memory_gb: int
    precision: Precision
    precision_admissible: bool
    weights_gib: float
    usable_gib: Figure = Field(description="Memory the GPUs report, all of them.")
    kv_left_gib: Figure = Field(description="usable x utilisation - weights - overhead.")
    kv_bytes_per_token: int | None = Field(description="None: architecture not in reference.")
    kv_tokens: Figure | None = Field(description="KV-cache tokens in flight, all requests.")
    kv_tokens_needed: float
    fits: bool = Field(description="Weights and the tokens needed fit at the point figures.")
    fits_worst_case: bool = Field(description="... at the low end of the memory left.")
    basis: str


def weights_gib(params_b: float, precision: Precision = "16-bit") -> float:
    """GiB of weights: ``params_b x 10^9 x bytes per parameter / 2^30``.

    Examples
    --------
    >>> round(weights_gib(8.0), 2)  # vLLM measured 14.99 GiB for Llama-3.1-8B (8.03B)
    14.9
    """
    width = gpu_memory_data().assumptions["bytes_per_parameter"].value[precision]
    return params_b * 1e9 * width / _GIB


def kv_cache_bytes_per_token(model: str) -> int | None:
    """KV-cache bytes per token of a model whose architecture the reference gives (Llama-3 /
    3.1 8B, Mistral 7B: 131,072 B); None for any other.

    Examples
    --------
    >>> kv_cache_bytes_per_token("fireworks/llama-v3p1-8b-instruct")
    131072
    >>> kv_cache_bytes_per_token("qwen3-8b") is None
    True
    """
    lowered = model.lower()
    for entry in gpu_memory_data().kv_bytes_per_token:
        if any(pattern in lowered for pattern in entry.models):
            return entry.value
    return None


def fit_on_gpu(
    gpu: str,
    params_b: float,
    *,
    precision: Precision = "16-bit",
    kv_tokens_needed: float = 0.0,
    kv_bytes_per_token: int | None = None,
    gpus: int = 1,
    gpu_memory_utilization: float | None = None,
) -> GpuFit:
    """The memory left for KV cache on ``gpus`` x ``gpu``, and whether ``kv_tokens_needed``
    fit in it::

        kv_left = usable x utilisation x gpus - weights - overhead x gpus
        tokens  = kv_left x 2^30 / kv_bytes_per_token

    ``usable`` is what the GPU reports (``found=False``: its name's GB as 10^9 bytes), the
    utilisation vLLM's 0.90 of the measured run, the overhead what vLLM held beside weights
    and KV cache there (2.42-3.34 GiB, growing with max_model_len).

    Examples
    --------
    A tuned Llama-3.1-8B at 16-bit on one L4: ~2.2 GiB (1.6-2.8) left for KV cache, ~18k
    tokens in flight (GPU.md section 2b: the 3.81 / 2.89 GiB measured on a 23.58 GiB card,
    less the L4's ~1.2 GiB less memory):

    >>> fit = fit_on_gpu("L4", 8.0, kv_bytes_per_token=131072)
    >>> fit.fits, [round(x, 2) for x in (fit.kv_left_gib.low, fit.kv_left_gib.point,
    ...                                   fit.kv_left_gib.high)]
    (True, [1.56, 2.17, 2.79])
    >>> round(fit.kv_tokens.point)
    17808
    """
    data = gpu_memory_data()
    name = resolve_name(gpu, data.gpus, "GPU")
    if gpus < 1:
        raise ParameterError(f"gpus must be >= 1; got {gpus!r}")
    ref = data.vllm_reference
    util = (
        ref.gpu_memory_utilization if gpu_memory_utilization is None else (gpu_memory_utilization)
    )
    entry = data.gpus[name]
    usable, over = entry.usable_gib, data.non_kv_overhead_gib
    weights = weights_gib(params_b, precision)
    mid_usable = usable.low if usable.point is None else usable.point
    mid_over = over.low if over.point is None else over.point
    left = [
        u * util * gpus - weights - o * gpus
        for u, o in ((usable.low, over.high), (mid_usable, mid_over), (usable.high, over.low))
    ]
    kv_left = Figure(
        low=left[0],
        point=left[1],
        high=left[2],
        unit="GiB",
        found=usable.found,
        basis=f"{usable.basis}; overhead {over.basis}",
        rule="product",
        arithmetic=f"usable x {util:g} x {gpus} - {weights:.2f} - overhead x {gpus}",
        as_of=data.as_of,
    )
    tokens = None
    if kv_bytes_per_token is not None:
        per = _GIB / kv_bytes_per_token
        tokens = Figure(
            low=max(left[0], 0.0) * per,
            point=max(left[1], 0.0) * per,
            high=max(left[2], 0.0) * per,
            unit="KV tokens",
            found=kv_left.found,
            basis=f"kv_left x 2^30 / {kv_bytes_per_token} bytes per token",
            rule="product",
            arithmetic=f"x {per:g}",
            as_of=data.as_of,
        )
    elif kv_tokens_needed > 0:
        raise ParameterError(
            "kv_bytes_per_token is needed to fit KV tokens: the reference gives it for "
            "Llama-3/3.1-8B and Mistral-7B only (kv_cache_bytes_per_token); give layers x KV "
            "heads x head dim x 2 x bytes per value for another architecture"
        )
    need = kv_tokens_needed * (kv_bytes_per_token or 0) / _GIB
    precision_info = data.precisions[precision]
    return construct(
        GpuFit,
        gpu=name,
        gpus=gpus,
        memory_gb=entry.memory_gb,
        precision=precision,
        precision_admissible=precision_info.admissible,
        weights_gib=weights,
        usable_gib=usable,
        kv_left_gib=kv_left,
        kv_bytes_per_token=kv_bytes_per_token,
        kv_tokens=tokens,
        kv_tokens_needed=kv_tokens_needed,
        fits=left[1] > 0 and left[1] >= need,
        fits_worst_case=left[0] > 0 and left[0] >= need,
        basis=precision_info.basis,
    )


def smallest_gpus_that_fit(
    params_b: float,
    kv_tokens_needed: float,
    precision: Precision = "16-bit",
    *,
    kv_bytes_per_token: int | None = None,
    gpus: int = 1,
    allow_undocumented_precision: bool = False,
) -> tuple[GpuFit, ...]:
    """The GPUs (``gpus`` of one kind) on which the weights and the KV tokens fit at the
    point figures, smallest usable memory first (ties by name). A precision whose quality
    cost the reference does not document (8- and 4-bit) raises unless
    ``allow_undocumented_precision``.

    Examples
    --------
    >>> [f.gpu for f in smallest_gpus_that_fit(8.0, 16_000, kv_bytes_per_token=131072)][:4]
    ['A10G 24GB', 'L4 24GB', 'A10 24GB', 'Quadro RTX 6000 24GB']
    >>> [f.gpu for f in smallest_gpus_that_fit(8.0, 20_000, kv_bytes_per_token=131072)][:2]
    ['A100 40GB', 'L40S 48GB']
    """
    data = gpu_memory_data()
    if not data.precisions[precision].admissible and not allow_undocumented_precision:
        raise ParameterError(
            f"precision {precision!r} is not admissible: {data.precisions[precision].basis}. "
            "Pass allow_undocumented_precision=True to size it anyway"
        )
    fits = [
        fit_on_gpu(
            g,
            params_b,
            precision=precision,
            kv_tokens_needed=kv_tokens_needed,
            kv_bytes_per_token=kv_bytes_per_token,
            gpus=gpus,
        )
        for g in data.gpus
    ]
    found = [f for f in fits if f.fits]
    return tuple(sorted(found, key=lambda f: (f.usable_gib.point or f.usable_gib.low, f.gpu)))


def throughput_tables() -> tuple[ThroughputTable, ...]:
    """Measured 7B output tokens/s on an L40S (FP8) and an A100 (FP16), TensorRT-LLM 0.9.0.

    Examples
    --------
    >>> [(t.model, t.gpu, t.points[0]) for t in throughput_tables()][2]
    ('Mistral 7B', 'A100 (memory size not stated)', (128.0, 128.0, 6251.0))
    """
    return gpu_memory_data().throughput_tables
