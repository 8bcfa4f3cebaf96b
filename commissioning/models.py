"""Commissioning bodies: councils and NHS integrated care boards."""

from __future__ import annotations

from accounts.models import COMMISSIONER_KINDS, Organisation


class CommissioningBody(Organisation):
    """A council or an NHS integrated care board that commissions homecare."""

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "commissioning bodies"

    def save(self, *args, **kwargs) -> None:
        if self.kind not in COMMISSIONER_KINDS:
            raise ValueError("A commissioning body is a council or an ICB.")
        super().save(*args, **kwargs)
