"""The pages of the measure library (the library itself is the pure ``outcomes.measures``)."""
