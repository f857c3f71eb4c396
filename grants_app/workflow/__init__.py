"""The workflow engine: definitions as data, one fire() path for every state change."""

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
    WorkflowDefinitionError,
    WorkflowError,
)

__all__ = [
    "SYSTEM",
    "ConflictError",
    "GuardFailed",
    "IllegalStateWrite",
    "InvalidInput",
    "InvalidTransition",
    "PermissionDenied",
    "SystemActor",
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
