"""tests/sanitize.cfg, read by nbval's own parser: what varies from run to run becomes a placeholder."""
import pytest

from tools.sanitize import load_rules, sanitize_output, sanitize_text


@pytest.fixture(scope="module")
def rules():
    return load_rules()


def test_revision_ids_dates_and_machine_paths_are_hidden(rules):
    text = ("Generating /home/ana/lab/workspace/04_generate/WEB_SERVICE/migrations/versions/"
            "3fa85f6457a1_ajout.py ...  done\nCreate Date: 2026-11-25 18:40:12.123456\n"
            "/opt/venv/lib/python3.11/site-packages/alembic/util.py:1: UserWarning")
    assert sanitize_text(text, rules) == (
        "Generating <LAB>/workspace/04_generate/WEB_SERVICE/migrations/versions/<REV>_ajout.py ...  done\n"
        "Create Date: <DATE>\n<site-packages>/alembic/util.py:1: UserWarning")


def test_a_fingerprint_is_not_mistaken_for_a_revision_id(rules):
    assert sanitize_text("sha256 e8b6f471eeb9df61", rules) == "sha256 e8b6f471eeb9df61"


def test_an_output_is_sanitized_in_place_streams_data_and_tracebacks(rules):
    output = {"output_type": "error", "text": ["at ", "3fa85f6457a1"], "data": {"text/plain": "3fa85f6457a1 (head)"},
              "traceback": ["Create Date: 2026-11-25 18:40:12"]}
    sanitize_output(output, rules)
    assert output == {"output_type": "error", "text": "at <REV>", "data": {"text/plain": "<REV> (head)"},
                      "traceback": ["Create Date: <DATE>"]}
