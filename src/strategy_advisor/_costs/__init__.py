"""Cost stage: both strategies priced over the horizon as a team pays them, and where they cross."""

from .bills import Bills, PromptShape, ServingBill
from .kernel import ServedPrompt, price, price_prompting, prompt_shape, serve_prompting
from .results import CostComparison, CostLine, ServingAlternative, ServingPlan, StrategyCost
from .statement import cost_comparison, describe_plan

__all__ = [
    "Bills",
    "CostComparison",
    "CostLine",
    "PromptShape",
    "ServedPrompt",
    "ServingAlternative",
    "ServingBill",
    "ServingPlan",
    "StrategyCost",
    "cost_comparison",
    "describe_plan",
    "price",
    "price_prompting",
    "prompt_shape",
    "serve_prompting",
]
