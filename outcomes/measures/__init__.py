"""The measure library: every measure of the outcome framework, as data (pure Python, no database)."""

from outcomes.measures.library import MEASURES, Direction, Measure, Parameter, ParameterError, get_measure
from outcomes.measures.naming import target_measure_name

__all__ = [
    "MEASURES",
    "Direction",
    "Measure",
    "Parameter",
    "ParameterError",
    "get_measure",
    "target_measure_name",
]
