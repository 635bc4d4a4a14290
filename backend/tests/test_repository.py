"""The repository stands on its own: a fresh clone has nothing beside it."""

import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_no_tracked_file_reads_or_mentions_a_folder_beside_the_repository() -> None:
    # git grep reads the tracked files only; exit 1 means no match, which is the wanted answer.
    found = subprocess.run(
        ["git", "grep", "-l", "-F", "../" + "shared", "--", "."],  # noqa: S607
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert found.returncode == 1, f"tracked files mention a folder outside: {found.stdout}"


def test_the_recorded_streams_the_tests_replay_are_in_the_repository() -> None:
    fixtures = REPO_ROOT / "backend" / "tests" / "fixtures" / "openai"
    assert (fixtures / "SOURCES.md").is_file()
    assert sorted(path.name for path in fixtures.glob("*.sse"))
