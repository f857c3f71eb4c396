"""Who fires a transition: a signed-in user, or the system itself (scheduled jobs)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SystemActor:
    """Scheduled CLI jobs act as the system; only transitions that list the `system` role allow it."""

    label: str = "System (scheduled job)"
    id: None = None

    @property
    def audit_label(self) -> str:
        return self.label

    def has_role(self, *roles: str) -> bool:
        return "system" in roles

    @property
    def roles(self) -> frozenset[str]:
        return frozenset({"system"})


SYSTEM = SystemActor()
