"""Browser libraries committed under static/vendor/ are the ones package-lock.json pins
(`make vendor` copies them from the npm registry's packages), with their licences."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"


def _locked(package: str) -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    return str(lock["packages"][f"node_modules/{package}"]["version"])


def test_livekit_client_is_the_locked_version_with_its_licence():
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]["livekit-client"]
    version = _locked("livekit-client")
    bundle = (VENDOR / "livekit-client" / "livekit-client.umd.js").read_text()

    assert wanted == version  # pinned exactly, so `npm ci` gives this file back
    assert f'"{version}"' in bundle  # the bundle carries its own version
    assert bundle.startswith("!function(e,t)") and "LivekitClient" in bundle[:400]  # UMD global
    assert "Apache License" in (VENDOR / "livekit-client" / "LICENSE").read_text()


def test_axe_core_is_the_locked_version_with_its_licence():
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]["axe-core"]
    version = _locked("axe-core")
    bundle = (VENDOR / "axe-core" / "axe.min.js").read_text()

    assert wanted == version  # pinned exactly, so `npm ci` gives this file back
    assert bundle.startswith(f"/*! axe v{version}\n")  # the bundle's banner names its version
    assert "Mozilla Public License, version 2.0" in (VENDOR / "axe-core" / "LICENSE").read_text()


def test_axe_core_is_for_the_tests_only():
    """The accessibility checker is injected by the browser tests; no page loads it."""
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    assert [str(t.relative_to(ROOT)) for t in templates if "axe.min.js" in t.read_text()] == []


def test_no_page_loads_a_script_from_elsewhere():
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    offenders = [
        str(t.relative_to(ROOT))
        for t in templates
        if '<script src="http' in t.read_text() or '<script src="//' in t.read_text()
    ]
    assert offenders == []


def test_dejavu_fonts_are_the_locked_version_with_their_licence():
    """The PDF exports of the clinical record embed DejaVu Sans, read from disk, never fetched."""
    wanted = json.loads((ROOT / "package.json").read_text())["dependencies"]["dejavu-fonts-ttf"]
    fonts = VENDOR / "dejavu-fonts"

    assert wanted == _locked("dejavu-fonts-ttf")  # pinned exactly, so `npm ci` gives them back
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        assert (fonts / name).read_bytes()[:4] == b"\x00\x01\x00\x00"  # a TrueType font
    assert "Bitstream Vera Fonts Copyright" in (fonts / "LICENSE").read_text()
