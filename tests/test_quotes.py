"""Numbers quoted in README.md and answers/ must equal results/*.json."""
import json
import re

import pytest

from dlkit import quote, results
from dlkit.data import REPO_ROOT

MARKDOWN = quote.markdown_files()


@pytest.mark.parametrize("path", MARKDOWN, ids=lambda p: p.name)
def test_quoted_numbers_match_results(path):
    text = path.read_text()
    _, problems = quote.sync(text)
    assert problems == [], "\n".join(problems) + "\nrun `make quotes` after `make run`"


# Q4 has one file per profile; the gpu one exists only once a GPU run has been committed.
Q4_FILES = sorted(p.stem for p in (REPO_ROOT / "results").glob("q4_lenet5_vs_resnet18_*.json"))


def test_q4_has_a_cpu_run():
    assert "q4_lenet5_vs_resnet18_cpu" in Q4_FILES


@pytest.mark.parametrize("name", ["q1_cross_entropy_vs_mse", "q2_convexity", "q3_feedforward", *Q4_FILES])
def test_committed_results_are_full_runs_and_quoted(name):
    record = json.loads((REPO_ROOT / "results" / f"{name}.json").read_text())
    assert record["mode"] == "full"
    assert {"environment", "data_md5", "wall_seconds"} <= record.keys()
    assert any(f"<!--q:{name}:" in p.read_text() for p in MARKDOWN), f"nothing quotes {name}"


def test_a_wrong_number_is_caught(tmp_path, monkeypatch):
    (tmp_path / "demo.json").write_text(json.dumps({"acc": [0.5, 0.98765], "n": 12345}))
    monkeypatch.setattr(quote, "read_committed", lambda name: json.loads((tmp_path / f"{name}.json").read_text()))
    good = "a <!--q:demo:acc.1:pct2-->98.77%<!--/q--> b <!--q:demo:n:int-->12,345<!--/q-->"
    assert quote.sync(good)[1] == []
    fixed, problems = quote.sync(good.replace("98.77%", "98.70%"))
    assert problems == ["demo:acc.1 is 98.77%, text says 98.70%"] and fixed == good


def test_a_broken_results_file_is_named_not_a_traceback(tmp_path, monkeypatch, capsys):
    full = json.dumps({"acc": [0.5, 0.98765], "n": 12345}, indent=2)
    (tmp_path / "demo.json").write_text(full[:30])   # an interrupted write
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    with pytest.raises(results.ResultsError) as e:
        results.read_results("demo")
    assert str(e.value).startswith(f"{tmp_path / 'demo.json'}: not valid JSON: ")
    assert re.search(r"at line \d+, column \d+ - the text stops mid-document, so the file looks truncated",
                     str(e.value))
    with pytest.raises(results.ResultsError, match="nothing.json: file not found"):
        results.read_results("nothing")

    md = tmp_path / "quoting.md"
    md.write_text("a <!--q:demo:acc.1:pct2-->98.77%<!--/q-->\n")
    assert quote.main(["--check", str(md)]) == 2                      # not 0, and no exception
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{md}: cannot read the quoted results: {tmp_path / 'demo.json'}: " in err
    assert quote.main(["--write", str(md)]) == 2 and md.read_text() == "a <!--q:demo:acc.1:pct2-->98.77%<!--/q-->\n"


def test_quotes_read_the_committed_results_not_scratch(tmp_path, monkeypatch):
    """A Run All without RECORD=1 writes results/scratch/; the quoted numbers are still checked against results/."""
    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    (tmp_path / "scratch").mkdir()
    (tmp_path / "demo.json").write_text(json.dumps({"acc": 0.5}))
    (tmp_path / "scratch" / "demo.json").write_text(json.dumps({"acc": 0.9}))
    assert quote.sync("<!--q:demo:acc:pct0-->50%<!--/q-->")[1] == []


def test_provenance_names_the_commit_of_every_results_file(tmp_path, monkeypatch):
    """A results file names its commit in environment.git_commit, a re-check report in retrained_on.git_commit;
    the generated table reads both, and says "no commit recorded" only when there is none."""
    from dlkit import tables

    monkeypatch.setattr(results, "RESULTS_DIR", tmp_path)
    (tmp_path / "a.json").write_text(json.dumps({"environment": {"git_commit": "abc1234"}}))
    (tmp_path / "recheck_b.json").write_text(json.dumps({"retrained_on": {"git_commit": "def5678+dirty"}}))
    (tmp_path / "c.json").write_text(json.dumps({"environment": {"git_commit": None}}))
    table = tables.provenance()
    assert "| `results/a.json` | `abc1234` |" in table
    assert "| `results/recheck_b.json` | `def5678` **with uncommitted changes** |" in table
    assert "| `results/c.json` | no commit recorded |" in table


def test_a_cpu_name_is_quoted_as_the_legends_show_it():
    from dlkit import quote
    assert quote.format_value("Intel(R) Xeon(R) Processor", "cpu") == "Intel Xeon"
    assert quote.format_value("AMD EPYC 7B13 64-Core Processor", "cpu") == "AMD EPYC 7B13 64-Core"


def test_a_distance_in_points_is_unsigned_and_rounded_to_nearest():
    from dlkit import quote
    assert quote.format_value(-0.008000016, "abspp2") == "0.80" and quote.format_value(0.12660003, "abspp2") == "12.66"
