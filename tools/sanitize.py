"""The sanitize rules of tests/sanitize.cfg, parsed by nbval's own parser, applied to outputs before saving.

nbval compares a cell's saved output with a new run after applying the same rules to both; the
maintainers' tools apply them when saving, so committed notebooks hold the placeholders.
"""
import re
from pathlib import Path

from nbval.plugin import get_sanitize_patterns

RULES_FILE = Path(__file__).resolve().parent.parent / "tests" / "sanitize.cfg"


def load_rules(path=RULES_FILE):
    """(regex, replacement) pairs, in file order, as ``pytest --nbval-sanitize-with`` reads them."""
    return list(dict(get_sanitize_patterns(Path(path).read_text(encoding="utf-8"))).items())


def sanitize_text(text, rules):
    for regex, replacement in rules:
        text = re.sub(regex, replacement, text)
    return text


def sanitize_output(output, rules):
    """Sanitize the text of one notebook output in place (streams, text/* data, tracebacks)."""
    if "text" in output:
        output["text"] = sanitize_text("".join(output["text"]), rules)
    for key, value in output.get("data", {}).items():
        if key.startswith("text/"):
            output["data"][key] = sanitize_text("".join(value), rules)
    if "traceback" in output:
        output["traceback"] = [sanitize_text(line, rules) for line in output["traceback"]]
