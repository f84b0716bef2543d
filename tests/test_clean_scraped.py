"""clean_text on text scraped elsewhere: comment sections in six languages, scraper markup, no article line lost.

Every text here is written for the test (shapes seen in the dev corpora, no copied words).
"""

from __future__ import annotations

import pytest

from pipelines.clean import clean_text

STORY = [
    "Harbour wall gives way after the storm",
    "The harbour council met on Tuesday evening to discuss the collapsed sea wall and the cost of repairs.",
    "Engineers said the old stones had moved for years, and that a new wall would take at least eight months.",
    "Fishermen asked for a temporary pier; the council promised an answer before the end of the month.",
]

# (language, comment section as another scraper renders it: heading, author/date/reply lines, form),
# one line per language, the section's lines separated by " | "
SECTIONS = {
    "en": "2 thoughts on “Harbour wall gives way” | Jo Bloggs says: | March 3, 2024 at 5:12 pm | I walked past it last week and it already looked bad. | Reply | Leave a Reply Cancel reply | Your email address will not be published. Required fields are marked * | Name * | Email *",
    "fr": "3 réflexions sur « Le mur du port cède » | Jeanne Martin dit : | 3 mars 2024 à 17 h 12 | Je passe devant chaque matin, il penchait déjà. | Répondre | Laisser un commentaire Annuler la réponse | Votre adresse e-mail ne sera pas publiée.",
    "es": "2 comentarios en «El muro del puerto cede» | Lucía Gómez dice: | 3 de marzo de 2024 a las 17:12 | Lo vi la semana pasada y ya estaba inclinado. | Responder | Deja una respuesta Cancelar la respuesta | Tu dirección de correo electrónico no será publicada.",
    "de": "Kommentare (2) | Hans Meier sagt: | 3. März 2024 um 17:12 Uhr | Ich bin letzte Woche vorbeigegangen, die Mauer stand schon schief. | Antworten | Schreibe einen Kommentar Antworten abbrechen | Deine E-Mail-Adresse wird nicht veröffentlicht.",
    "it": "2 commenti su “Il muro del porto cede” | Giulia Rossi ha detto: | 3 marzo 2024 alle 17:12 | Ci sono passata la settimana scorsa ed era già storto. | Rispondi | Lascia un commento Annulla risposta | Il tuo indirizzo email non sarà pubblicato.",
    "ru": "2 комментария к «Стена гавани рухнула» | Иван Петров пишет: | 3 марта 2024 в 17:12 | Я проходил мимо на прошлой неделе, стена уже кренилась. | Ответить | Добавить комментарий Отменить ответ | Ваш адрес email не будет опубликован.",
}


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


@pytest.mark.parametrize("language", sorted(SECTIONS))
def test_comment_section_is_cut_from_its_first_line_and_no_article_line_is_lost(language: str) -> None:
    section = SECTIONS[language].split(" | ")
    assert _lines(clean_text("\n\n".join(STORY + section))) == STORY


def test_comment_list_without_a_heading_is_cut_at_its_first_header() -> None:
    comments = ["Anna Klein", "12.03.2024 um 09:15", "Die Mauer war schon lange marode, das wusste jeder hier.",
                "Antworten", "Peter Roth", "12.03.2024 um 10:02", "Stimmt, man hätte früher handeln müssen.", "Antworten"]
    # the name line before the first date is part of the section only if it is comment-shaped; the
    # article lines must all survive and no date/reply line may stay
    cleaned = _lines(clean_text("\n".join(STORY + comments)))
    assert cleaned[: len(STORY)] == STORY
    assert not any(line in cleaned for line in ("12.03.2024 um 09:15", "Antworten", "Stimmt, man hätte früher handeln müssen."))


def test_comment_count_under_the_headline_cuts_nothing() -> None:
    text = [STORY[0], "3 Comments", "Share this:", "Tweet", *STORY[1:]]
    assert _lines(clean_text("\n".join(text))) == STORY


def test_dated_lines_inside_an_article_are_kept() -> None:
    programme = [*STORY, "Saturday, 14 March 2024, 13:00 to 14:30, town hall",
                 "Registration closes: 03.03.2024", "More on the council's website."]
    assert _lines(clean_text("\n".join(programme))) == programme


def test_pandoc_markup_is_removed_and_the_text_kept() -> None:
    scraped = "\n".join([
        '::: {#post-12 .post .type-post style="margin:0"}',
        "## Harbour wall gives way after the storm {#harbour-wall .entry-title}",
        "![Waves on the wall](https://img.example/wall.jpg)",
        "[![](https://img.example/thumb.jpg)](https://img.example/full.jpg)",
        *STORY[1:3],
        "A [council report](https://council.example/report) listed [the costs]{.highlight}.",
        ":::",
        STORY[3],
    ])
    assert _lines(clean_text(scraped)) == [
        STORY[0], *STORY[1:3], "A council report listed the costs.", STORY[3]
    ]


def test_feed_footer_line_and_tail_are_removed() -> None:
    tail = STORY[-1] + " The post Harbour wall gives way appeared first on Coastline Courier."
    assert _lines(clean_text("\n".join([*STORY[:-1], tail]))) == STORY
    line = "L’article Le mur du port cède est apparu en premier sur Courrier du Littoral."
    assert _lines(clean_text("\n".join([*STORY, line]))) == STORY


def test_a_call_to_comment_ending_the_text_goes_but_a_sentence_about_comments_stays() -> None:
    assert _lines(clean_text("\n".join([*STORY, "Schreiben Sie den ersten Kommentar", "Name *", "E-Mail *"]))) == STORY
    steps = [*STORY, "Each reader is asked to read the draft", "and then comment (see the notes above the date)"]
    assert _lines(clean_text("\n".join(steps))) == steps


# Comment sections whose parts the widget phrases do not name, by kind (issue 14); one line per
# case, the section's lines separated by " | ". Each must be cut from its first line, and the story
# above it kept whole.
SECTIONS_BY_KIND = {
    "count heading in Polish, then the form": "Komentarze (3) | Dodaj komentarz | Imię (wymagane) | Email (nie będzie opublikowany) (wymagane)",
    "count heading in Portuguese, then a comment": "Comentários | Rita Alves | 4 de março de 2024 às 10:15 | Que bom saber disso. | Responder",
    "count sentence, comment text before its header": "There are 5 comments | Good to see the council act at last, it took them long enough. | Sam Reed · March 4, 2024 at 9:30 AM | Reply",
    "call to comment with login lines, Portuguese": "Deixe sua opinião | Para comentar, faça login | Seu nome * | Seu e-mail *",
    "call to comment with login lines, Spanish": "Dejá tu comentario | Para comentar tenés que iniciar sesión | Contraseña",
    "call to comment with login lines, French": "Réagir | Pour réagir, veuillez vous connecter | Mot de passe",
    "call to comment and its fields, Arabic": "إضافة تعليق جديد | اسمك | تعليقك *",
    "call to comment, then a reader-reaction widget": "Deixe sua opinião | Como você se sentiu com essa matéria? | Carregando...",
    "comment field label, then required fields": "Kommentar | Name * | E-Mail * | Website",
    "policy heading and sentences": "House rules | Comments are moderated and may take a day to appear. | Please keep comments civil and on topic.",
    "call to comment, then community guidelines": "Schreib den ersten Kommentar! | Bitte beachte unsere Community-Richtlinien | Kommentieren | Abbrechen",
    "comment list without dates": "Comments | Ann Lee | Thank you, this helped me fix the same problem at home. | bob77 | Same here, the second step was the one I missed. | Kim | Could you add a photo of the final result?",
    "comment list, date first, title and text between": "Anna Weber, 4. März 2024 - 10:15 | Endlich | Die Mauer hätte man schon vor Jahren sanieren müssen. | Antworten | Peter Roth, 4. März 2024 - 11:02 | Kosten | Wer zahlt das am Ende? | Antworten",
    "forum thread: name shown twice, post count, date with reply and quote actions": "Kaimauer | 412 | Kaimauer | 03.04.2024, 09:12 Zum Antworten anmelden Zitieren # | Die Stadt hätte das längst reparieren müssen. | Fischerfritz | 98 | Fischerfritz | 03.04.2024, 09:40 Zum Antworten anmelden Zitieren # | Der Hafenmeister hat schon im Herbst gewarnt. | Möwe7 | 1203 | Möwe7 | 03.04.2024, 10:05 Zum Antworten anmelden Zitieren # | Stimmt.",
    "forum thread in English, one name line over each header": "dockhand | 12 Mar 2024, 09:12 Reply Quote | They should have fixed it years ago. | seagull7 | 12 Mar 2024, 09:40 Reply Quote | The harbour master warned them in autumn. | netmender | 12 Mar 2024, 10:05 Reply Quote | Agreed.",
    "product reviews: overall rating, stars, reviewer and date": "Gesamtbewertung: | 4,5 von 5 Sternen | Kundenbewertungen für „Hafenlaterne Classic“ | Verifizierte/r Käufer/in am 8.6.2023 | Leuchtet hell und hält dem Wind stand. | Jonas K. am 2.5.2023 | Gut verarbeitet.",
    "product reviews in English": "Customer reviews | 4 out of 5 stars | Sam R. on 8 June 2023 | Bright and sturdy, survived the first storm. | Was this review helpful? | Lee P. on 2 May 2023 | Fine for the price.",
    "form title with a cancel link and German variants": "Hinterlasse eine Antwort | Antwort verwerfen | Ihre E-Mail-Adresse wird nicht veröffentlicht. | Meinen Namen und meine E-Mail in diesem Browser speichern, bis ich wieder kommentiere.",
}


@pytest.mark.parametrize("kind", sorted(SECTIONS_BY_KIND))
def test_comment_section_of_each_kind_is_cut_and_the_story_kept(kind: str) -> None:
    section = SECTIONS_BY_KIND[kind].split(" | ")
    assert _lines(clean_text("\n\n".join(STORY + section))) == STORY


def test_count_bubble_and_captcha_around_a_comment_form_go_with_it() -> None:
    section = ["12", "Leave a Reply Cancel reply", "Your email address will not be published.", "Name *", "− =", "Δ"]
    assert _lines(clean_text("\n".join(STORY + section))) == STORY


def test_a_late_call_to_comment_followed_only_by_short_links_is_cut() -> None:
    related = ["Deixe sua opinião", "Leia também", "Porto ganha novo cais", "Obras no porto começam em maio"]
    assert _lines(clean_text("\n".join(STORY + related))) == STORY


def test_a_comment_form_under_a_short_text_is_cut() -> None:
    short = ["Harbour reopens", "The harbour reopened on Monday."]
    form = ["Leave a Reply Cancel reply", "Name *", "Email *"]
    assert _lines(clean_text("\n".join(short + form))) == short


# Lines that look like parts of a comment section but are the article's own: none may be lost.
MORE = [
    "The ferry keeps to its timetable, and the harbour office answers questions every weekday morning.",
    "A public meeting on the repairs is planned for the spring, once the engineers have finished their survey.",
]
KEPT_BY_KIND = {
    "a sentence on moderation inside the text": [
        STORY[1], "The clerk said comments from residents are moderated before the minutes are published.", *STORY[2:],
    ],
    "a bullet list with field-like words": [*STORY, "* item name", "* item type (folder or document)", "* content type"],
    "brand names marked with an asterisk": [*STORY, "Shops that stock the new rope:", "Harbourline*", "Seacraft Supply*", "Knot & Co*"],
    "a subheading named Response": [*STORY[:2], "Response", STORY[2], STORY[3]],
    "a setting about commentary": [*STORY, "Commentary language", "This is the language the commentary will use.", "Sideline commentator"],
    "a list of addresses with /comments/": [*STORY, "- https://forum.example/r/harbour/comments/4b8s7v/wall", "- https://forum.example/r/harbour/comments/4c1a2b/pier"],
    "a sidebar's feed and login links": [*STORY, "Meta", "Log in", "Entries RSS", "Comments RSS", "Archives", "Harbour news in brief: the ferry timetable changes on Monday and the pier stays open."],
    "a section label and the byline above the body": [*STORY[:3], "Comment", "By Anna Weber", "4 March 2024", STORY[3], *MORE],
    "officials' reactions quoted under a heading": [
        *STORY[:3], "Réactions", "Maire Jeanne Roy", "Nous reconstruirons le mur avant l’hiver.", "Conseiller Paul Roe",
        "C’est un désastre pour les pêcheurs.", "Capitaine Kim Lee", "Le quai reste ouvert pour l’instant.", STORY[3], *MORE,
    ],
    "a readers' letters section with one dated letter": [
        *STORY[:3], "Reader comments", "Many readers wrote to us about the wall.", "Anna Weber, 4 March 2024", STORY[3], *MORE,
    ],
    "one dated line with a quote in the text": [*STORY[:2], "Quote of the day, 12 Mar 2024", STORY[2], STORY[3], *MORE],
    "a film review's own rating": [*STORY, "Rating: 4 out of 5 stars", "The film opens in cinemas on 12 March 2024.", *MORE],
    "headings whose last word ends like a says verb": [
        *STORY[:2], "Der Autokredit", STORY[2], "Der Ratenkredit", STORY[3], "Der Dispokredit", *MORE,
    ],
    "a link to the comments with nothing of them after it": [*STORY, "Kommentare lesen und schreiben, hier klicken", "Verwandte Themen", "Hafen", "Sturm"],
}


@pytest.mark.parametrize("kind", sorted(KEPT_BY_KIND))
def test_article_lines_that_look_like_comment_parts_are_kept(kind: str) -> None:
    text = KEPT_BY_KIND[kind]
    assert _lines(clean_text("\n".join(text))) == text


def test_a_count_under_the_headline_followed_by_the_date_cuts_nothing() -> None:
    text = [STORY[0], "80 Comments", "Updated: March 4, 2024", *STORY[1:]]
    # the count alone is a widget line and goes; the date and the story stay
    assert _lines(clean_text("\n".join(text))) == [STORY[0], "Updated: March 4, 2024", *STORY[1:]]


def test_comment_headers_written_as_markdown_headings_are_comment_headers() -> None:
    section = [
        "###### Anna Weber | Mo, 4. März 2024 - 10:15", "Endlich", "Die Mauer hätte man schon vor Jahren sanieren müssen.",
        "Antworten", "###### Peter Roth | Mo, 4. März 2024 - 11:02", "Kosten", "Wer zahlt das am Ende?", "Antworten",
    ]
    assert _lines(clean_text("\n\n".join(STORY + section))) == STORY


def test_pandoc_attributes_with_utility_class_names_are_removed() -> None:
    scraped = [STORY[0] + " {.Mb(1.0em) .mb-15@s}", "## Harbour costs {.C(#3f3f3f) .Fw(b)}", *STORY[1:]]
    assert _lines(clean_text("\n".join(scraped))) == [STORY[0], "Harbour costs", *STORY[1:]]


def test_a_helpfulness_vote_ending_a_post_goes() -> None:
    assert _lines(clean_text("\n".join([*STORY, "Hilfreich? 3"]))) == STORY
    assert _lines(clean_text("\n".join([*STORY, "Was this review helpful?"]))) == STORY


def test_a_signature_above_a_thread_whose_headers_carry_the_names_is_kept() -> None:
    # the name line above the first header is the article's only when the thread's other headers
    # show no name line above them
    thread = ["Ann Lee says:", "They should have fixed it years ago.", "Reply", "Bob Roe says:", "The harbour master warned them.",
              "Reply", "Kim Day says:", "Agreed.", "Reply"]
    assert _lines(clean_text("\n".join([*STORY, "Harbour Office", *thread]))) == [*STORY, "Harbour Office"]


def test_a_most_read_or_related_stories_block_ending_the_text_goes() -> None:
    for heading in ("Most Popular This Week", "More on this story", "Das könnte Sie auch interessieren", "Articles en relation"):
        block = [heading, "1", "Ferry timetable changes on Monday", "2", "New pier opens in May", "Published: 3 Jan 2024"]
        assert _lines(clean_text("\n".join([*STORY, *MORE, *block]))) == [*STORY, *MORE], heading


def test_a_related_heading_followed_by_more_text_and_a_read_also_link_are_kept() -> None:
    paragraph = ("The council will vote on the repair budget next month; until then the fishermen moor at the old "
                 "ferry steps, which the harbour office has reinforced with sandbags, ropes and a temporary wooden railing.")
    assert len(paragraph) > 200
    continued = [*STORY, *MORE, "Related stories", "Ferry timetable changes on Monday", paragraph]
    # the heading alone is a widget line and may go; what follows it is the article's
    assert [line for line in continued if line != "Related stories"] == [
        line for line in _lines(clean_text("\n".join(continued))) if line != "Related stories"
    ]
    read_also = [*STORY, *MORE, "Czytaj też:", "Nowe molo w porcie otwarte w maju", "Źródło: agencja"]
    assert _lines(clean_text("\n".join(read_also))) == read_also


def test_text_between_a_count_of_no_comments_and_the_form_is_kept() -> None:
    # no comment follows "Keine Kommentare", so the feed link under it is no comment; the form goes
    tail = ["Keine Kommentare", "RSS-Feed zu den Kommentaren dieses Beitrags", "Kommentar schreiben", "Name (erforderlich)",
            "E-Mail (wird nicht veröffentlicht)"]
    assert _lines(clean_text("\n".join([*STORY, *tail]))) == [*STORY, "RSS-Feed zu den Kommentaren dieses Beitrags"]


def test_a_late_comments_heading_over_the_sites_notice_waits_for_the_form() -> None:
    notice = ("Advertise with the most read news site on the coast: we offer display, newsletter and sponsored "
              "packages for every budget, with weekly reports on how your campaign performs with our readers "
              "and a named contact in our sales team.")
    copyright_line = ("© 2024 Coastline Courier. This article is the property of the Coastline Courier; written "
                      "permission is needed to reproduce it in print, on the web or in any other form or medium.")
    form = ["Leave a Reply Cancel reply", "Your email address will not be published. Required fields are marked *", "Name *"]
    assert len(notice) > 200  # a paragraph of text after the heading
    cleaned = _lines(clean_text("\n".join([*STORY, *MORE, "Comments", notice, copyright_line, *form])))
    assert cleaned[: len(STORY) + len(MORE)] == [*STORY, *MORE]
    assert notice in cleaned and copyright_line in cleaned
    assert not any(line in cleaned for line in form)


def test_a_late_comments_heading_over_a_commenters_name_is_cut_even_before_long_comments() -> None:
    comment = ("Ein Quantensprung ist das nicht. Die Mauer hätte man vor Jahren sanieren können, als es noch billig "
               "war; jetzt zahlen wir das Doppelte, und die Fischer warten trotzdem bis zum Sommer auf ihren neuen Steg.")
    assert len(comment) > 200
    section = ["Kommentare", "hafenfan", "06.03.2024, 13.47 Uhr", "Wohl eher ein kleiner Schritt.", comment]
    assert _lines(clean_text("\n".join([*STORY, *MORE, *section]))) == [*STORY, *MORE]


def test_the_authors_closing_invitation_to_comment_stays_when_no_comment_section_follows() -> None:
    body = "\n\n".join([*STORY, *MORE])
    closing = "Tell us what you think about the new timetable in the comments below."
    assert clean_text(f"{body}\n\n{closing}").endswith(closing)
    # over a comment form the form goes (the sentence is still the author's)
    form = "Leave a Reply\n\nYour email address will not be published. Required fields are marked *"
    cleaned = clean_text(f"{body}\n\n{closing}\n\n{form}")
    assert "Leave a Reply" not in cleaned and "Required fields" not in cleaned
    # a widget's label is no sentence: it goes
    assert "Leave a comment" not in clean_text(f"{body}\n\nLeave a comment")


def test_a_commentator_is_not_a_comment() -> None:
    body = "\n\n".join(
        [
            "港口管理局周一宣布，新的渡轮时刻表将从下周开始实施，第一班船将提前到早上六点出发。",
            "管理局表示，这一调整是根据对在市中心工作的通勤者进行的调查做出的决定。",
        ]
    )
    line = "本报评论员：交通服务应当以乘客的需要为出发点。"
    assert clean_text(f"{body}\n\n{line}").endswith(line)
