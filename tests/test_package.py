"""Issue 22, item 1: the built wheel works as a user gets it. It is built with pip (build isolation, as a user's
pip builds it), installed into a fresh virtual environment, and run from a folder outside the repository that
holds the user's own pipeline.py, errors.py, schemas.py and parse.py (each raising if imported): the console
script, `python -m chitieu`, the README's Python examples, and PyPI's `parse` installed beside it in either order.

The fresh environment reuses this one's installed dependencies (pandas, OpenCV, ...) through a .pth line to a
folder of links to them, less chitieu's own editable install, so nothing is downloaded but the build backend and
`parse`; the tests check that chitieu is imported from the fresh environment, not from the repository."""
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS

# What pip prints when it cannot reach the package index: the wheel's build requirements (setuptools) cannot be
# fetched, so the test is skipped with that reason rather than failed. Any other build failure fails the test.
OFFLINE = re.compile(r"No matching distribution found for (setuptools|wheel|parse)\b|"
                     r"Failed to establish a new connection|Temporary failure in name resolution|"
                     r"Network is unreachable|Could not fetch URL|ProxyError|ConnectTimeout|ReadTimeout")

# Left out of the folder the wheel is built from (the build reads pyproject.toml, README.md and the package).
NOT_BUILT = shutil.ignore_patterns(".venv", ".git", "out", "build", "dist", "*.egg-info", "__pycache__",
                                   ".pytest_cache", "samples", "tests", "bench", "docs", "tools")

# Entries of this environment's site-packages the fresh one must not see: chitieu's own editable install (its
# finder would import the repository), pip and setuptools (the fresh environment has its own), PyPI's parse.
NOT_SHARED = re.compile(r"^(__editable__|_distutils_hack|__pycache__$)|"
                        r"^(chitieu|pip|setuptools|pkg_resources|parse)([-.]|$)|\.(pth|egg-link)$", re.I)

USER_MODULES = ("pipeline", "errors", "schemas", "parse")


def _run(cmd, cwd, check=True, **kw):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
                          **kw)
    if check:
        assert proc.returncode == 0, f"{cmd}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _pip(venv: Path, *args, cwd):
    """pip in the fresh environment; skipped, with pip's reason, when the package index cannot be reached."""
    proc = _run([venv / "bin" / "python", "-m", "pip", "--disable-pip-version-check", *args], cwd, check=False)
    if proc.returncode and OFFLINE.search(proc.stdout + proc.stderr):
        pytest.skip(f"no package index to install from: pip {' '.join(args)}: "
                    f"{OFFLINE.search(proc.stdout + proc.stderr).group(0)}")
    assert proc.returncode == 0, f"pip {args}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """chitieu's wheel, built by pip from a copy of the tree (the build writes build/ and *.egg-info, which
    must not land in a work tree that others use)."""
    top = tmp_path_factory.mktemp("wheel")
    src = top / "src"
    shutil.copytree(ROOT, src, ignore=NOT_BUILT)
    proc = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-w",
                 top / "dist", src], top, check=False)
    if proc.returncode:
        found = OFFLINE.search(proc.stdout + proc.stderr)
        if found:
            pytest.skip(f"the wheel cannot be built without the package index (its build backend, setuptools, "
                        f"is fetched from it): {found.group(0)}")
        pytest.fail(f"pip wheel failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    (built,) = (top / "dist").glob("chitieu-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    """A fresh virtual environment with the wheel installed, and this environment's dependencies shared."""
    top = tmp_path_factory.mktemp("venv")
    env = top / "env"
    _run([sys.executable, "-m", "venv", env], top)
    shared = top / "shared"
    shared.mkdir()
    here = Path(sysconfig.get_path("purelib"))
    for entry in here.iterdir():
        if not NOT_SHARED.search(entry.name):
            (shared / entry.name).symlink_to(entry)
    purelib = Path(_run([env / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                        top).stdout.strip())
    (purelib / "_chitieu_test_shared.pth").write_text(f"{shared}\n", encoding="utf-8")
    _pip(env, "install", wheel, cwd=top)
    return env


@pytest.fixture(scope="module")
def user_folder(tmp_path_factory) -> Path:
    """A user's folder outside the repository: their own modules named as chitieu's stages used to be (each
    fails loudly if imported), and a copy of the samples' seed texts the README's examples read."""
    folder = tmp_path_factory.mktemp("user") / "Dữ liệu của tôi"
    folder.mkdir()
    for name in USER_MODULES:
        (folder / f"{name}.py").write_text(f'raise RuntimeError("the user\'s own {name}.py was imported")\n',
                                           encoding="utf-8")
    shutil.copytree(SEEDS, folder / "samples" / "seeds")
    return folder


def test_the_wheel_holds_one_import_name_with_its_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    version = wheel.name.split("-")[1]
    assert {n.split("/")[0] for n in names} == {"chitieu", f"chitieu-{version}.dist-info"}
    for needed in ("chitieu/__main__.py", "chitieu/schemas/record.schema.json", "chitieu/parse/data/"):
        assert any(n.startswith(needed) for n in names), needed


def test_chitieu_is_imported_from_the_fresh_environment_not_the_repository(venv, user_folder):
    proc = _run([venv / "bin" / "python", "-c",
                 "import chitieu, importlib.metadata as m; print(chitieu.__file__); "
                 "print(m.distribution('chitieu').locate_file(''))"], user_folder)
    module, dist = proc.stdout.split("\n")[:2]
    assert Path(module).is_relative_to(venv) and Path(dist).is_relative_to(venv), proc.stdout
    assert not Path(module).is_relative_to(ROOT)


def test_the_console_script_and_python_m_work_beside_the_users_own_modules(venv, user_folder):
    assert "Usage: chitieu" in _run([venv / "bin" / "chitieu", "--help"], user_folder).stdout
    assert "Usage: python -m chitieu" in _run([venv / "bin" / "python", "-m", "chitieu", "--help"],
                                              user_folder).stdout
    out = user_folder / "kết quả"
    seed = next((user_folder / "samples" / "seeds").glob("001_*.txt"))
    _run([venv / "bin" / "chitieu", "run", seed, "--out", out, "-q"], user_folder)
    assert (out / "records.json").stat().st_size > 100 and (out / "review.html").exists()
    again = user_folder / "again"
    _run([venv / "bin" / "python", "-m", "chitieu", "run", seed, "--out", again, "-q"], user_folder)
    assert (again / "records.json").read_text(encoding="utf-8") == (out / "records.json").read_text(encoding="utf-8")


def _readme_block(after: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(re.escape(after) + r".*?```python\n(.*?)```", readme, re.S).group(1)


@pytest.mark.parametrize("after", ["For data teams", "Every stage is usable without the CLI"])
def test_the_readmes_python_examples_run_as_written_in_the_users_folder(venv, user_folder, after):
    block = _readme_block(after)
    expected = [ln[2:] for ln in block.splitlines() if ln.startswith("# ")]
    proc = _run([venv / "bin" / "python", "-c", block], user_folder)  # -c: the user's folder comes first on sys.path
    assert proc.stdout.splitlines() == expected


def _both_work(venv: Path, user_folder: Path, elsewhere: Path) -> None:
    """chitieu runs, PyPI's parse parses, and pip finds nothing broken."""
    out = user_folder / "out-parse"
    shutil.rmtree(out, ignore_errors=True)
    seed = next((user_folder / "samples" / "seeds").glob("002_*.txt"))
    _run([venv / "bin" / "chitieu", "run", seed, "--out", out, "-q"], user_folder)
    assert (out / "records.json").exists()
    proc = _run([venv / "bin" / "python", "-c",
                 "import parse; print(parse.parse('{} ngày {:d}', 'Hà Nội ngày 15').fixed)"], elsewhere)
    assert proc.stdout.strip() == "('Hà Nội', 15)"
    check = _pip(venv, "check", cwd=elsewhere)
    assert "No broken requirements found" in check.stdout


def test_pypi_parse_beside_chitieu_in_either_order(venv, wheel, user_folder, tmp_path):
    _pip(venv, "install", "parse", cwd=tmp_path)          # after chitieu
    _both_work(venv, user_folder, tmp_path)
    _pip(venv, "uninstall", "-y", "chitieu", "parse", cwd=tmp_path)
    _pip(venv, "install", "parse", cwd=tmp_path)          # before chitieu
    _pip(venv, "install", wheel, cwd=tmp_path)
    _both_work(venv, user_folder, tmp_path)
