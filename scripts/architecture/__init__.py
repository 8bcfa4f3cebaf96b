"""The architecture diagram (docs/architecture.svg) and its tables in docs/architecture.md, drawn from
the code by scripts/architecture_diagram.py: what the code says (``facts``), drawing primitives
(``canvas``), the drawing's layout (``layout``) and the same in words (``tables``)."""
