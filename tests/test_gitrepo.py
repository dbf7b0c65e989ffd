"""Git with a fixed identity and fixed dates: same files, same commit ids; what a reviewer sees."""
import pytest

from migration_lab import LabError, git_init
from migration_lab.gitrepo import AUTHOR, IGNORED, mask_object_ids


def make_project(root, model="columns = 1\n"):
    (root / "WEB_SERVICE").mkdir(parents=True, exist_ok=True)
    (root / "WEB_SERVICE" / "model.py").write_text(model)
    (root / "instance").mkdir(exist_ok=True)
    (root / "instance" / "jobs.db").write_bytes(b"not for git")
    return git_init(root)


def test_same_files_give_the_same_commit_ids_on_every_run(tmp_path):
    first, second = make_project(tmp_path / "a"), make_project(tmp_path / "b")
    assert first.commit("Start") == second.commit("Start")
    (first.root / "WEB_SERVICE" / "model.py").write_text("columns = 2\n")
    (second.root / "WEB_SERVICE" / "model.py").write_text("columns = 2\n")
    assert first.commit("Two columns") == second.commit("Two columns")
    assert first.commit_count() == 2


def test_identity_and_dates_are_fixed_one_hour_apart(tmp_path):
    repo = make_project(tmp_path)
    repo.commit("Start")
    (repo.root / "WEB_SERVICE" / "model.py").write_text("columns = 2\n")
    repo.commit("Two columns")
    log = repo.git("log", "--format=%an <%ae> %ad | %cn %cd | %s", "--date=iso")
    assert log.splitlines() == [
        f"{AUTHOR[0]} <{AUTHOR[1]}> 2025-03-03 10:00:00 +0100 | {AUTHOR[0]} 2025-03-03 10:00:00 +0100 | Two columns",
        f"{AUTHOR[0]} <{AUTHOR[1]}> 2025-03-03 09:00:00 +0100 | {AUTHOR[0]} 2025-03-03 09:00:00 +0100 | Start",
    ]


def test_the_database_is_never_committed(tmp_path):
    repo = make_project(tmp_path)
    repo.commit("Start")
    assert repo.git("ls-files").split() == [".gitignore", "WEB_SERVICE/model.py"]


def test_show_masks_object_ids_but_keeps_the_change(tmp_path, capsys):
    repo = make_project(tmp_path)
    repo.commit("Start")
    (repo.root / "WEB_SERVICE" / "model.py").write_text("columns = 2\n")
    repo.commit("Two columns")
    repo.show("show", "HEAD")
    shown = capsys.readouterr().out
    assert shown.startswith("$ git show HEAD\ncommit <commit>\n")
    assert "index <blob>..<blob> 100644" in shown and "-columns = 1\n+columns = 2" in shown
    assert repo.head() not in shown and repo.head()[:7] not in shown


def test_mask_keeps_the_all_zero_id_of_a_new_file():
    assert mask_object_ids("index 0000000..1a2b3c4\n") == "index 0000000..<blob>\n"
    assert mask_object_ids("commit " + "ab" * 20 + "\nMerge: 1234567 89abcde\n") == \
        "commit <commit>\nMerge: <commit> <commit>\n"


def test_a_failing_git_command_raises_lab_error_with_its_output(tmp_path):
    repo = make_project(tmp_path)
    with pytest.raises(LabError, match="git show nope failed:\n.*nope"):
        repo.git("show", "nope")


def test_user_configuration_is_ignored(tmp_path, monkeypatch):
    home_config = tmp_path / "gitconfig"
    home_config.write_text("[commit]\n\tgpgsign = true\n[user]\n\tname = Someone Else\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home_config))
    repo = make_project(tmp_path / "p")
    repo.commit("Start")  # would fail (no gpg key) if the learner's config applied
    assert repo.git("log", "--format=%an").strip() == AUTHOR[0]


def test_init_again_starts_the_history_over(tmp_path):
    repo = make_project(tmp_path)
    first = repo.commit("Start")
    again = git_init(tmp_path)
    assert (tmp_path / ".gitignore").read_text().splitlines() == list(IGNORED)
    assert again.commit("Start") == first and again.commit_count() == 1
