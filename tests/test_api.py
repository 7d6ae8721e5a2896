"""The public API: gf.check, preflight and repair, as a notebook or a trainer calls them."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import gramfix as gf
from gramfix.model.options import Settings
from tests.conftest import ROOT, Run

BROKEN = ROOT / "examples" / "beauty-broken"
CLEAN = ROOT / "examples" / "beauty-clean"
CASES = ROOT / "tests" / "cases"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )


def test_the_one_liners_of_the_issue() -> None:
    run = _python("import gramfix; r = gramfix.check('examples/beauty-broken'); print(r.verdict)")
    assert (run.returncode, run.stdout, run.stderr) == (0, "fail\n", "")
    run = _python("import gramfix; gramfix.preflight('examples/beauty-clean')")
    assert (run.returncode, run.stderr) == (0, "")


def test_preflight_raises_on_a_failing_dataset() -> None:
    with pytest.raises(gf.CheckFailed) as raised:
        gf.preflight(BROKEN)
    error = raised.value
    assert error.report.verdict == "fail"
    message = str(error)
    assert error.report.headline() in message.splitlines()[0]
    assert [line.split()[1] for line in message.splitlines()[1:]] == ["GF101", "GF301", "GF401"]
    assert pickle.loads(pickle.dumps(error)).report == error.report
    assert gf.preflight(CLEAN).verdict == "pass"


def test_check_is_the_command_lines_report(
    gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    for args, options in [
        ([], {}),
        (["--max-his", "3", "--select", "GF3,GF401"], {"max_his": 3, "select": "GF3,GF401"}),
        (["--min-coverage", "0.5", "--fail-on", "warning"],
         {"min_coverage": 0.5, "fail_on": "warning"}),
    ]:  # fmt: skip
        run = gramfix("check", "examples/beauty-broken", "--format", "json", *args)
        report = gramfix_check("examples/beauty-broken", **options)
        assert json.loads(run.out) == report.model_dump(mode="json")
    assert gramfix_check(BROKEN).settings == Settings()  # the command line's defaults


def gramfix_check(folder: Path | str, **options: object) -> gf.Report:
    return gf.check(folder, **options)


@pytest.mark.parametrize(
    ("flag", "option", "value"),
    [
        ("--max-his", "max_his", "-1"),
        ("--recent-k", "recent_k", "0"),
        ("--min-coverage", "min_coverage", "1.5"),
        ("--min-fill", "min_fill", "-0.1"),
        ("--select", "select", "GF999"),
        ("--ignore", "ignore", "nonsense"),
        ("--max-missing", "max_missing", "-3"),
    ],
)
def test_an_invalid_option_is_worded_as_on_the_command_line(
    gramfix: Callable[..., Run], flag: str, option: str, value: str
) -> None:
    run = gramfix("check", BROKEN, "--no-config", flag, value)
    assert run.code == 2
    typed: object = value
    if option in ("max_his", "recent_k", "max_missing"):
        typed = int(value)
    elif option in ("min_coverage", "min_fill"):
        typed = float(value)
    with pytest.raises(gf.UsageError) as raised:
        gf.check(BROKEN, config=False, **{option: typed})
    # The same sentence; the command line names the flag, a call the option.
    assert run.err.startswith(f"gramfix: error: {flag}")
    assert run.err.rstrip("\n") == f"gramfix: error: --{raised.value}"


def test_unknown_options_and_options_of_another_command() -> None:
    with pytest.raises(gf.UsageError, match=r"^max_hist: unknown option$"):
        gf.check(BROKEN, max_hist=3)
    with pytest.raises(gf.UsageError, match=r"^recent-k: expected an integer, got 2.0$"):
        gf.check(BROKEN, recent_k=2.0)
    with pytest.raises(gf.UsageError, match=r"^select: not an option of repair$"):
        gf.repair(BROKEN, select="GF3")
    with pytest.raises(gf.UsageError, match="no such configuration file"):
        gf.check(BROKEN, config=BROKEN / "gramfix.toml")


def test_the_configuration_file_is_read_as_the_command_line_reads_it(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(BROKEN, folder)
    (folder / "gramfix.toml").write_text("max-his = 7\nignore = ['GF612']\n")
    assert gf.check(folder).settings.max_his == 7
    assert gf.check(folder).inputs.config is not None
    assert gf.check(folder, max_his=9).settings.max_his == 9  # the call wins
    assert gf.check(folder, config=False).settings.max_his == 20
    other = tmp_path / "other.toml"
    other.write_text("max-his = 4\n")
    assert gf.check(folder, config=other).settings.max_his == 4
    (folder / "gramfix.toml").write_text("max-his = -1\n")
    with pytest.raises(gf.UsageError, match=r"gramfix.toml: max-his must be at least 0"):
        gf.check(folder)


def test_exit_zero_warns_instead_of_raising() -> None:
    with pytest.warns(UserWarning, match="exit-zero"):
        report = gf.preflight(BROKEN, exit_zero=True, config=False)
    assert report.verdict == "fail"


def test_the_public_functions_are_not_shadowed_by_modules() -> None:
    """No module of the package is named like a public function: importing every module
    leaves ``gramfix.check``, ``gramfix.repair`` ... the functions."""
    code = (
        "import gramfix, inspect, pkgutil, importlib\n"
        "for m in pkgutil.walk_packages(gramfix.__path__, 'gramfix.'):\n"
        "    if not m.name.startswith(('gramfix._native', 'gramfix.__main__')):\n"
        "        importlib.import_module(m.name)\n"
        "for name in ('check', 'preflight', 'repair', 'evaluate'):\n"
        "    assert inspect.isfunction(getattr(gramfix, name)), name\n"
        "    assert getattr(gramfix, name).__module__ == 'gramfix.api', name\n"
        "assert dir(gramfix) == sorted(gramfix.__all__)\n"
        "assert all(getattr(gramfix, name) is not None for name in gramfix.__all__)\n"
    )
    run = _python(code)
    assert run.returncode == 0, run.stderr


def test_a_notebook_sees_the_verdict_not_a_dump() -> None:
    report = gf.check(BROKEN, config=False)
    text = repr(report)
    assert text.startswith("<gramfix Report fail: 3 errors, 0 warnings, 1 info in ")
    assert report.headline() in text
    assert "train 0.000 (1.000)" in text
    assert len(text.splitlines()) == 4
    assert str(report) == text
    shown = report._repr_html_()
    assert "✗ FAIL" in shown
    assert report.headline() in shown
    assert all(f.code in shown for f in report.findings)
    assert "<style" not in shown
    assert "<script" not in shown


# --- repair -----------------------------------------------------------------------------


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    folder = tmp_path / "beauty"
    shutil.copytree(BROKEN, folder)
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_repair_plans_and_writes_nothing_until_asked(
    broken: Path, gramfix: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _files(broken)
    plan = gf.repair(broken, config=False)
    assert _files(broken) == before
    assert plan.ok
    assert plan.blockers == []
    assert plan.report.status == "planned"
    assert plan.report.renamed == 2795
    assert plan.after.verdict == "pass"
    assert "RepairPlan" in repr(plan)
    monkeypatch.chdir(broken.parent)
    dry = gramfix("repair", "beauty", "--dry-run", "--diff", "--no-config")
    plan_here = gf.repair("beauty", config=False)
    assert plan_here.diff == dry.out
    out = tmp_path / "fixed.json"
    written = plan.write(out)
    assert written.status == "written"
    assert written.output == out.as_posix()
    cli = tmp_path / "cli.json"
    assert gramfix("repair", "beauty", "-o", cli, "--no-config").code == 0
    assert out.read_bytes() == cli.read_bytes()
    with pytest.raises(gf.UsageError, match="exists"):
        plan.write(out)
    assert plan.write(out, force=True).overwrote
    report = plan.write(in_place=True)
    assert report.backup is not None
    assert Path(report.backup).read_bytes() == before["item_id_to_gcn_index.json"]
    assert (broken / "item_id_to_gcn_index.json").read_bytes() == cli.read_bytes()


def test_repair_never_writes_over_a_mapping_changed_since_the_plan(broken: Path) -> None:
    plan = gf.repair(broken, config=False)
    mapping = broken / "item_id_to_gcn_index.json"
    mapping.write_text('{"B00DJQQEGQ": 1}', encoding="utf-8")
    with pytest.raises(gf.UsageError, match="changed since the repair was planned"):
        plan.write(in_place=True)
    assert mapping.read_text(encoding="utf-8") == '{"B00DJQQEGQ": 1}'
    assert not (broken / "item_id_to_gcn_index.json.bak").exists()


def test_a_refused_repair_raises_and_writes_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "conflicts"
    shutil.copytree(CASES / "conflicting-fixes", folder)
    before = _files(folder)
    plan = gf.repair(folder, config=False)
    assert not plan.ok
    assert plan.report.status == "refused"
    assert plan.diff == ""
    with pytest.raises(gf.RepairRefused) as raised:
        plan.write(tmp_path / "out.json")
    assert raised.value.report.status == "refused"
    assert "GF107" in str(raised.value)
    assert _files(folder) == before
    assert not (tmp_path / "out.json").exists()


def test_write_needs_one_place(broken: Path) -> None:
    plan = gf.repair(broken, config=False)
    with pytest.raises(gf.UsageError, match="say where to write"):
        plan.write()
    with pytest.raises(gf.UsageError, match="say where to write"):
        plan.write(broken / "x.json", in_place=True)
    with pytest.raises(gf.UsageError, match="force only applies"):
        plan.write(in_place=True, force=True)
    with pytest.raises(gf.UsageError, match="is an input"):
        plan.write(broken / "user_sequence.txt", force=True)


def test_evaluate_is_the_eval_command(
    gramfix: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``gramfix.evaluate`` returns the report ``gramfix eval --format json`` prints."""
    args = ["examples/beauty-predictions.tsv", "examples/beauty-broken"]
    monkeypatch.chdir(ROOT)
    run = gramfix("eval", *args, "--no-config", "--format", "json")
    report = gf.evaluate(*(ROOT / a for a in args), config=False)
    assert json.loads(run.out)["metrics"] == report.model_dump(mode="json")["metrics"]
    assert report.exit_code() == run.code == 1
    with pytest.raises(gf.UsageError, match="max-his: not an option of eval"):
        gf.evaluate(*(ROOT / a for a in args), max_his=3, config=False)
    with pytest.raises(gf.UsageError, match="generate-num"):
        gf.evaluate(*(ROOT / a for a in args), generate_num=0, config=False)
