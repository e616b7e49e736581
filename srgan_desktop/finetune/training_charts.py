"""The training page's live charts: the content loss and the held-out PSNR, and for a GAN run its
adversarial losses and the discriminator's outputs (hidden for a faithful run)."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QWidget

from srgan_desktop.finetune.chart import LiveChart

SMOOTHING = 0.9          # EMA of per-step values: about the last 10 steps


class TrainingCharts(QWidget):
    """Four `LiveChart`s in a grid; `by_name()` is what the event router feeds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        smooth = {"smoothing": SMOOTHING, "nonnegative": True}
        self.content = LiveChart("Generator content loss (smoothed)", [("content", "G content")], **smooth)
        self.adversarial = LiveChart("Adversarial losses (smoothed)",
                                     [("adversarial", "G adversarial"), ("d_loss", "D loss")], **smooth)
        self.discriminator = LiveChart("Discriminator outputs (smoothed)",
                                       [("d_real", "D(real)"), ("d_fake", "D(fake)")], y_range=(0.0, 1.0), **smooth)
        self.psnr = LiveChart("Validation PSNR (held-out photos)",
                              [("psnr", "This model"), ("bicubic", "Bicubic"), ("base", "Base model")],
                              y_title="dB", markers=True)
        grid.addWidget(self.content, 0, 0)
        grid.addWidget(self.psnr, 0, 1)
        grid.addWidget(self.adversarial, 1, 0)
        grid.addWidget(self.discriminator, 1, 1)

    def by_name(self) -> dict[str, LiveChart]:
        return {"content": self.content, "adversarial": self.adversarial, "discriminator": self.discriminator,
                "psnr": self.psnr}

    def configure(self, gan: bool, steps: int) -> None:
        """A run of `steps` steps; the GAN's charts only for a GAN."""
        self.adversarial.setVisible(gan)
        self.discriminator.setVisible(gan)
        for chart in self.by_name().values():
            chart.set_x_range(steps)

    def flush(self) -> None:
        for chart in self.by_name().values():
            chart.flush()
