"""Pages of the outcomes app: the measure library and monthly returns."""
