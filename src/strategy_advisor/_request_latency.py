"""One request's latency from its figures: the reference formula of its median and p95.

Pure arithmetic on scalars, no data: the hosted figures (``_hosted_latency.py``) or a
replica's (``_replica_latency.py``) supply the inputs.
"""

from __future__ import annotations

from ._errors import ParameterError

__all__ = ["request_latency_ms"]


def request_latency_ms(
    prompt_tokens: float,
    output_tokens: float,
    *,
    ttft_ms: float,
    ttft_p95_ms: float,
    output_tokens_per_s: float,
    prefill_tokens_per_s: float,
    cached_tokens: float = 0.0,
    reasoning_tokens: float = 0.0,
    cached_prefill_saving: float = 0.0,
    e2e_tail_ratio: float = 1.0,
    short_prompt_tokens: float = 1000.0,
) -> tuple[float, float]:
    """``(median_ms, p95_ms)`` of a request: ``P`` prompt tokens (``C`` of them cached),
    ``R`` hidden reasoning tokens and ``O`` output tokens. Term by term::

        effective  = (P - C) + C x (1 - saving)      a cached token prefills faster
        prefill    = max(0, effective - S) / prefill  beyond the short prompt S, whose
                                                      prefill the TTFT already holds
        reasoning  = R / output speed                 decoded before the first answer token
        answer     = O / output speed                 (the reference's own arithmetic)
        median     = TTFT + prefill + reasoning + answer
        p95        = TTFT p95 + (prefill + reasoning + answer) x e2e p95/p50

    The TTFT tail comes from queueing and stalls; the token-proportional part has the
    tighter end-to-end tail (LATENCY.md section 6). Adding two p95s overstates the p95 of
    their sum a little: a conservative reading.

    Examples
    --------
    gpt-5.4-mini, a short call with a 60-token answer, at its floor (best case) and fastest
    measured speed, then at its class's median TTFT and its median speed (issue 16: about
    0.57-0.70 s at best, 0.8-1.2 s typically):

    >>> best, _ = request_latency_ms(100, 60, ttft_ms=267, ttft_p95_ms=267,
    ...                              output_tokens_per_s=201, prefill_tokens_per_s=118440.5)
    >>> round(best)  # 267 + 60 / 201 s
    566
    >>> typical, p95 = request_latency_ms(
    ...     100, 60, ttft_ms=650.5, ttft_p95_ms=650.5 * 1.644, output_tokens_per_s=170.9,
    ...     prefill_tokens_per_s=118440.5, e2e_tail_ratio=1.17)
    >>> round(typical), round(p95)  # 650.5 + 351.1; 1069.4 + 351.1 x 1.17
    (1002, 1480)
    >>> round(request_latency_ms(6000, 300, cached_tokens=5000, ttft_ms=650.5,
    ...       ttft_p95_ms=1069.4, output_tokens_per_s=170.9, prefill_tokens_per_s=118440.5,
    ...       cached_prefill_saving=0.67)[0])  # + (1000 + 5000 x 0.33 - 1000) / 118,440.5 s
    2420
    """
    for name, value in (
        ("prompt_tokens", prompt_tokens),
        ("output_tokens", output_tokens),
        ("cached_tokens", cached_tokens),
        ("reasoning_tokens", reasoning_tokens),
    ):
        if value < 0:
            raise ParameterError(f"{name} must be >= 0; got {value!r}")
    if cached_tokens > prompt_tokens:
        raise ParameterError(
            f"cached_tokens ({cached_tokens:g}) is more than prompt_tokens ({prompt_tokens:g}); "
            "the cached prefix is part of the prompt"
        )
    if not 0.0 <= cached_prefill_saving <= 1.0:
        raise ParameterError(
            f"cached_prefill_saving must be in [0, 1]; got {cached_prefill_saving!r}"
        )
    effective = (prompt_tokens - cached_tokens) + cached_tokens * (1.0 - cached_prefill_saving)
    prefill_ms = 1000.0 * max(0.0, effective - short_prompt_tokens) / prefill_tokens_per_s
    reasoning_ms = 1000.0 * reasoning_tokens / output_tokens_per_s
    answer_ms = 1000.0 * output_tokens / output_tokens_per_s
    token_ms = prefill_ms + reasoning_ms + answer_ms
    return ttft_ms + token_ms, ttft_p95_ms + token_ms * e2e_tail_ratio
