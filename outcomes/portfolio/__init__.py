"""The commissioner's portfolio: the dashboard, benchmarking, trends, exports and the scrutiny report."""
