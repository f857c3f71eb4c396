"""Use cases: plain functions taking (session, actor, data). No Flask request, no commit."""
