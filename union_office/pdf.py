"""Render Django templates to PDF with WeasyPrint, reading nothing but our own static files.

Every printable document (会员登记表, 收支报表, 慰问审批单 ...) goes through `render_pdf`, so the
rules live in one place:

* Templates may carry user-entered text, and WeasyPrint happily fetches whatever a page references
  (`<img src="http://...">`, `file:///etc/passwd`, `@import`). A document must never reach the
  network (intranet deployments, SSRF) nor read arbitrary files from the server disk, so the URL
  fetcher below only serves files that Django's staticfiles would serve, plus inline `data:` URLs.
  A refused resource is left out of the document (WeasyPrint logs it); rendering does not fail.
* Fonts come from the system package fonts-noto-cjk through fontconfig and are named in
  static/css/pdf.css, never downloaded.

Written for WeasyPrint 70, whose `url_fetcher` must be a `weasyprint.urls.URLFetcher` instance (a
plain function, as in older versions, no longer works: WeasyPrint reads attributes off it).
"""

import mimetypes
import os
import posixpath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest
from django.template.loader import render_to_string
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

__all__ = ["PDF_BASE_URL", "ResourceRefusedError", "StaticOnlyURLFetcher", "render_pdf", "render_pdf_from_html"]

# Relative and root-relative references (`{% static %}` gives "/static/...") are resolved against
# this origin. The .invalid TLD never resolves (RFC 2606), and the fetcher never opens a socket
# anyway: the origin is only a marker saying "this is one of ours, look it up in staticfiles".
PDF_BASE_URL = "https://union-office.invalid/"


class ResourceRefusedError(ValueError):
    """A document referenced something other than our static files or a data: URL."""


class StaticOnlyURLFetcher(URLFetcher):
    """URL fetcher that serves static files from staticfiles and data: URLs, and refuses the rest.

    WeasyPrint catches the exception raised for a refused URL, logs it and renders without the
    resource, so a hostile `<img src>` in user text costs one missing image, not a failed export.
    """

    def __init__(self, base_url: str = PDF_BASE_URL) -> None:
        # allowed_protocols is a second lock: even the inherited urllib code path is data: only.
        super().__init__(allowed_protocols={"data"}, allow_redirects=False)
        self.base_url = base_url

    def static_prefix(self) -> str:
        """Absolute URL under which our static files live, read per call since STATIC_URL gets the script prefix."""
        return urljoin(self.base_url, settings.STATIC_URL)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)
        prefix = self.static_prefix()
        if not url.startswith(prefix):
            raise ResourceRefusedError(f"PDF resources must be static files or data: URLs, not {url[:200]!r}")
        path = self._static_path(url[len(prefix) :])
        data = self._read_static(path)
        content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=data, headers={"Content-Type": content_type})

    @staticmethod
    def _static_path(relative_url: str) -> str:
        """Turn the URL tail after STATIC_URL into a staticfiles path, refusing any way out of it."""
        path = unquote(urlsplit(relative_url).path)
        normalised = posixpath.normpath(path) if path else ""
        if (
            not path
            or "\\" in path
            or "\x00" in path
            or path.startswith("/")
            or normalised != path.rstrip("/")
            or normalised.startswith("..")
        ):
            raise ResourceRefusedError(f"Not a plain static file path: {relative_url[:200]!r}")
        return normalised

    @staticmethod
    def _read_static(path: str) -> bytes:
        """Read a static file the way `{% static %}` named it.

        The finders cover source files (development, tests); the storage covers collected files,
        which is where hashed names from the manifest storage in production (css/pdf.3f2a.css) live.
        """
        found = finders.find(path)
        if isinstance(found, str) and os.path.isfile(found):
            with open(found, "rb") as handle:
                return handle.read()
        if staticfiles_storage.exists(path):
            with staticfiles_storage.open(path, "rb") as handle:
                return handle.read()
        raise FileNotFoundError(f"No static file {path!r}")


def render_pdf_from_html(html: str) -> bytes:
    """Convert an HTML string to PDF bytes with the static-only fetcher.

    Exposed on its own for HTML that does not come from a template file (and for tests); anything
    user-supplied in `html` must already be escaped, as the template engine does for `render_pdf`.
    """
    fetcher = StaticOnlyURLFetcher()
    document = HTML(string=html, base_url=fetcher.base_url, url_fetcher=fetcher)
    pdf = document.write_pdf()
    if pdf is None:  # only when a target file is given, never here; keeps the return type honest
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf


def render_pdf(
    template_name: str, context: dict[str, Any] | None = None, *, request: HttpRequest | None = None
) -> bytes:
    """Render a Django template (usually extending union_office/pdf/base.html) to PDF bytes.

    `request` is only used for the template context (context processors, the user, the language);
    resources are never fetched through it, so the PDF looks the same whichever host served the page.
    """
    html = render_to_string(template_name, context or {}, request=request)
    return render_pdf_from_html(html)
