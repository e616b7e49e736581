"""Scoring models the way papers do: PSNR/SSIM on the Y channel next to bicubic, on a folder of HR images."""
