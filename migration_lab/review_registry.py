"""The reviewer's registry of rules: each rule's name, engine, source and safe way, in the order they are judged.

:mod:`migration_lab.review_rules_data` (every engine) and :mod:`migration_lab.review_rules_postgresql`
register their rules here with :func:`rule`; :mod:`migration_lab.review_rules` imports both, in that
order, so ``RULES`` lists the data rules first, as findings are given.
"""
from dataclasses import dataclass

from .review_facts import Finding

ANY, POSTGRESQL = "any", "postgresql"
ENGINES = (ANY, POSTGRESQL)


@dataclass(frozen=True)
class Rule:
    name: str
    engine: str
    source: str
    safe: str
    check: object


RULES = {}


def rule(name, engine, source, safe):
    """Register a check function as the rule ``name``; it returns the message (or (message, safe way)), or None."""
    def register(check):
        RULES[name] = Rule(name, engine, source, " ".join(safe.split()), check)
        return check
    return register


def findings(change, facts, engine):
    """The Findings of ``change`` on ``engine`` (None: the rules of every engine), in rule order."""
    engines = (ANY,) if engine in (None, ANY) else (ANY, engine)
    found = []
    for name, r in RULES.items():
        said = r.check(change, facts) if r.engine in engines else None
        if said:
            message, safe = said if isinstance(said, tuple) else (said, r.safe)
            found.append(Finding(name, message, safe_way=safe, source=r.source))
    return found
