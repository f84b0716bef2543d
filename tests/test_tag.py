"""Tagging: language, keywords, taxonomy topics, source tags and the page's own categories/tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.config import parse_sources
from pipelines.models import Article
from pipelines.tag import Tagger, TaxonomyError, detect_language, extract_keywords, load_taxonomy, normalize_tags

SPORT = (
    "Riverside beat Harbour City 2-1 on Saturday thanks to a late goal from striker Maria Lopez, keeping their hopes "
    "of a top-four finish in the league alive. The home side started brightly and hit the post before the visitors "
    "took the lead. Lopez equalised after half-time with a header and scored the winner in the 88th minute. "
    "The coach praised his players after the match. Riverside remain third in the table with six games left this season."
)
HEALTH = (
    "Hospitals in the region reported a sharp rise in patients with influenza this week, and doctors urged older "
    "people to get vaccinated. The health ministry said the outbreak had not yet peaked. Nurses described crowded "
    "emergency departments, and several clinics extended their opening hours. Public health officials said the "
    "vaccine remains the best protection against severe disease and that treatment is available for those at risk."
)
POLITICS_DE = (
    "Die Regierung hat am Mittwoch im Bundestag einen neuen Haushalt vorgestellt. Der Finanzminister sagte, die "
    "Koalition wolle die Ausgaben für Bildung erhöhen und gleichzeitig die Schuldenbremse einhalten. Die Opposition "
    "kritisierte den Entwurf scharf und kündigte an, im Parlament dagegen zu stimmen. Die Wahl im Herbst wirft ihre Schatten voraus."
)
TECH_FR = (
    "Une faille de sécurité dans un logiciel très utilisé permet à des pirates de prendre le contrôle de serveurs à "
    "distance. Les chercheurs qui ont découvert la vulnérabilité ont prévenu l'éditeur il y a deux mois. Une mise à jour "
    "corrige le problème et les administrateurs sont invités à l'installer sans attendre, selon l'agence nationale."
)


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    sources = parse_sources({"sources": [{"id": "city", "start_urls": ["https://city.example/"], "tags": ["Local News", "EN"]}]})
    return Tagger(sources={s.id: s for s in sources.sources})


@pytest.mark.parametrize(
    ("text", "language", "topic"),
    [(SPORT, "en", "sport"), (HEALTH, "en", "health"), (POLITICS_DE, "de", "politics"), (TECH_FR, "fr", "technology")],
)
def test_language_keywords_and_topic(tagger: Tagger, text: str, language: str, topic: str) -> None:
    article = tagger.tag(Article(url="https://city.example/a", text=text, source="city"))
    assert article.language == language
    assert 3 <= len(article.keywords) <= tagger.top_keywords
    assert all(k == k.lower() for k in article.keywords)
    assert all(any(part in text.lower() for part in k.split()) for k in article.keywords)
    assert topic in article.topics
    assert article.source_tags == ["local-news", "en"]


def test_distinct_topics_do_not_leak(tagger: Tagger) -> None:
    sport = tagger.tag(Article(url="https://x.example/s", text=SPORT))
    health = tagger.tag(Article(url="https://x.example/h", text=HEALTH))
    assert "health" not in sport.topics and "politics" not in sport.topics
    assert "sport" not in health.topics


def test_page_categories_and_tags_are_kept_normalised_and_count_for_topics(tagger: Tagger) -> None:
    article = Article(url="https://x.example/p", title="What we learned this week", text="It was a long week in the city, and many things happened that people will remember for years.",
                      categories=["World News", "world news ", "Économie"], tags=["Climate_Change", "#Elections 2024", ""])
    tagger.tag(article)
    assert article.categories == ["world-news", "économie"]
    assert article.tags == ["climate-change", "elections-2024"]
    assert "environment" in article.topics and "politics" in article.topics


def test_language_falls_back_to_hint_on_short_text() -> None:
    assert detect_language("Kurz.", hint="de-AT") == "de"
    assert detect_language("", hint=None) is None


def test_keywords_from_the_lead_not_the_whole_text() -> None:
    text = SPORT + " " + " ".join(["Completely unrelated astronomy telescope galaxies discussion."] * 60)
    keywords = extract_keywords(text, top=5, lead_words=60)
    assert "telescope" not in keywords and keywords


def test_yake_method_is_available() -> None:
    keywords = extract_keywords(HEALTH, method="yake", top=5)
    assert 1 <= len(keywords) <= 5


def test_custom_taxonomy_file(tmp_path: Path) -> None:
    path = tmp_path / "taxonomy.yaml"
    path.write_text("min_score: 2\ntopics:\n  Football Clubs:\n    - riverside\n    - harbour city\n", encoding="utf-8")
    tagger = Tagger(load_taxonomy(path))
    assert tagger.tag(Article(url="https://x.example/s", text=SPORT)).topics == ["football-clubs"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("topics:\n  sport: not-a-list\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="bad.yaml.*sport"):
        load_taxonomy(bad)


def test_normalize_tags_dedupes_case_insensitively() -> None:
    assert normalize_tags(["AI", "ai ", "A.I.", "Machine Learning"]) == ["ai", "a-i", "machine-learning"]


def test_rejected_records_pass_untouched(tagger: Tagger) -> None:
    rejected = Article(url="https://x.example/r", text="Too short.", rejected="too-short")
    assert list(tagger([rejected]))[0].keywords == []
