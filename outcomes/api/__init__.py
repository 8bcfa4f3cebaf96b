"""API endpoints for measures, monthly returns, compliance results and review actions."""
