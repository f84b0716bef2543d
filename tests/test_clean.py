"""clean_text: what a user of `newsarchive clean` relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.clean import clean_text, normalise_text
from pipelines.config import Cleaning
from pipelines.widgets import is_widget_line, widget_lines

SEED_NAME = "000_183f575d9282628d.txt"
SEED_PAGE_TEXT = Path(__file__).parent / "data" / "extraction" / "pages" / "wpcom-seed.txt"


@pytest.fixture(scope="module")
def seed_text(data_dir: Path) -> str:
    return (data_dir / "seeds" / SEED_NAME).read_text(encoding="utf-8")


def test_seed_keeps_title_and_seven_paragraphs_only(seed_text: str) -> None:
    cleaned = clean_text(seed_text)
    lines = [line for line in cleaned.split("\n") if line]
    assert lines[0] == "The American army resumes its joint operations with Iraq"
    assert lines[1:] == SEED_PAGE_TEXT.read_text(encoding="utf-8").split("\n")[:-1]
    assert len(lines[1:]) == 7
    for fragment in ("Leave a Reply", "Fill in your details", "You are commenting", "Connecting to %s",
                     "Google photo", "Log Out", "Finished 2"):
        assert fragment not in cleaned
    assert cleaned.endswith("military operations in the Middle East.")


def test_seed_paragraph_text_is_unchanged(seed_text: str) -> None:
    cleaned = clean_text(seed_text)
    assert "Baghdad / … two American military officials confirmed" in cleaned
    assert "“The New York Times”." in cleaned


@pytest.mark.parametrize(
    "sentence",
    [
        "The minister did not leave a reply to the letter, his office said.",
        "Leave a reply to the survey by Friday, the council urged residents in its notice.",
        "Users who share this kind of video risk a fine, police said.",
        "One response to the crisis was to raise taxes on fuel.",
        "Twitter and Facebook both declined to comment on Tuesday.",
        "Posted by a friend on Facebook, the video went viral within hours.",
        "Il a refusé de laisser un commentaire sur cette affaire.",
        "Notes:",
        "Related",
        "Comment",
        "Sie wollte keinen Kommentar abgeben.",
        "El ministro no quiso dejar un comentario sobre el caso.",
    ],
)
def test_sentences_that_mention_widget_phrases_are_kept(sentence: str) -> None:
    text = f"First paragraph of the story.\n{sentence}\nLast paragraph of the story."
    assert sentence in clean_text(text)


@pytest.mark.parametrize(
    "widget",
    [
        # WordPress core, in the languages WordPress renders it in
        "Leave a Reply Cancel reply",
        "Your email address will not be published. Required fields are marked *",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Laisser un commentaire Annuler la réponse",
        "Votre adresse e-mail ne sera pas publiée. Les champs obligatoires sont indiqués avec *",
        "Schreibe einen Kommentar Antworten abbrechen",
        "Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert",
        "Deja una respuesta Cancelar la respuesta",
        "Tu dirección de correo electrónico no será publicada. Los campos obligatorios están marcados con *",
        "اترك تعليقاً إلغاء الرد",
        "لن يتم نشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *",
        # WordPress.com / Jetpack
        "Share this:", "Like this:", "Like Loading...", "J’aime chargement…", "Gefällt mir Wird geladen …",
        "Me gusta Cargando...", "Partager :", "Teilen mit:", "Comparte esto:", "شارك هذا:",
        "Click to share on Twitter (Opens in new window)", "Related posts", "Twitter Facebook",
        "Vous commentez à l’aide de votre compte Google. Déconnexion / Modifier )",
        "Du kommentierst mit deinem Facebook-Konto. Abmelden / Ändern )",
        "Estás comentando usando tu cuenta de Twitter. Cerrar sesión / Cambiar )",
        "Entrez vos coordonnées ci-dessous ou cliquez sur une icône pour vous connecter:",
        "Die Kommentarfunktion ist geschlossen.", "Les commentaires sont fermés.",
        # Disqus, Blogger, TypePad, Tumblr
        "Please enable JavaScript to view the comments powered by Disqus.",
        "Newer Post Older Post Home", "Subscribe to: Post Comments (Atom)",
        "Posted by: Jane Doe | January 14, 2020 at 10:00 AM", "142 notes",
        "12 thoughts on “The American army resumes its joint operations with Iraq”",
    ],
)
def test_widget_lines_are_dropped(widget: str) -> None:
    assert is_widget_line(widget)
    text = f"The story has a first paragraph.\n{widget}\nAnd a second one that ends it."
    assert clean_text(text) == "The story has a first paragraph.\nAnd a second one that ends it."


def test_comment_section_after_the_story_is_cut() -> None:
    story = "\n".join(f"Paragraph {i} of the story tells what happened in the city on Monday." for i in range(6))
    comments = "3 thoughts on “Storm hits the coast”\nJohn says: I saw the waves from my window.\nGreat report!"
    assert clean_text(f"{story}\n{comments}") == story


def test_sentence_opening_like_a_comment_heading_cuts_nothing() -> None:
    story = [f"Paragraph {i} of the story about the consultation on the new bypass." for i in range(6)]
    story += ["2 responses to the consultation came from farmers, the council said.", "The last paragraph."]
    assert clean_text("\n".join(story)) == "\n".join(story)


def test_comment_heading_early_in_a_text_cuts_nothing() -> None:
    text = "Leave a Reply\n" + "\n".join(f"Paragraph {i} of a story about a theatre play." for i in range(5))
    assert clean_text(text).split("\n")[0] == "Paragraph 0 of a story about a theatre play."
    assert len(clean_text(text).split("\n")) == 5


@pytest.mark.parametrize(
    ("ending", "kept"),
    [
        ("in the Middle East. Finished 2", "in the Middle East."),
        ("the talks ended.\n(END)", "the talks ended."),
        ("the talks ended.\n(Reporting by Jane Doe; Editing by John Roe)", "the talks ended."),
        ("the talks ended. (END)", "the talks ended."),
        ("the talks ended.\n###", "the talks ended."),
        ("the talks ended.\n© 2020 AFP", "the talks ended."),
        ("les négociations ont échoué.\n(Avec AFP)", "les négociations ont échoué."),
        ("the season is finished", "the season is finished"),
        ("the count ended at 2", "the count ended at 2"),
    ],
)
def test_trailing_sign_offs(ending: str, kept: str) -> None:
    assert clean_text(f"Opening paragraph of the wire story.\nAnd {ending}") == f"Opening paragraph of the wire story.\nAnd {kept}"


def test_source_rules_drop_lines_and_trailers() -> None:
    rules = Cleaning(trailer_patterns=[r"Follow us on Telegram.*"], drop_patterns=[r"ADVERTISEMENT"])
    text = "A story in two parts.\nADVERTISEMENT\nThe second part. Follow us on Telegram for more news"
    assert clean_text(text, rules) == "A story in two parts.\nThe second part."
    assert "ADVERTISEMENT" in clean_text(text)  # only the source that asks for it drops it


def test_unicode_and_whitespace_are_normalised() -> None:
    text = "  Cafe\u0301\u00a0au\tlait\u200b  \r\n\r\n\r\n\u00adSecond\u2028line\x07  "
    assert normalise_text(text) == "Café au lait\n\nSecond\nline"
    assert clean_text("") == ""


def test_widget_lines_lists_what_leaked() -> None:
    assert widget_lines("Story.\nShare this:\nTwitter Facebook\nThe end.") == ["Share this:", "Twitter Facebook"]


def test_cleaning_twice_changes_nothing(seed_text: str) -> None:
    """The processing stage cleans texts the extractor already cleaned: a second pass is a no-op."""
    corpus = Path(__file__).parent / "data" / "extraction" / "pages"
    texts = [seed_text, *(p.read_text(encoding="utf-8") for p in sorted(corpus.glob("*.txt")))]
    for text in texts:
        once = clean_text(text)
        assert clean_text(once) == once
