"""Widget strings as WordPress.com/Jetpack and WordPress core render them in a few languages.

Real widgets follow the site's or the reader's language; the demo has one French post on ``wpcom``
and one German post on ``wpnews`` so the extractor and cleaner meet non-English widgets.
"""

from __future__ import annotations

# WordPress.com "highlander" form, sharedaddy, likes, Jetpack related posts, comment list.
WPCOM: dict[str, dict[str, str]] = {
    "en": {
        "leave_reply": "Leave a Reply",
        "cancel_reply": "Cancel reply",
        "enter_comment": "Enter your comment here...",
        "fill_in": "Fill in your details below or click an icon to log in:",
        "email": 'Email <span class="required">(required)</span> <span class="nopublish">(Address never made public)</span>',
        "name": 'Name <span class="required">(required)</span>',
        "website": "Website",
        "using": "You are commenting using your {service} account.",
        "log_out": "Log&nbsp;Out",
        "change": "Change",
        "cancel": "Cancel",
        "connecting": "Connecting to %s",
        "notify_comments": "Notify me of new comments via email.",
        "notify_posts": "Notify me of new posts via email.",
        "post_comment": "Post Comment",
        "share": "Share this:",
        "like_this": "Like this:",
        "like": "Like",
        "loading": "Loading...",
        "related": "Related",
        "says": "says:",
        "reply": "Reply",
        "google": "Google",
    },
    "fr": {
        "leave_reply": "Laisser un commentaire",
        "cancel_reply": "Annuler la réponse",
        "enter_comment": "Entrez votre commentaire...",
        "fill_in": "Entrez vos coordonnées ci-dessous ou cliquez sur une icône pour vous connecter:",
        "email": 'E-mail <span class="required">(obligatoire)</span> <span class="nopublish">(adresse strictement confidentielle)</span>',
        "name": 'Nom <span class="required">(obligatoire)</span>',
        "website": "Site web",
        "using": "Vous commentez à l’aide de votre compte {service}.",
        "log_out": "Déconnexion",
        "change": "Changer",
        "cancel": "Annuler",
        "connecting": "Connexion à %s",
        "notify_comments": "Avertissez-moi par e-mail des nouveaux commentaires.",
        "notify_posts": "Avertissez-moi par e-mail des nouveaux articles.",
        "post_comment": "Laisser un commentaire",
        "share": "Partager :",
        "like_this": "J’aime ça :",
        "like": "J’aime",
        "loading": "Chargement…",
        "related": "Similaire",
        "says": "dit :",
        "reply": "Répondre",
        "google": "Google",
    },
}

# WordPress core comment list and form.
CORE: dict[str, dict[str, str]] = {
    "en": {
        "leave_reply": "Leave a Reply",
        "cancel_reply": "Cancel reply",
        "notes": '<span id="email-notes">Your email address will not be published.</span> <span class="required-field-message">Required fields are marked <span class="required">*</span></span>',
        "comment": "Comment",
        "name": "Name",
        "email": "Email",
        "website": "Website",
        "cookies": "Save my name, email, and website in this browser for the next time I comment.",
        "post_comment": "Post Comment",
        "says": "says:",
        "reply": "Reply",
        "one_thought": "One thought on &ldquo;{title}&rdquo;",
        "n_comments": "{n} comments",
        "at": "at",
    },
    "de": {
        "leave_reply": "Schreibe einen Kommentar",
        "cancel_reply": "Antworten abbrechen",
        "notes": '<span id="email-notes">Deine E-Mail-Adresse wird nicht veröffentlicht.</span> <span class="required-field-message">Erforderliche Felder sind mit <span class="required">*</span> markiert</span>',
        "comment": "Kommentar",
        "name": "Name",
        "email": "E-Mail",
        "website": "Website",
        "cookies": "Meinen Namen, meine E-Mail-Adresse und meine Website in diesem Browser für die nächste Kommentierung speichern.",
        "post_comment": "Kommentar abschicken",
        "says": "sagt:",
        "reply": "Antworten",
        "one_thought": "Ein Gedanke zu &bdquo;{title}&ldquo;",
        "n_comments": "{n} Kommentare",
        "at": "um",
    },
}

LOCALES = {"en": "en_US", "fr": "fr_FR", "de": "de_DE"}
