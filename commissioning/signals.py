"""What commissioning tells the apps built on it (which it may not import): their stored figures
rest on a contract's targets and term.

``contract_terms_changed`` is sent inside the transaction that changed a contract's targets (a
target added, a new version, a target ended) or its term, start, end or due day, with ``since``:
the first day from which results may differ. Outcomes recomputes the stored results of the periods
ending on or after it (``outcomes.results.requests``).
"""

from __future__ import annotations

from django.dispatch import Signal

contract_terms_changed = Signal()  # keyword arguments: contract, since (a date)
