"""Content-Disposition and image sniffing for container file downloads."""

import pytest

from lib.container_files.service import content_disposition, raster_image_type
from lib.filenames import MAX_FILENAME_CHARS
from tests.fakes.openai_server import PNG_BYTES


@pytest.mark.parametrize(
    ("head", "media_type"),
    [
        (PNG_BYTES[:12], "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"<svg xmlns=", None),
        (b"<!doctype html>", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),
        (b"", None),
    ],
)
def test_only_raster_images_are_recognised(head: bytes, media_type: str | None) -> None:
    assert raster_image_type(head) == media_type


def test_disposition_has_an_ascii_name_and_the_utf8_name() -> None:
    assert content_disposition("inline", "naïve café.png", "cfile_x") == (
        "inline; filename=\"na_ve caf_.png\"; filename*=UTF-8''na%C3%AFve%20caf%C3%A9.png"
    )


def test_disposition_never_holds_a_line_break_or_a_stray_quote() -> None:
    value = content_disposition("attachment", 'x"\r\n\u2028y\\z', "cfile_x")
    assert "\r" not in value and "\n" not in value and "\u2028" not in value
    assert value.count('"') == 2


def test_overlong_names_are_cut_to_the_limit_uploads_have() -> None:
    value = content_disposition("attachment", "a" * 1000 + ".txt", "cfile_x")
    assert f'filename="{"a" * MAX_FILENAME_CHARS}"' in value
    assert "a" * (MAX_FILENAME_CHARS + 1) not in value
