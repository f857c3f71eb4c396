"""The workflow engine: definitions as data, one transitions.Machine each, one fire() path for every
state change. It knows models, definitions and a RuleRegistry; it imports nothing from services or
rules (the app factory registers the rules with it)."""

from grants_app.workflow.actors import SYSTEM, SystemActor
from grants_app.workflow.engine import (
    TransitionContext,
    WorkflowEngine,
    available_triggers,
    fire,
    get_engine,
    install,
    start,
)
from grants_app.workflow.errors import (
    ConflictError,
    GuardFailed,
    IllegalStateWrite,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    TransitionAlreadyMade,
    WorkflowDefinitionError,
    WorkflowError,
)
from grants_app.workflow.registry import RuleRegistry

__all__ = [
    "SYSTEM",
    "ConflictError",
    "GuardFailed",
    "IllegalStateWrite",
    "InvalidInput",
    "InvalidTransition",
    "PermissionDenied",
    "RuleRegistry",
    "SystemActor",
    "TransitionAlreadyMade",
    "TransitionContext",
    "WorkflowDefinitionError",
    "WorkflowEngine",
    "WorkflowError",
    "available_triggers",
    "fire",
    "get_engine",
    "install",
    "start",
]
