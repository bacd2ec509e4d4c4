"""Profile photos: checked by their content, cropped, resized and re-encoded.

The uploaded bytes are never stored or served: only a JPEG that Pillow drew
from the decoded pixels, so no metadata (location, camera) and no disguised
payload survives.
"""

from __future__ import annotations

import io
import warnings

from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
SIZE = 400
# Decoding a picture this many pixels takes about 100 MB; a phone's is ~50 MP.
MAX_PIXELS = 60_000_000
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
CONTENT_TYPE = "image/jpeg"
EXTENSION = "jpg"


class PhotoError(ValueError):
    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message


def on_white(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent parts become white, not black."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def process_photo(data: bytes) -> bytes:
    """A square JPEG of at most SIZE pixels from an uploaded image; PhotoError if not.

    The size limit and the pixel limit are checked before decoding, so an
    oversize file or a decompression bomb costs almost nothing.
    """
    if len(data) > MAX_BYTES:
        raise PhotoError(_("Choose a photo of at most 5 MB."))
    if not data:
        raise PhotoError(_("The file is empty."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise PhotoError(_("This picture has too many pixels."))
                image.load()
                image = ImageOps.exif_transpose(image)
                image = ImageOps.fit(
                    on_white(image),
                    (min(SIZE, width, height),) * 2,
                    method=Image.Resampling.LANCZOS,
                )
    except PhotoError:
        raise
    except (
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as error:
        raise PhotoError(_("This picture has too many pixels.")) from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise PhotoError(
            _("This file is not a photo we can read: use a JPEG, PNG or WebP image.")
        ) from error
    output = io.BytesIO()
    image.save(output, format="JPEG", quality=85, optimize=True)
    return output.getvalue()
