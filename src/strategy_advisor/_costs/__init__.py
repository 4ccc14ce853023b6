"""Cost stage: both strategies priced over the horizon as a team pays them, and where they cross."""

from .comparison import compare_costs
from .results import CostComparison, CostLine, ServingAlternative, ServingPlan, StrategyCost

__all__ = [
    "CostComparison",
    "CostLine",
    "ServingAlternative",
    "ServingPlan",
    "StrategyCost",
    "compare_costs",
]
