"""Statistical methods behind the judgements the product shows beside a RAG (pure Python, no database):
statistical process control (``spc``), funnel-plot limits (``limits``) and the significance of a
change between two rates (``significance``)."""
