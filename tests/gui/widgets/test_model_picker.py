"""The model picker: usable models to choose from, unusable files shown greyed out with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from srgan_desktop.widgets.model_picker import NO_MODEL, RECOMMENDED, ModelPicker


@pytest.fixture
def no_bundled_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SRGAN_DESKTOP_RESOURCES", str(tmp_path / "no-resources"))


def rows(picker: ModelPicker) -> list[tuple[str, bool, str]]:
    """(label, enabled, tooltip) of every entry."""
    model = picker.model()
    return [(picker.itemText(i), bool(model.flags(model.index(i, 0)) & Qt.ItemFlag.ItemIsEnabled),
             str(picker.itemData(i, Qt.ItemDataRole.ToolTipRole) or "")) for i in range(picker.count())]


def test_a_bad_file_is_listed_disabled_with_its_reason_and_the_good_model_is_chosen(
        qtbot, tiny_model: Path, no_bundled_models) -> None:
    broken = tiny_model.parent / "broken.safetensors"
    broken.write_bytes(b"\x00" * 5)
    picker = ModelPicker()
    qtbot.addWidget(picker)
    with qtbot.waitSignal(picker.problems_found) as signal:
        picker.refresh(select=broken)
    assert [path for path, _ in signal.args[0]] == [broken]
    (good_label, good_enabled, _), (bad_label, bad_enabled, bad_tip) = rows(picker)
    assert (good_label, good_enabled) == ("Tiny test model", True)
    assert (bad_label, bad_enabled) == ("broken (unusable)", False)
    assert "broken.safetensors: the file is empty or truncated" in bad_tip
    assert picker.current_path() == tiny_model                # asked for the broken one: not selectable


def test_with_only_bad_files_no_model_is_chosen_and_each_says_why(
        qtbot, isolated_user_data: Path, no_bundled_models) -> None:
    folder = isolated_user_data / "models"
    folder.mkdir()
    (folder / "a.safetensors").write_bytes(b"")
    (folder / "b.safetensors").write_bytes(b"not a model at all")
    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.refresh()
    assert [(label, enabled) for label, enabled, _ in rows(picker)] == [
        (NO_MODEL, True), ("a (unusable)", False), ("b (unusable)", False)]
    assert picker.current_path() is None
    tips = [tip for _, _, tip in rows(picker)[1:]]
    assert "a.safetensors" in tips[0] and "b.safetensors" in tips[1]


def test_the_recommended_entry_is_marked_with_its_reason_through_a_refresh_and_unmarked_again(
        qtbot, tiny_model: Path, no_bundled_models) -> None:
    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.setToolTip("The other end of the slider")       # a picker with a tooltip of its own keeps it
    picker.refresh()
    picker.set_recommendation(tiny_model, "noisy (about 12 grey levels)")
    picker.refresh()                                       # e.g. Reload Models: the mark stays
    label, _, tip = rows(picker)[0]
    assert label == "Tiny test model" + RECOMMENDED
    assert tip.startswith("Recommended for this image: noisy (about 12 grey levels)\n\nTiny test model")
    assert picker.toolTip() == "The other end of the slider\nRecommended for this image: noisy (about 12 grey levels)"
    assert picker.title_of(tiny_model) == "Tiny test model" and picker.recommended() == tiny_model
    picker.set_recommendation(None)
    label, _, tip = rows(picker)[0]
    assert label == "Tiny test model" and tip.startswith("Tiny test model")
    assert picker.toolTip() == "The other end of the slider"
