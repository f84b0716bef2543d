"""One decoder: ``extract()`` given bytes reads a page's charset as the crawler does."""

from __future__ import annotations

import pytest

from pipelines.extract import extract
from pipelines.extract.decoding import choose_encoding, decode_html

# Czech/Polish sentences (written here) whose letters only exist in ISO-8859-2, not in cp1252.
SENTENCES = [f"Příliš žluťoučký kůň číslo {i} úpěl ďábelské ódy na náměstí v Brně, řekl dnes starosta." for i in range(4)]


def _page(charset: str, declare: str) -> bytes:
    paragraphs = "".join(f"<p>{s}</p>" for s in SENTENCES)
    html = (
        f'<html lang="cs"><head><meta charset="{declare}"><title>Zprávy z Brna</title></head>'
        f"<body><article><h1>Zprávy z Brna</h1>{paragraphs}</article></body></html>"
    )
    return html.encode(charset)


@pytest.mark.parametrize("charset", ["iso-8859-2", "windows-1250"])
def test_extract_reads_a_declared_central_european_charset(charset: str) -> None:
    article = extract(_page(charset, charset), "https://zpravy.example/brno")
    assert article is not None
    for sentence in SENTENCES:
        assert sentence in article.text


def test_extractor_and_crawler_pick_the_same_encoding() -> None:
    body = _page("iso-8859-2", "iso-8859-2")
    # the crawler's middleware calls choose_encoding; the extractor decodes with decode_html
    assert choose_encoding(body).encoding == "iso8859-2"
    assert SENTENCES[0] in decode_html(body)


def test_utf8_declared_but_cp1252_written_is_repaired() -> None:
    body = '<html><head><meta charset="utf-8"></head><body><p>Café crème à 3 €</p></body></html>'.encode("cp1252")
    assert "Café crème à 3 €" in decode_html(body)
