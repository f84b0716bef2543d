"""Text cleaning: Unicode and whitespace normalisation, widget lines, comment tails, sign-off trailers.

:func:`clean_text` works on any article text, extracted here or scraped elsewhere. It is
conservative by construction: it only ever removes *whole lines* that consist of widget phrases
(see :mod:`pipelines.extract.widgets`), a comment section from its first line to the end of the text
when several of its parts are seen together (a heading or call to comment with the form, the
comment headers or the policy that follow it; comment headers of two kinds close together; see
:func:`_cut_comment_section`), and sign-off trailers at the very end. A sentence that merely
mentions "leave a reply" or "share this" is a sentence, not a widget, and stays; when unsure, a line
is kept.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

from pipelines.config import Cleaning
from pipelines.extract.widgets import (
    COMMENT_NOUNS,
    DATE_TEXT,
    FEED_FOOTER_LINE,
    MAX_WIDGET_LINE,
    REPLY_LABELS,
    is_widget_line,
    normalise_line,
)

LOGGER = logging.getLogger(__name__)

# Invisible characters that only get in the way (soft hyphen, zero-width space/no-break, BOM,
# word joiner, bidi marks left by copy-paste); ZWJ/ZWNJ are kept because scripts need them.
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")

# A comment section opens with a heading like one of these (matched on a normalised line that is a
# widget line as a whole, so "2 responses to the survey came from farmers." is a sentence).
_COMMENT_SECTION = re.compile(
    r"leave a (?:reply|comment|response)|post a comment|add a comment|(?:\d+|one|no) (?:comments?|responses?|thoughts?|replies)"
    r"|comments? \d+|\d+ (?:comments?|responses?|replies|reactions?)$|comments$|(?:recent|older|newer|previous) comments|join the discussion"
    r"|\d+ comments? read them below or add one|lesermeinung(?:en)?$|leserbriefe?$"
    r"|laisser (?:un commentaire|une réponse)|derniers commentaires|publier un nouveau commentaire|(?:\d+|une?) (?:commentaires?|réflexions?|réponses?)|commentaires(?: \d+)?$"
    r"|(?:hinterlasse|schreibe?|schreiben sie) (?:jetzt )?(?:einen|ein) kommentar|hinterlasse(?:n sie)? eine antwort|kommentar (?:verfassen|schreiben|hinzufügen|hinterlassen)"
    r"|(?:bisherige|letzte|neueste|die neuesten|aktuelle) kommentare|es gibt noch keine kommentare|kommentieren"
    r"|(?:\d+|ein(?:en)?|eine) (?:kommentare?|gedanken?|antworten)|kommentare(?: \d+)?$|leserkommentare"
    r"|deja (?:una respuesta|un comentario)|(?:\d+|un) (?:comentarios?|respuestas?)|comentarios(?: \d+)?$"
    r"|lascia (?:un commento|una risposta)|\d+ (?:commenti|risposte)|commenti(?: \d+)?$"
    r"|(?:добавить|оставить|оставьте|написать) комментарий|\d+ (?:комментари(?:й|я|ев)|ответ(?:а|ов)?)|комментарии(?: \d+)?$"
    r"|(?:اترك|أضف|إضافة) (?:تعليقاً|تعليقا|تعليق|رداً|ردا|رد)|\d+ تعليقات?"
)
# "3 Responses to Headline", "Ein Gedanke zu „…“": a count of comments on the post (normalised line).
_COMMENT_HEADING_TO = re.compile(
    rf"(?:[^\w\s]+ )?(?:\d+|one|une?|ein(?:en)?|eine|un|uno|una) (?:{COMMENT_NOUNS}|antwort) (?:on|to|sur|à|zu|en|a|su|к|на|على) .{{1,200}}"
)
# The header of one comment: "NAME says:", "NAME sagt:", "NAMEsays:" (a scraper glued the two),
# "Kommentar von NAME", "Comment by NAME".
_COMMENT_SAYS = re.compile(
    r"\S.{0,60}?\s?(?:says|said|writes|sagt|schreibt|meint|dit|a écrit|dice|escribió|escribe|scrive|ha scritto"
    r"|пишет|написал[аи]?|كتب|قال)\s*:?"
    r"|(?:kommentar von|comment(?:ed)? by|commentaire (?:de|par)|comentario de|commento di|комментарий от) .{1,60}",
    re.IGNORECASE,
)
# What a "NAME says:" line ends or starts with (a cheap test before the expression above).
_SAYS_ENDS = ("says", "said", "writes", "sagt", "schreibt", "meint", "dit", "écrit", "dice", "escribió", "escribe",
              "scrive", "scritto", "пишет", "написал", "написала", "написали", "كتب", "قال")
_SAYS_STARTS = ("kommentar von", "comment", "commentaire", "comentario", "commento", "комментарий")
# Lines of a comment form (matched inside a normalised widget line): field labels, the privacy note,
# the prompt, the login choice.
_COMMENT_FORM = re.compile(
    r"will not be published|wird (?:nicht|niemals) veröffentlicht|ne sera pas publiée|no será publicad[ao]"
    r"|non sarà pubblicato|не будет опубликован|fill in your details|trage deine daten|saisissez vos coordonnées"
    r"|introduce tus datos|enter your comment|gib hier deinen kommentar|saisissez votre commentaire"
    r"|escribe (?:tu|aquí tu) comentario|you are commenting using|du kommentierst mit|vous commentez à l aide"
    r"|required fields|erforderliche felder|champs obligatoires|campos obligatorios|campi obbligatori"
    r"|^(?:name|e ?mail|website|webseite|url|nom|nombre|sito web|имя|сайт|kommentar|comment|commentaire|comentario)"
    r"(?: (?:required|erforderlich|benötigt|pflichtfeld|obligatoire|obligatorio))?$"
)
# The title line of a comment form ends with its cancel-reply link: "Wortspuren hinterlassen… Antwort abbrechen".
_FORM_TITLE = re.compile(
    r"(?:antwort(?:en)? (?:abbrechen|verwerfen)|(?:das )?antworten abzubrechen|to cancel reply|cancel reply|annuler la réponse|cancelar (?:la )?respuesta|annulla (?:la )?risposta"
    r"|отменить ответ)$"
)
# A short call to comment ("Schreiben Sie den ersten Kommentar", "Join the Conversation", "Bisher
# keine Kommentare", "Poster un commentaire", "Deixe sua opinião"), matched on the normalised line.
_COMMENT_PROMPT = re.compile(
    r"comment(?!ar(?:y|ies)|at)|kommentar|kommentier|commentaire|commenter|comentar|commento|commenti|komentarz|skomentuj|комментар"
    r"|discussion|diskussion|diskutier|dyskusj|conversation|réagir|debattier|leserpost|leserbrief|opinión|opinião|opinie"
    r"|(?:ihre|deine|eure|your) (?:meinung|voice|thoughts)|comente|تعليق|留言|评论(?!员)|コメント"
    r"|unterhaltung beginnen|mitdiskutieren|was (?:denkst du|meinst du|meinen sie|denken sie)|what do you think|qu.en pensez.vous|qué (?:opinas|piensas)"
    r"|co (?:o tym )?(?:myślisz|sądzisz)|o que (?:você acha|achou)"
    # a reader-reaction widget: "How did this article make you feel?", "Como você se sentiu com essa matéria?"
    r"|how did (?:this (?:article|story) make you feel|you feel about this)|como você se sentiu|wie (?:fanden sie|findest du) (?:diesen|den) artikel"
    r"|qué te pareció (?:este|esta|la) (?:artículo|nota|noticia)|qu avez vous pensé de cet article"
)
# A link to the comments' feed or an address is no call to comment ("RSS feed for the comments on
# this post", "[3] https://example.org/comments/12").
_FEED_LINK = re.compile(r"\b(?:rss|atom|feed)\b|https?://|www\.", re.IGNORECASE)
# The cancel button of a comment form, alone on its line.
_CANCEL_LABELS = frozenset({"abbrechen", "cancel", "annuler", "cancelar", "annulla", "отмена", "anuluj", "إلغاء"})
# A comment-count heading in any of the languages above and Polish, Portuguese, Dutch: "Komentarze (9)",
# "This post has 80 comments", "View comments (27)", "Kommentare (1) anzeigen", "52Comments"
# (normalised line; a count, or at most three words).
_COUNT_NOUNS = (
    rf"{COMMENT_NOUNS}|antwort|komentarz[eyya]?|komentarzy|odpowiedzi|comentários?|respostas?|reacties?|reakcj[ei]"
    r"|reações|reacciones|réactions|lesermeinungen|leserkommentare"
)
# The word "comment" in the languages above ("commentary" and "commentator" are not comments).
_COMMENT_STEMS = r"comment(?!ar(?:y|ies)|at)|kommentar|comentar|coment[aá]rio|komentarz|commento"
# What a comment section may be called: comments, reactions, readers' opinions.
_SECTION_WORD = re.compile(rf"{_COMMENT_STEMS}|r[ée]action|reacties|reakcj|reações|reacciones|lesermeinung")
_COUNT_HEADING = re.compile(rf"(?:\w+ ){{0,3}}?(?:\d+ ?)?(?:{_COUNT_NOUNS})(?: ?\d+)?(?: \w+){{0,2}}")
# A login or registration line of a comment form (normalised): "Log in or create an account",
# "Anmelden Registrieren", "Contraseña", "Register Log in".
_LOGIN = re.compile(
    r"\b(?:log ?in|logged in|log ?out|sign ?(?:in|up)|register|create an account|anmelden|angemeldet|einloggen|eingeloggt"
    r"|registrieren|registriert|se connecter|connectez|connecté|inscri(?:s|vez|ption)|iniciar sesi[oó]n|reg[ií]str(?:ate|arte|o)"
    r"|ingres(?:ar|á)|registrad[oa]|crea tu cuenta|conéctate|contraseña|password|passwort|mot de passe|hasło|senha|zaloguj|zarejestruj|benutzername|username"
    r"|nom d utilisateur|nombre de usuario)\b"
)
# The remaining lines of a comment form: honeypot and captcha fields, "save my name in this browser",
# a field marked required in words ("Imię (wymagane)", "Name (erforderlich)").
_FORM_FIELD = re.compile(
    r"leave this field (?:empty|blank)|dieses feld leer|ce champ vide|este campo vac[ií]o|captcha|current ye.?r\b"
    r"|\b(?:required|wymagane|erforderlich|pflichtfeld|pflichtfelder|obligatoire|obligatorio|obrigat[óo]rio|requerido"
    r"|ben[öo]e?tigt)\b|nie będzie opublikowan|não será publicad|wordt niet gepubliceerd|will not be (?:displayed|shared)"
)
# What the fields of a comment or contact form are called ("Name *", "Ihre Nachricht *", "تعليقك *").
_FIELD_NAME = re.compile(
    r"\b(?:name|nom|nombre|nome|imię|имя|e ?mail|mail|adresse|address|correo|website|webseite|site|url|comment\w*"
    r"|kommentar|commentaire|comentario|commento|komentarz|nachricht|message|mensaje|wiadomość|subject|betreff|sujet"
    r"|asunto|titel|title|text|texte|passwor[dt]|mot de passe|contraseña|captcha|code)\b|اسم|تعليق|البريد"
)
_BROWSER = re.compile(r"\b(?:browser|navegador|navigateur|przeglądar\w*)\b")
_EMAIL = re.compile(r"\be ?mail|\bcorreo\b")
# A sentence of a comment policy: a comment word and a rule word ("The opinions expressed in reader
# comments are those of the author only", "Los comentarios publicados son responsabilidad de sus autores").
_POLICY_COMMENT = re.compile(_COMMENT_STEMS)
_POLICY_RULE = re.compile(
    r"responsab|opini|meinung|moderat|netiquette|guideline|richtlinie|rules|regeln|polic|normas|regulamin|terms|civil"
    r"|respect|nutzungsbedingungen|abusive|beleidig|insult|freigeschaltet|freischalt|moderac|zasad"
)
# The heading of a comment policy: "House rules", "Community-Richtlinien", "Normas", "Regulamin".
_RULES_HEADING = re.compile(
    r"(?:(?:house|community|comment|discussion) )?(?:rules|guidelines)|(?:community |kommentar |diskussions )?(?:richtlinien|regeln)"
    r"|netiquette|normas|regulamin|règles|charte"
)
# A forum post's or comment's header line: its date with the reply and quote actions ("17.10.2019,
# 14:14 Zum Antworten anmelden Zitieren #", "March 3, 2024 Reply Quote"); matched on the normalised
# line, which must also hold a date.
_HEADER_ACTIONS = re.compile(
    r"\b(?:reply|quote|antworten|zitieren|répondre|citer|responder|citar|rispondi|cita|ответить|цитировать"
    r"|odpowiedz|cytuj|responda)\b"
)
# A review's rating or helpfulness vote (normalised line): "5 von 5 Sternen", "4 5 out of 5 stars",
# "Gesamtbewertung", "Kundenbewertungen für …", "Hilfreich? 3", "Was this review helpful?".
_RATING = re.compile(
    r"(?:\d+(?: \d)?|one|two|three|four|five|eins?|zwei|drei|vier|fünf) (?:von|out of|sur|de|su|из|z) (?:5|10|five|fünf)"
    r"(?: (?:sternen?|stars?|étoiles?|estrellas?|stelle|звезд\w*|gwiazd\w*|punkten|points))?"
    r"|(?:gesamtbewertung|durchschnittliche bewertung|overall rating|average (?:customer )?rating|note globale|note moyenne"
    r"|valoración media|(?:kunden|produkt)?bewertungen|(?:customer|product|user) reviews|avis (?:clients|des clients)"
    r"|opiniones de (?:los )?clientes|recensioni(?: dei clienti)?)(?: (?:für|for|pour|de|para|per) .{1,120})?(?: \d+)?"
    r"|(?:(?:war|ist) (?:diese (?:bewertung|rezension|antwort)|dieser beitrag) )?hilfreich(?: \d+)?"
    r"|(?:was this (?:review |answer |post )?)?helpful(?: \d+)?|(?:cet avis (?:vous a.t.il été )?)?utile(?: \d+)?"
)
# The heading of a related, recommended or most-read stories block (normalised line, as a whole).
# "Read also:" ("Lesen Sie auch", "Czytaj też", "Leia também") is left out: it introduces one link
# inside the text, and the reference text often keeps that link as article text.
_RELATED_HEADING = re.compile(
    r"more on this (?:story|topic)|related (?:articles?|stories|posts?|content|news|coverage)|you (?:may|might) also like"
    r"|recommended(?: for you| stories| articles)?|we recommend|what to read next|read next|read more stories about"
    r"|most (?:popular|read|viewed|shared|commented)(?: (?:this week|today|now|stories|articles))?|trending(?: now| stories)?"
    r"|das könnte sie auch interessieren|verwandte (?:artikel|beiträge)|meistgelesen(?:e artikel)?|ähnliche (?:artikel|beiträge)"
    r"|weitere artikel|articles? en relation|les plus lus|sur le même sujet|vous aimerez aussi|te puede interesar"
    r"|noticias relacionadas|lo más leído|artículos relacionados|mais lidas|notícias relacionadas|articoli correlati"
    r"|potrebbe interessarti|i più letti|najczęściej czytane|похожие (?:статьи|новости)|самое читаемое"
)
# A count of no comments ("Keine Kommentare / Trackbacks", "No comments yet", "0 Comments"): no comment
# follows it, so the text right after it is not a comment (normalised line).
_ZERO_COUNT = re.compile(rf"(?:no|keine|noch keine|aucun|sin|ningún|nessun|нет|brak|sem|geen|0) (?:{_COUNT_NOUNS})\b")
#: A policy sentence is at most this many words.
MAX_POLICY_WORDS = 60
#: A login line is at most this many words (twice as many when it speaks of commenting).
MAX_LOGIN_WORDS = 8
#: A required-field label ("E-Mail-Adresse *", "* Dein Kommentar") is at most this long.
MAX_FIELD_LABEL = 40
# "Read and write comments, click here": a link to a comment section that may be elsewhere.
_CLICK_HERE = re.compile(r"hier klicken|click here|cliquez ici|haga clic|clique aqui|kliknij|clicca qui")
#: A commenter's name line is at most this long.
MAX_NAME_LINE = 30
#: A heading followed by this many name/text pairs heads a comment list.
MIN_NAMED_COMMENTS = 3
#: A line of text longer than this is a paragraph.
MIN_PARAGRAPH = 200
#: A call to comment in the second half of a text cuts alone when it is at most this many words.
MAX_LATE_PROMPT_WORDS = 6
#: A prompt line is at most this many words.
MAX_PROMPT_WORDS = 12
# A name glued to a time or date by a scraper ("Ruby21:00", "Sana6. Juni 2015 um 10:23").
_GLUED_DATE = re.compile(r"\d{1,2}:\d{2}(?:\s*(?:uhr|h|am|pm))?$", re.IGNORECASE)
# A line without a letter: counts, captchas, stray symbols.
_NOISE_LINE = re.compile(r"[\W\d_]+")
#: A date line of a comment header is at most this long ("24. August 2019 um 03:36 Uhr").
MAX_DATE_LINE = 60
#: A comment section follows text: at least this many characters of lines that are not comment-shaped
#: (paragraphs, not only a headline, a byline and a date) must come before the cut.
MIN_TEXT_BEFORE = 200
#: How many lines after a comment-shaped line are looked at for more of them.
COMMENT_WINDOW = 10
#: A comment section's heading or call to comment opens it when one of its parts (another heading or
#: call, a form line, a comment header, a reply link) follows within this many lines.
OPENER_WINDOW = 5
#: Lines between an opener and the part that confirms it are shorter than this (not paragraphs).
MAX_OPENER_GAP_LINE = 100
_OPENERS = frozenset({"heading", "prompt", "count", "rules", "field"})
_SECTION_PARTS = frozenset(
    {"heading", "prompt", "count", "rules", "field", "form", "says", "reply", "policy", "login", "rating"}
)
# Openers that head the section's content: the first comment's text may follow them.
_HEADINGS = frozenset({"heading", "count", "rules", "field"})
# The lines of a comment's own header.
_COMMENT_HEADER = frozenset({"date", "says", "reply"})
# Header lines that only a comment or a forum post has ("NAME says:", a reply link, a date with reply
# and quote actions).
_POST_HEADERS = frozenset({"says", "reply"})
#: A comment header takes at most this many name lines above it (a forum shows the poster's name
#: twice: the avatar's text and the name).
MAX_HEADER_NAMES = 2
# Kinds that only confirm a section (a login link, a policy sentence and widget rows also appear in a
# page's navigation and footer): they never start a cut of their own.
_WEAK = frozenset({"widget", "policy", "login", "related"})
#: Comment-shaped lines of at least two kinds, this many in the window, make a comment section.
MIN_COMMENT_LINES = 3

# Scraper markup: pandoc's fenced divs (":::"), attributes ("{#id .class style=…}"), Markdown image
# links, link brackets and heading marks.
_FENCE = re.compile(r"^:{3,}(?:\s.*)?$")
# (class names of utility-CSS frameworks carry any character: ".mb-15@s", ".Mb(1.0em)", ".C(#3f3f3f)")
_ATTRIBUTE = r"(?:[#.][^\s{}]+|[\w-]+=(?:\"[^\"]*\"|'[^']*'|[^\s}]+))"
_ATTRIBUTES = re.compile(rf"\s*\{{{_ATTRIBUTE}(?:\s+{_ATTRIBUTE})*\}}")
_IMAGE_LINK = re.compile(r"\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)|!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://|/|#|mailto:)[^)]*\)")
_SPAN = re.compile(r"\[([^\]]+)\](?=\{)")
_HEADING_MARK = re.compile(r"^#{1,6}\s+")

# Sign-off trailers of wire agencies and news sites, matched on the last lines only.
# Whole last lines: "(END)", "-- ENDS --", "###", "(Reporting by …; Editing by …)", "© 2020 AFP" …
TRAILER_LINES: tuple[str, ...] = (
    r"[-–—(\[/ ]*(?:end|ends|fin|ende|fim|finished|انتهى)[-–—)\]/ ]*\d{0,3}\.?",
    r"#{3,}|\*{3,}|-{3,}|x{3}",
    r"\(?(?:additional )?(?:reporting|writing|editing|compiled) by [^()]{2,200}\)?\.?",
    r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*)?(?:thomson reuters|reuters|the associated press|associated press|ap|afp|"
    r"agence france[- ]presse|dpa(?:-infocom)?|efe|ansa|xinhua|upi|bloomberg)\b.{0,200}",
    r"this material may not be published,? broadcast,? rewritten,? or redistributed\.?",
    r"\(?(?:avec|mit|con|with) (?:afp|reuters|ap|dpa|efe|ansa|agences)\)?\.?",
    r"\((?:afp|reuters|ap|dpa|efe|ansa|sda|apa|kna|ina|wam|spa|mena|qna|kuna)\)\.?",
)
# Inline sign-offs ending the last paragraph: "… in the Middle East. Finished 2", "… (END)".
TRAILER_TAILS: tuple[str, ...] = (
    r"(?<=[.!?”\"'»)])\s*(?:finished|ended|انتهى)\s*\d{1,3}\.?",
    r"(?<=[.!?”\"'»)])\s*[(\[]?(?:end|ends|انتهى)[)\]]\.?",
    r"(?<=[.!?”\"'»)])\s*[-–—]{1,2}\s*(?:end|ends)\s*[-–—]{1,2}",
    # "… last sentence. The post Headline appeared first on Site." (feed items copied as text)
    rf"(?<=[.!?”\"'»)])\s*{FEED_FOOTER_LINE}",
)

# A trailer ends a text; more than this many trailer lines in a row is no longer a trailer.
_MAX_TRAILER_STEPS = 6


def normalise_text(text: str) -> str:
    """NFC, one kind of newline, no invisible or control characters, single spaces, stripped lines.

    Paragraphs stay one per line; runs of blank lines become one blank line.
    """
    text = unicodedata.normalize("NFC", _NEWLINES.sub("\n", text))
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    lines = [" ".join(line.split()) for line in text.split("\n")]  # str.split: any Unicode space
    return _join_lines(lines)


def _join_lines(lines: list[str]) -> str:
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


@lru_cache(maxsize=256)
def _compile_rules(trailers: tuple[str, ...], drops: tuple[str, ...]) -> tuple[re.Pattern[str] | None, ...]:
    """Built-in and per-source patterns, compiled once per distinct rule set."""
    line_trailers = "|".join(f"(?:{p})" for p in (*TRAILER_LINES, *trailers))
    tail_trailers = "|".join(f"(?:{p})" for p in (*TRAILER_TAILS, *trailers))
    drop = "|".join(f"(?:{p})" for p in drops)
    return (
        re.compile(line_trailers, re.IGNORECASE),
        re.compile(rf"(?:{tail_trailers})\s*$", re.IGNORECASE),
        re.compile(drop, re.IGNORECASE) if drops else None,
    )


def strip_markup(line: str) -> str:
    """``line`` without the scraper's markup: pandoc attributes and spans, image links, link
    brackets (their text stays), the marks of a heading that carries attributes. A fence line
    (":::") becomes empty."""
    if _FENCE.match(line):
        return ""
    if "{" in line:
        stripped = _ATTRIBUTES.sub("", _SPAN.sub(r"\1", line))
        if stripped != line and line.startswith("#"):  # a pandoc heading: "## Title {#id}"
            stripped = _HEADING_MARK.sub("", stripped)
        line = stripped
    if "](" in line:
        line = _LINK.sub(r"\1", _IMAGE_LINK.sub("", line))
    return line.strip()


def _comment_kind(line: str) -> str | None:
    """What makes ``line`` part of a comment section, if anything.

    ``heading`` ("3 Comments", "Leave a Reply", a form title ending in "Cancel reply"), ``count``
    (a count or a short section name: "Komentarze (9)", "Reader comments"), ``prompt`` (a short
    call to comment, "Log in to comment"), ``rules``/``policy`` (a comment policy's heading and
    sentences), ``field`` (the comment field's label), ``form`` (other labels and notes of a
    comment form), ``login`` (a login or registration line), ``reply`` (a reply link), ``says``
    ("NAME says:"), ``date`` (a short date line), ``widget`` (other widget lines).
    """
    if not line:
        return None
    if line[0] == "#":
        line = _HEADING_MARK.sub("", line) or line  # a Markdown heading is judged by its text
    if len(line) > MAX_WIDGET_LINE:
        return _policy_kind(line, line.casefold())
    normal = normalise_line(line)
    widget = is_widget_line(line)
    words = len(normal.split())
    if _COMMENT_SECTION.match(normal) and (widget or words <= 3) or _COMMENT_HEADING_TO.fullmatch(normal):
        return "heading"
    if len(line) <= 120 and _FORM_TITLE.search(normal):
        return "heading"
    if words <= 6 and _RELATED_HEADING.fullmatch(normal):
        return "related"  # before the widget test: the widget phrases name these headings too
    if words > 2 * MAX_LOGIN_WORDS:  # a sentence: only a widget, a form note or a policy is that long
        if _COMMENT_FORM.search(normal) and (widget or line.rstrip().endswith("*")):
            return "form"
        if words <= MAX_POLICY_WORDS and _BROWSER.search(normal) and _EMAIL.search(normal):
            return "form"
        if widget:
            return "prompt" if _COMMENT_PROMPT.search(normal) else "widget"
        return _policy_kind(line, normal)
    if normal in REPLY_LABELS or normal in ("log in to reply", "antworten", "reply"):
        return "reply"
    if _COMMENT_FORM.search(normal) and (widget or line.rstrip().endswith("*") or words <= 12):
        # the comment field's own label ("Kommentar", "Your comment *") heads the section's content
        return "field" if words <= 3 and _SECTION_WORD.search(normal) else "form"
    form = _form_kind(line, normal, words)
    if form:
        return form
    if normal in _CANCEL_LABELS:
        return "form"
    if widget:
        # "Loading Facebook Comments …", "Unterhaltung beginnen": a comment widget's own call
        return "prompt" if _COMMENT_PROMPT.search(normal) else "widget"
    if len(line) <= 80 and _says(line) and _COMMENT_SAYS.fullmatch(line):
        return "says"
    if (
        _COUNT_HEADING.fullmatch(normal)
        and (any(c.isdigit() for c in normal) or (words <= 3 and _SECTION_WORD.search(normal)))
        and not _FEED_LINK.search(line)  # "Comments RSS" in a sidebar's meta links
    ):
        return "count"
    raw_words = len(line.split())
    if (
        raw_words <= MAX_PROMPT_WORDS
        and not line.lstrip("#>*-– ")[:1].islower()  # not a sentence's end ("## and then comment …" too)
        and _COMMENT_PROMPT.search(normal)
        and not _FEED_LINK.search(line)
    ):
        return "prompt"  # "Schreiben Sie den ersten Kommentar", "Join the conversation"
    dated = DATE_TEXT.search(line) or _GLUED_DATE.search(line)
    if len(line) <= MAX_DATE_LINE and raw_words <= 9 and dated:
        # a header with the post's date and its reply/quote actions
        return "reply" if _HEADER_ACTIONS.search(normal) else "date"
    if raw_words <= 12 and _RATING.fullmatch(normal):
        return "rating"
    return _policy_kind(line, normal)


def _says(line: str) -> bool:
    """Whether ``line`` may be "NAME says:": the verb is a word of its own ("Autokredit" does not end
    in "dit"), or glued to the name only before a colon ("Rubysays:")."""
    stripped = line.rstrip()
    lowered = stripped.rstrip(": ").casefold()
    if lowered.startswith(_SAYS_STARTS):
        return True
    glued = stripped.endswith(":")
    return any(
        lowered.endswith(verb) and (glued or len(lowered) == len(verb) or not lowered[-len(verb) - 1].isalpha())
        for verb in _SAYS_ENDS
    )


def _policy_kind(line: str, folded: str) -> str | None:
    """``rules`` for the heading of a comment policy, ``policy`` for its sentences (``folded``: the
    line casefolded, or normalised by :func:`normalise_line`)."""
    words = len(line.split())
    if words <= MAX_POLICY_WORDS and _POLICY_COMMENT.search(folded) and _POLICY_RULE.search(folded):
        return "policy"
    if words <= MAX_LOGIN_WORDS:
        if words <= 3 and _RULES_HEADING.fullmatch(folded):
            return "rules"
        if _RULES_HEADING.search(folded):
            return "policy"  # "Bitte beachte unsere Community-Richtlinien"
    return None


def _form_kind(line: str, normal: str, words: int) -> str | None:
    """``form`` for a line of a comment form that the widget phrases do not name (a required-field
    label, a honeypot or captcha, "save my name in this browser"), ``login`` for a login or
    registration line."""
    stripped = line.strip()
    if len(stripped) <= MAX_FIELD_LABEL and (
        (stripped.endswith("*") and not stripped.startswith(("-", "*")) and _FIELD_NAME.search(normal))
        or (stripped.startswith("* ") and _SECTION_WORD.search(normal))  # "* Your comment", not a list item
    ):
        if _LOGIN.search(normal):
            return "login"  # a password field belongs to a login form
        return "field" if _SECTION_WORD.search(normal) else "form"
    if words <= MAX_LOGIN_WORDS or (words <= 2 * MAX_LOGIN_WORDS and _COMMENT_PROMPT.search(normal)):
        if _FORM_FIELD.search(normal):
            return "form"
        if _LOGIN.search(normal):
            # "Log in to comment" calls to comment; a bare "Log in" may be the site's own menu
            return "prompt" if _COMMENT_PROMPT.search(normal) else "login"
    if words <= MAX_POLICY_WORDS and _BROWSER.search(normal) and _EMAIL.search(normal):
        return "form"
    return None


def _is_noise(line: str) -> bool:
    """A line too short to say anything (a count bubble "15", a captcha "− =", a honeypot "Δ")."""
    return len(line) <= 3 or (len(line) <= 12 and _NOISE_LINE.fullmatch(line) is not None)


def _cut_at(lines: list[str], index: int) -> list[str]:
    """``lines`` before ``index``, and before the noise lines just above it (a comment count "15"
    shown above a comment section's heading belongs to it)."""
    while index > 0 and (not lines[index - 1] or _is_noise(lines[index - 1])):
        index -= 1
    return lines[:index]


def _is_name(line: str) -> bool:
    """A line that may be a commenter's name: a few words, no sentence."""
    return len(line) <= MAX_NAME_LINE and len(line.split()) <= 3 and line[-1] not in ".!?:;,)\"”»"


def _names_alternate(content: list[tuple[int, str]], kinds: list[str | None], start: int) -> bool:
    """Whether the lines from ``start`` alternate a name and a text :data:`MIN_NAMED_COMMENTS` times
    (a comment list that prints no dates: "Ann", her comment, "bob77", his comment)."""
    end = start + 2 * MIN_NAMED_COMMENTS
    if end > len(content):
        return False
    names = [content[i][1] for i in range(start, end, 2)]
    texts = [content[i][1] for i in range(start + 1, end, 2)]
    return all(_is_name(n) and kinds[i] is None for n, i in zip(names, range(start, end, 2))) and not any(
        _is_name(t) for t in texts
    )


def _part_follows(content: list[tuple[int, str]], kinds: list[str | None], position: int, any_part: bool = True) -> bool:
    """Whether a part of a comment section (:data:`_SECTION_PARTS`) follows the opener at
    ``position`` within :data:`OPENER_WINDOW` lines with no paragraph of text in between. After a
    heading or a count, comments may follow instead: name/text pairs, or two comment headers (a
    date, "NAME says:", a reply link) within :data:`COMMENT_WINDOW` lines, past the first comment's
    text (one date alone may be the article's own dateline under a section label); or, past a
    paragraph, a policy sentence. Without ``any_part``, only a form line counts."""
    if not any_part:
        return any(k == "form" for k in kinds[position + 1 : position + 1 + OPENER_WINDOW])
    heading = kinds[position] in _HEADINGS
    # a required comment field ("* Your comment") is a form for sure: one comment header will do
    headers_needed = 1 if kinds[position] == "field" and "*" in content[position][1] else 2
    if heading and (
        # name/text pairs under a heading that says "comments" ("Reactions" may head quotes of officials)
        (_POLICY_COMMENT.search(normalise_line(content[position][1])) and _names_alternate(content, kinds, position + 1))
        or sum(k in _COMMENT_HEADER for k in kinds[position + 1 : position + 1 + COMMENT_WINDOW]) >= headers_needed
    ):
        return True
    paragraph = False
    for following in range(position + 1, min(len(content), position + 1 + OPENER_WINDOW)):
        kind = kinds[following]
        if kind in _SECTION_PARTS and (not paragraph or kind == "policy"):
            return True
        if len(content[following][1]) > MAX_OPENER_GAP_LINE:
            if not heading:
                return False
            paragraph = True
    return False


def _paragraph_after(content: list[tuple[int, str]], kinds: list[str | None]) -> list[bool]:
    """Per content line: whether a paragraph of text (a line that is not comment-shaped and longer
    than :data:`MIN_PARAGRAPH`) comes after it."""
    after = [False] * len(content)
    seen = False
    for position in range(len(content) - 1, -1, -1):
        after[position] = seen
        seen = seen or (kinds[position] is None and len(content[position][1]) > MIN_PARAGRAPH)
    return after


def _section_starts(
    content: list[tuple[int, str]], kinds: list[str | None], position: int, late: bool, paragraph_after: bool
) -> bool:
    """Whether a comment section starts at ``position`` by its structure (comment-shaped lines of
    two kinds close together), or by a heading or short call to comment in the second half of the
    text (``late``) with nothing but the section after it."""
    kind, line = kinds[position], content[position][1]
    window = kinds[position : position + COMMENT_WINDOW]
    shapes = {k for k in window if k} - _WEAK  # share rows alone are no comment section
    # the next comment-shaped line is close (a comment's title and text may stand between its date
    # and its reply link), and a date is followed by more than dates
    contiguous = any(k and k not in _WEAK and (k != "date" or kind != "date") for k in kinds[position + 1 : position + 3])
    contiguous = contiguous or any(k in ("reply", "says") for k in kinds[position + 1 : position + 4])
    heading_later = kind == "date" and "heading" in window[1:]
    shaped = sum(1 for k in window if k and (k == "widget" or k not in _WEAK)) >= MIN_COMMENT_LINES
    form = window.count("form") + window.count("field") >= MIN_COMMENT_LINES  # field labels of a comment form
    if kind not in _WEAK and contiguous and not heading_later and shaped and (len(shapes) >= 2 or form):
        return True
    # comment or forum-post headers repeated (each with its reply link): a thread, whatever lies between
    if kind in _POST_HEADERS and sum(k in _POST_HEADERS for k in window) >= MIN_COMMENT_LINES:
        return True
    if not late:
        return False
    if kind == "related":
        # related or most-read stories in the second half, with no paragraph of text after them
        return not paragraph_after
    if kind == "heading":
        # "3 Comments", not "2 responses to … said."; the heading alone is weak evidence: when a line
        # of text that is no commenter's name follows it and more text comes later (a feed link, the
        # site's notice), the cut waits for the section's next part
        short = is_widget_line(line) or len(line.split()) <= 3
        return short and (
            position + 1 == len(content)
            or kinds[position + 1] is not None
            or _is_name(content[position + 1][1])
            or not paragraph_after
        )
    # a short call to comment, followed by more of the section or by no paragraph of text at all
    # (related links, tags)
    return (
        kind in ("prompt", "count")
        and len(line.split()) <= MAX_LATE_PROMPT_WORDS
        and not _CLICK_HERE.search(normalise_line(line))
        and (position + 1 == len(content) or kinds[position + 1] is not None or not paragraph_after)
    )


def _closing_sentence(line: str) -> bool:
    """A sentence of six words or more that ends as sentences end."""
    text = line.strip().lstrip("#>*-– ")
    return len(text.split()) >= 6 and text.endswith((".", "!", "?", "…", "。", "！", "？"))


def _cut_comment_section(lines: list[str]) -> list[str]:
    """Everything before the comment section, if the text has one.

    A comment section starts at its first comment-shaped line (see :func:`_comment_kind`) when
    several of its parts are seen together: an opener (heading, count, call to comment, policy
    heading, comment-field label) with another part close after it (:func:`_part_follows`);
    comment-shaped lines of two kinds close together, or a short heading or call to comment late in
    the text (:func:`_section_starts`); or a tail made only of comment-shaped lines
    (:func:`_cut_comment_tail`). Everything from there on goes, with the noise just above it. A line
    before the first paragraphs (:data:`MIN_TEXT_BEFORE`) starts a cut only when it is a comment
    form's title over the form, so a "3 Comments" under the headline stays.
    """
    content = [(i, line) for i, line in enumerate(lines) if line and not _is_noise(line)]
    kinds = [_comment_kind(line) for _, line in content]
    total = sum(len(line) for line in lines)
    paragraph_after = _paragraph_after(content, kinds)
    seen = 0
    text_before = False
    text_chars = 0
    for position, (index, line) in enumerate(content):
        kind = kinds[position]
        if kind is not None and (text_before or (kind == "heading" and text_chars)):
            late = seen > total / 2
            # before the first paragraphs, only a comment form's title over its fields ("Leave a
            # Reply" over "Name *") opens a section: a count there is the headline's
            opened = kind in _OPENERS and _part_follows(content, kinds, position, text_before)
            if opened or (text_before and _section_starts(content, kinds, position, late, paragraph_after[position])):
                index = content[_header_names_above(content, kinds, position)][0]
                LOGGER.debug("comment section cut at line %d: %r", index, line)
                if kind == "count" and _ZERO_COUNT.match(normalise_line(line)):
                    return _after_zero_count(lines, content, kinds, position)
                return _cut_at(lines, index)
        if kind is None:
            text_chars += len(line)
            text_before = text_chars >= MIN_TEXT_BEFORE
        seen += len(line)
    return _cut_comment_tail(lines, content, kinds)


def _after_zero_count(lines: list[str], content: list[tuple[int, str]], kinds: list[str | None], position: int) -> list[str]:
    """``lines`` cut at the section that a count of no comments at ``position`` opens: the count
    goes, and so does everything from the section's next part on; the text between them (a link to
    the comments' feed, the site's notice) is no comment and stays."""
    following = next(
        (q for q in range(position + 1, len(content)) if kinds[q] is not None and kinds[q] not in _WEAK), len(content)
    )
    end = content[following][0] if following < len(content) else len(lines)
    return _cut_at(lines[: content[position][0]] + [""] + lines[content[position][0] + 1 : end], end)


def _header_names_above(content: list[tuple[int, str]], kinds: list[str | None], position: int) -> int:
    """Where the comment whose header line is at ``position`` starts: at most
    :data:`MAX_HEADER_NAMES` name lines above it belong to it (the poster's name over "DATE Reply
    Quote") when the next comment of the list shows its name above its header too; otherwise
    ``position``. When unsure, the lines stay."""
    kind = kinds[position]
    if kind not in _POST_HEADERS:
        return position
    following = next((q for q in range(position + 1, min(len(content), position + COMMENT_WINDOW)) if kinds[q] == kind), None)
    if following is None or kinds[following - 1] is not None or not _is_name(content[following - 1][1]):
        return position
    start = position
    while start > 0 and position - start < MAX_HEADER_NAMES and kinds[start - 1] is None and _is_name(content[start - 1][1]):
        start -= 1
    return start


def _cut_comment_tail(lines: list[str], content: list[tuple[int, str]], kinds: list[str | None]) -> list[str]:
    """``lines`` without a tail made only of comment-shaped lines and short calls to comment, if
    that tail holds at least one such call or heading (a prompt alone is a comment section too)."""
    start = len(content)
    prompts = 0
    while start > 0:
        if not kinds[start - 1]:
            break
        prompts += kinds[start - 1] in _OPENERS or kinds[start - 1] == "rating"  # "Helpful? 3" under a post
        start -= 1
    if not prompts or start == 0 or sum(len(line) for _, line in content[:start]) < MIN_TEXT_BEFORE:
        return lines
    if start == len(content) - 1 and kinds[start] == "prompt" and _closing_sentence(content[start][1]):
        return lines  # the author's closing invitation to comment, with no comment section after it
    LOGGER.debug("comment tail cut at line %d: %r", content[start][0], content[start][1])
    return _cut_at(lines, content[start][0])


def _strip_trailers(lines: list[str], line_re: re.Pattern[str], tail_re: re.Pattern[str]) -> list[str]:
    for _ in range(_MAX_TRAILER_STEPS):
        while lines and not lines[-1]:
            lines.pop()
        if not lines:
            break
        last = lines[-1]
        if line_re.fullmatch(last):
            lines.pop()
            continue
        match = tail_re.search(last)
        if match and match.start() > 0:
            lines[-1] = last[: match.start()].rstrip()
            continue
        break
    return lines


def strip_title(text: str, title: str | None) -> str:
    """``text`` without its first line when that line is the ``title`` (punctuation and case aside)."""
    first, _, rest = text.partition("\n")
    if title and len(first) < 2 * len(title) + 20 and normalise_line(first) == normalise_line(title):
        return rest.lstrip("\n")
    return text


def clean_text(text: str, rules: Cleaning | None = None) -> str:
    """Clean an article text: normalise it and drop widget lines, comment sections and trailers.

    ``rules`` adds a source's own patterns (``sources.yaml`` ``cleaning``): a line matching one of
    ``drop_patterns`` as a whole is dropped anywhere; ``trailer_patterns`` are sign-offs removed from
    the end of the text, as a whole last line or as the end of the last line. ``min_words`` is not
    applied here (it decides whether an extracted page is an article, see :mod:`pipelines.extract`).

    >>> clean_text("Story.\\n\\nShare this:\\nLike Loading...")
    'Story.'
    """
    if not text:
        return ""
    line_re, tail_re, drop_re = _compile_rules(
        tuple(rules.trailer_patterns) if rules else (), tuple(rules.drop_patterns) if rules else ()
    )
    lines = _cut_comment_section([strip_markup(line) for line in normalise_text(text).split("\n")])
    lines = [
        line
        for line in lines
        if not line or not (is_widget_line(line) or (drop_re is not None and drop_re.fullmatch(line)))
    ]
    lines = _strip_trailers(lines, line_re, tail_re)
    return _join_lines(lines)
