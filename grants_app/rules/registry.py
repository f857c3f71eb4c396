"""SoSafe's rule registry: every guard and effect the workflow files name is registered here."""

from __future__ import annotations

from grants_app.lifecycle import REQUIRED_TAGS
from grants_app.models import Role
from grants_app.workflow import RuleRegistry

# "system" is the actor of scheduled jobs (grants_app.workflow.SYSTEM).
RULES = RuleRegistry(roles=[role.value for role in Role] + ["system"])
for _subject, _tags in REQUIRED_TAGS.items():
    RULES.require_tags(_subject, _tags)

guard = RULES.guard
effect = RULES.effect
