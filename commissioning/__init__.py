"""Councils and ICBs, their contracts with providers and the outcome targets on them; the QAF and
notices (``qaf/``, ``notices/``)."""
