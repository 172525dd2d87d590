"""Pictures as PNG bytes: the cohort QR code (the mood chart and journey picture join it here)."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png(text: str) -> bytes:
    """A QR code of `text`, large enough to scan from across a room when shown on a screen."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=12, border=4)
    code.add_data(text)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image().save(buffer)
    return buffer.getvalue()
