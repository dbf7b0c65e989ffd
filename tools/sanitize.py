"""The sanitize rules of tests/sanitize.cfg, read the way nbval reads them, applied to outputs."""
import re
from pathlib import Path

RULES_FILE = Path(__file__).resolve().parent.parent / "tests" / "sanitize.cfg"


def load_rules(path=RULES_FILE):
    """(regex, replacement) pairs, exactly as nbval's --nbval-sanitize-with parses them."""
    text = Path(path).read_text(encoding="utf-8")
    return re.findall(r"^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)


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
