"""What of a review meeting someone may see: all of it, or only the contracts their organisation is
party to (``outcomes.reviews.selectors.meeting_reach`` works it out)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["WHOLE", "Reach"]


@dataclass(frozen=True)
class Reach:
    """Which of a meeting's contracts someone may see: ``contract_ids`` None means all of them (and
    with them the parts that belong to the meeting as a whole)."""

    contract_ids: frozenset[int] | None = None

    @property
    def whole(self) -> bool:
        return self.contract_ids is None

    def sees(self, contract_id: int | None) -> bool:
        """Whether something about this contract (None: about the whole meeting) may be shown."""
        if self.contract_ids is None:
            return True
        return contract_id is not None and contract_id in self.contract_ids

    @property
    def key(self) -> str:
        """The contracts as text ("" for the whole meeting): the key of a pack's partial copy."""
        return "" if self.contract_ids is None else ",".join(str(pk) for pk in sorted(self.contract_ids))


WHOLE = Reach()
