"""Static assets: fingerprinted URLs cached for a year, others revalidated; text compressed."""

import re

from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.assets import static_url


class TestStaticAssets:
    def test_pages_link_fingerprinted_assets(self, client: TestClient) -> None:
        soup = BeautifulSoup(client.get("/").text, "html.parser")
        urls = [str(t["href"]) for t in soup.select("link[rel=stylesheet]")]
        urls += [str(t["src"]) for t in soup.select("script[src]")]
        assert urls
        for url in urls:
            assert re.fullmatch(r"/static/[\w/.-]+\?v=[0-9a-f]{12}", url), url

    def test_fingerprinted_url_is_immutable(self, client: TestClient) -> None:
        response = client.get(static_url("nhsuk/nhsuk.min.css"))
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"

    def test_plain_url_is_revalidated(self, client: TestClient) -> None:
        response = client.get("/static/nhsuk/nhsuk.min.js")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers.get("etag")

    def test_fingerprint_is_the_content_hash(self) -> None:
        import hashlib

        from app.assets import STATIC_DIR

        digest = hashlib.sha256((STATIC_DIR / "css/app.css").read_bytes()).hexdigest()[:12]
        assert static_url("css/app.css") == f"/static/css/app.css?v={digest}"

    def test_text_is_compressed(self, client: TestClient) -> None:
        css = client.get(static_url("nhsuk/nhsuk.min.css"), headers={"Accept-Encoding": "gzip"})
        assert css.headers.get("content-encoding") == "gzip"
        page = client.get("/", headers={"Accept-Encoding": "gzip"})
        assert page.headers.get("content-encoding") == "gzip"
