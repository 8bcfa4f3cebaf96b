"""Checking the audit log can be trusted: the database still refuses changes (``audit_guard``) and
the hash chain holds (``audit_chain``). ``manage.py verify_audit`` prints the result; the nightly
task logs it and tells the operators when it fails."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.core.mail import mail_admins

from accounts.audit_chain import ChainReport, chain_verify
from accounts.audit_guard import guard_problem

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditCheck:
    """The chain's report and, if the database no longer refuses changes, why."""

    chain: ChainReport
    guard_problem: str | None

    @property
    def passed(self) -> bool:
        return self.chain.intact and self.guard_problem is None

    def lines(self) -> list[str]:
        """What was found, for people: the chain's summary, then the guard's problem if any."""
        found = [self.chain.summary()]
        if self.guard_problem:
            found.append(f"The database no longer refuses changes to audit entries: {self.guard_problem}.")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {**self.chain.as_dict(), "passed": self.passed, "guard_problem": self.guard_problem}


def audit_check() -> AuditCheck:
    """Walk the whole audit log's chain and check the database's append-only trigger."""
    return AuditCheck(chain=chain_verify(), guard_problem=guard_problem())


def audit_check_nightly() -> AuditCheck:
    """The nightly check: the newest entry's id and hash go in the log (kept elsewhere, they show an
    entry added later around the service); a failure is logged as an ERROR and mailed to ADMINS."""
    check = audit_check()
    head = f"newest entry {check.chain.head_id}, hash {check.chain.head_hash}"
    if check.passed:
        logger.info("Audit log checked: %s; %s", check.chain.summary(), head)
        return check
    found = " ".join(check.lines())
    logger.error("Audit log check failed: %s (%s)", found, head)
    mail_admins(
        "The audit log check failed",
        f"{found}\n\n{head}.\n\nRun `manage.py verify_audit` to see it again; docs/operations.md says what "
        "to do next.",
        fail_silently=True,
    )
    return check
