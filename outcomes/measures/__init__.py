"""The measure library: every measure of the outcome framework, as data (pure Python, no database)."""

from outcomes.measures.library import MEASURES, Direction, Measure, Parameter, ParameterError, get_measure

__all__ = ["MEASURES", "Direction", "Measure", "Parameter", "ParameterError", "get_measure"]
