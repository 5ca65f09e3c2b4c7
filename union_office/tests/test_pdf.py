"""Tests for union_office.pdf: Chinese text and bold faces render, and only our static files are read."""

import base64
import io
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from PIL import Image

from union_office.pdf import PDF_BASE_URL, ResourceRefusedError, StaticOnlyURLFetcher, render_pdf, render_pdf_from_html

TEST_TEMPLATES = Path(__file__).resolve().parent / "templates"


def png_data_url() -> str:
    """A small PNG as a data: URL, the positive control for "images are embedded when allowed"."""
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def test_templates(settings):
    """Add union_office/tests/templates to the template dirs, for templates that extend the PDF base."""
    templates = [{**backend, "DIRS": [*backend["DIRS"], TEST_TEMPLATES]} for backend in django_settings.TEMPLATES]
    settings.TEMPLATES = templates


def pdf_tool(tool: str, pdf: bytes, tmp_path: Path, *args: str) -> str:
    """Run a poppler-utils tool on the PDF bytes (written to a file: pdffonts cannot read stdin)."""
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([tool, *args, str(path)] + (["-"] if tool == "pdftotext" else []), capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode("utf-8")


def no_spaces(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_render_pdf_contains_chinese_text_and_page_numbers(test_templates, tmp_path):
    pdf = render_pdf("pdf_test/sample.html", {"title": "工会会员登记表", "body": "本表由基层工会填写。"})

    assert pdf.startswith(b"%PDF")
    text = no_spaces(pdf_tool("pdftotext", pdf, tmp_path))
    assert "工会会员登记表" in text
    assert "本表由基层工会填写。" in text
    # The footer comes from the @page rule in static/css/pdf.css, so this also proves the stylesheet was fetched.
    assert "第1页/共1页" in text


def test_bold_heading_uses_a_real_bold_cjk_face(test_templates, tmp_path):
    pdf = render_pdf("pdf_test/sample.html", {"title": "工会会员登记表", "body": "正文为常规字重。"})

    fonts = pdf_tool("pdffonts", pdf, tmp_path)
    assert re.search(r"Noto-(Serif|Sans)-CJK-SC-Bold", fonts), fonts
    assert re.search(r"Noto-Serif-CJK-SC\s", fonts), fonts  # the body text keeps the regular face


def test_context_values_are_escaped(test_templates, tmp_path):
    pdf = render_pdf("pdf_test/sample.html", {"title": "标题", "body": '<img src="file:///etc/passwd">'})

    assert '<img src="file:///etc/passwd">' in pdf_tool("pdftotext", pdf, tmp_path)


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/static/css/pdf.css",
        "file:///etc/passwd",
        "ftp://example.com/x.png",
        "javascript:alert(1)",
        f"{PDF_BASE_URL}etc/passwd",
        f"{PDF_BASE_URL}media/aid/document.pdf",
    ],
)
def test_fetcher_refuses_anything_but_static_and_data(url):
    with pytest.raises(ResourceRefusedError):
        StaticOnlyURLFetcher().fetch(url)


@pytest.mark.parametrize(
    "tail",
    ["../etc/passwd", "css/../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "/etc/passwd", "css\\..\\..\\x", ""],
)
def test_fetcher_refuses_paths_that_leave_static(tail):
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(ResourceRefusedError):
        fetcher.fetch(fetcher.static_prefix() + tail)


def test_fetcher_serves_a_static_file():
    fetcher = StaticOnlyURLFetcher()

    response = fetcher.fetch(f"{fetcher.static_prefix()}css/pdf.css?v=1")

    assert response.content_type == "text/css"
    expected = (Path(django_settings.BASE_DIR) / "static" / "css" / "pdf.css").read_bytes()
    assert response.read() == expected
    response.close()


def test_fetcher_serves_collected_files_with_hashed_names(settings, tmp_path):
    """In production {% static %} names manifest files (css/pdf.<hash>.css), found only in STATIC_ROOT."""
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "pdf.0123abcd.css").write_bytes(b"html { color: black }")
    fetcher = StaticOnlyURLFetcher()

    response = fetcher.fetch(f"{fetcher.static_prefix()}css/pdf.0123abcd.css")

    assert response.read() == b"html { color: black }"
    response.close()


def test_fetcher_reports_a_missing_static_file():
    fetcher = StaticOnlyURLFetcher()
    with pytest.raises(FileNotFoundError):
        fetcher.fetch(f"{fetcher.static_prefix()}css/no-such-file.css")


def test_fetcher_serves_data_urls():
    response = StaticOnlyURLFetcher().fetch("data:text/plain;base64,5bel5Lya")

    assert response.read().decode() == "工会"
    response.close()


def test_forbidden_images_are_left_out_without_failing(tmp_path, caplog):
    html = f"""<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><title>安全检查</title></head><body>
        <h1>安全检查</h1>
        <img src="file:///etc/passwd"><img src="http://example.com/x.png"><img src="/etc/passwd">
        <img src="{png_data_url()}">
        </body></html>"""

    pdf = render_pdf_from_html(html)

    assert pdf.startswith(b"%PDF")
    assert "安全检查" in pdf_tool("pdftotext", pdf, tmp_path)
    images = pdf_tool("pdfimages", pdf, tmp_path, "-list").splitlines()[2:]
    assert len(images) == 1, images  # only the data: PNG
    refused = [r.getMessage() for r in caplog.records if "ResourceRefusedError" in r.getMessage()]
    assert len(refused) == 3, refused
    assert b"root:" not in pdf
