"""The reviewer's rules: which operation of a revision script hurts, why, and the safe way.

Each rule is a function over one :class:`Change` (what one ``op.*`` call, or one SQL statement of
``op.execute``, does) and the :class:`Facts` the script established before it. Its docstring says
why the operation hurts; ``safe`` says what to do instead; ``source`` names the rule it follows in
strong_migrations (README, "Checks") or squawk (squawkhq.com/docs/<rule>), so a team can read the
original; where neither has one, the Alembic function or issue that shows the failure. Data rules
(:mod:`migration_lab.review_rules_data`) hold on every engine; lock and type rules
(:mod:`migration_lab.review_rules_postgresql`) on PostgreSQL only. Both register into one
``RULES``, data rules first: that is the order findings are given in.
"""
from . import review_rules_data, review_rules_postgresql  # noqa: F401  (registers the rules, in this order)
from .review_registry import ANY, ENGINES, POSTGRESQL, RULES, Rule, findings, rule
from .review_rules_postgresql import VOLATILE, volatile_functions

__all__ = ["ANY", "ENGINES", "POSTGRESQL", "RULES", "Rule", "findings", "rule", "VOLATILE", "volatile_functions"]
