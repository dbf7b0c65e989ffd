"""Is a learner's cell output the committed one? nbval's rules, applied to outputs that came over the hub.

The load test cannot run nbval itself (nbval starts its own kernel; here the kernel is the learner's,
behind the hub), so this module applies the same rules with nbval's own helpers: the cell markers
(``NBVAL_IGNORE_OUTPUT``, ``NBVAL_SKIP``, the ``raises-exception`` tag), streams coalesced, every
output key but the ones nbval skips, each string passed through the sanitize rules of the learner's
own clone (``tests/sanitize.cfg``). The reference is the notebook as committed in that clone, read
before the cells run, never text written here.
"""
import re
from collections import defaultdict
from pathlib import Path

import nbformat
from nbval.plugin import coalesce_streams, find_comment_markers, find_metadata_tags, get_sanitize_patterns

# nbval's IPyNbFile.skip_compare (without --nbdime): keys whose values differ on every run
SKIP_COMPARE = ("metadata", "traceback", "prompt_number", "output_type", "name", "execution_count",
                "application/vnd.jupyter.widget-view+json", "image/png", "image/jpeg")


def load_rules(text):
    """(regex, replacement) pairs from the text of a sanitize file, parsed by nbval."""
    return list(dict(get_sanitize_patterns(text)).items())


def rules_of_clone(clone):
    return load_rules((Path(clone) / "tests" / "sanitize.cfg").read_text(encoding="utf-8"))


def cell_options(cell):
    """nbval's options for a cell: ``check`` (compare outputs), ``skip``, ``check_exception``."""
    options = {"check": True, "skip": False, "check_exception": False}
    options.update(dict(find_comment_markers(cell.source)))
    options.update(dict(find_metadata_tags(cell.metadata)))
    return options


def _sanitize(value, rules):
    if not isinstance(value, str):
        return value
    for regex, replacement in rules:
        value = re.sub(regex, replacement, value)
    return value


def _flatten(outputs, rules):
    """{key: [values]}: streams by name, data by MIME type, other keys as they are; nbval's layout."""
    flat = defaultdict(list)
    for output in coalesce_streams([nbformat.from_dict(o) for o in outputs]):
        if output.output_type == "stream":
            output = {"output_type": "stream", output.name: output.text}
        for key, value in output.items():
            if key in SKIP_COMPARE:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIP_COMPARE:
                        flat[mime].append(_sanitize(data, rules))
            else:
                flat[key].append(_sanitize(value, rules))
    return flat


def differences(new, committed, rules):
    """What differs between a cell's new outputs and its committed ones, in words; [] when they agree."""
    ours, theirs = _flatten(new, rules), _flatten(committed, rules)
    if set(ours) != set(theirs):
        return [f"output kinds differ: {sorted(ours)} instead of {sorted(theirs)}"]
    found = []
    for key in theirs:
        if len(ours[key]) != len(theirs[key]):
            found.append(f"{len(ours[key])} outputs of kind {key} instead of {len(theirs[key])}")
        for mine, expected in zip(ours[key], theirs[key]):
            if mine != expected:
                found.append(f"{key}: {str(mine)[:200]!r} instead of {str(expected)[:200]!r}")
    return found


def check_cell(cell, new_outputs, rules):
    """Differences of one executed cell against its committed outputs, with nbval's markers honoured."""
    options = cell_options(cell)
    errors = [o for o in new_outputs if o.get("output_type") == "error"]
    if errors and not options["check_exception"]:
        return [f"raised {errors[0].get('ename')}: {errors[0].get('evalue', '')[:200]}"]
    if not options["check"] or cell.get("execution_count") is None:
        return []
    return differences(new_outputs, cell.outputs, rules)
