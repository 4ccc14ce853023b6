"""Cost stage: both strategies priced over the horizon as a team pays them, and where they cross."""

from .comparison import cheapest_totals, compare_costs
from .results import CostComparison, CostLine, ServingAlternative, ServingPlan, StrategyCost

__all__ = [
    "CostComparison",
    "CostLine",
    "ServingAlternative",
    "ServingPlan",
    "StrategyCost",
    "cheapest_totals",
    "compare_costs",
]
