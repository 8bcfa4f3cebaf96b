"""The pipeline from a provider's monthly return to every figure: returns, results, reviews,
suggested notices, the portfolio and the home pages; and the pure measure library, data standard
and periods."""
