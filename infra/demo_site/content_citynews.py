"""Articles of ``citynews``, the *Harbor City Courier*: a custom (non-WordPress) news CMS.

Special stories (``role``): ``wire`` is the edited copy of the wire story also on ``wpnews``;
``updated`` has a second version (see :data:`UPDATED_V2`); ``no-metadata`` carries no date and no
author anywhere; ``malformed`` and ``wrong-charset`` are real articles served with broken markup or a
lying charset (see :mod:`infra.demo_site.badpages`).
"""

from __future__ import annotations

from .model import Story, when

SITE_NAME = "Harbor City Courier"
TAGLINE = "Harbor City's independent daily since 1921"
WIRE_TRAILER = "Distributed by Continental Press. For more market news, follow the Courier business desk."

POSTS: list[Story] = [
    Story(
        slug="rate-cuts-likely-next-year-central-bank-signals",
        title="Rate cuts likely next year, central bank signals as it holds steady",
        paragraphs=[
            "Borrowers may get relief in the spring: the central bank kept its main interest rate at 3.25 percent on Thursday but said for the first time this year that borrowing costs could start to fall if inflation keeps easing.",
            "Governor Helena Marsh told reporters that price growth had slowed faster than the bank expected over the summer, helped by cheaper energy and a stronger currency. Consumer prices rose 2.4 percent in October from a year earlier, down from 3.1 percent in June.",
            "\"We are not declaring victory, but the direction is clear,\" Marsh said. \"If the data over the winter confirm what we are seeing, the council will have room to reduce rates in the first half of next year.\"",
            "Financial markets had largely expected the decision. Government bond yields fell after the press conference, and the currency weakened slightly against the dollar as traders moved their bets on a first cut forward to March.",
            "Not everyone on the rate-setting council agreed. Two members voted for an immediate quarter-point cut, arguing that high borrowing costs were hurting construction and small manufacturers, where orders have fallen for six months in a row.",
            "Business groups welcomed the change in tone. The chambers of commerce said companies had delayed investment plans for more than a year and needed a clear signal that financing conditions would improve.",
        ],
        topics=["economy"],
        authors=["Continental Press"],
        published=when("2026-11-20T14:02:00+00:00"),
        modified=when("2026-11-20T14:02:00+00:00"),
        section="business",
        categories=["Business"],
        tags=["interest rates", "central bank"],
        trailer=WIRE_TRAILER,
        role="wire",
    ),
    Story(
        slug="fire-at-recycling-plant-forces-evacuations",
        title="Fire at recycling plant forces evacuations in the port district",
        paragraphs=[
            "A large fire broke out at the Eastport recycling plant late on Tuesday, sending a plume of black smoke over the port district and forcing the evacuation of about 200 residents from nearby streets.",
            "Fire chief Angela Moreno said 45 firefighters and 12 engines were sent to the scene after bales of shredded plastic caught fire in an outdoor storage yard. Crews worked through the night to stop the flames from reaching a warehouse holding used batteries.",
            "The city's environmental health office told residents in the area to keep windows closed and to avoid outdoor exercise until air quality readings return to normal. Two schools in the district will stay closed on Wednesday.",
            "No injuries were reported. The cause of the fire is under investigation; it is the third at the plant in four years.",
        ],
        topics=["environment"],
        authors=["Rosa Delgado"],
        published=when("2026-11-25T06:10:00+00:00"),
        modified=when("2026-11-25T06:10:00+00:00"),
        section="local",
        categories=["Local"],
        tags=["fire", "recycling", "air quality"],
        dateline="HARBOR CITY",
        role="updated",
    ),
    Story(
        slug="community-orchard-planted-on-former-rail-yard",
        title="Neighbours plant a community orchard on the old rail yard",
        paragraphs=[
            "Where freight wagons once waited to be unloaded, rows of young apple, pear and plum trees now stand in neat lines, each protected by a wooden stake and a collar of wood chips.",
            "About 150 neighbours spent two weekends planting 90 fruit trees on the former rail yard behind Cannery Row, a plot that had been fenced off and overgrown with brambles for more than twenty years.",
            "The land belongs to the port authority, which agreed to a ten-year lease for a symbolic one dollar a year after residents presented a plan drawn up with the help of landscape architecture students.",
            "Volunteers will water the trees through the first two summers. The first small harvest is expected in about three years, and organisers plan to share it with the food bank on Dock Street.",
        ],
        topics=["environment", "culture"],
        section="local",
        role="no-metadata",
    ),
    Story(
        slug="athletic-crush-harbour-town-4-0",
        title="Athletic crush Harbour Town 4-0 to go top of the league",
        paragraphs=[
            "Harbor City Athletic moved to the top of the league for the first time in nine years with a 4-0 demolition of Harbour Town at the Quayside Stadium on Saturday afternoon.",
            "Winger Mateo Silva scored twice before half-time, first with a curling shot from the edge of the area and then with a tap-in after the goalkeeper spilled a cross. Striker Ben Adeyemi added a third from close range shortly after the restart.",
            "Harbour Town's misery was complete in the 70th minute when their centre-back turned a low cross into his own net under pressure from Adeyemi.",
            "Athletic have now kept five clean sheets in a row. Their manager, Ingrid Holm, refused to talk about the title race. \"It is November. Nobody wins anything in November,\" she said.",
        ],
        topics=["sport"],
        authors=["Kwame Asante"],
        published=when("2026-11-21T17:55:00+00:00"),
        modified=when("2026-11-21T18:30:00+00:00"),
        section="sport",
        categories=["Sport"],
        tags=["football", "Harbor City Athletic"],
        dateline="HARBOR CITY",
    ),
    Story(
        slug="ceasefire-talks-resume-geneva",
        title="Ceasefire talks resume in Geneva as shelling continues along the front",
        paragraphs=[
            "Negotiators from the two warring sides met face to face in Geneva on Monday for the first time since talks collapsed in August, as fighting continued along a front line that has barely moved for a year.",
            "The United Nations envoy said the delegations had agreed to discuss a limited truce around the contested hydroelectric dam, whose reservoir supplies drinking water to more than a million people on both sides of the line.",
            "On the ground, local officials reported overnight shelling of two border villages and the evacuation of a field hospital. Humanitarian groups say some 40,000 people have fled the area since September.",
            "Diplomats cautioned against expecting quick results. An earlier agreement to exchange prisoners took five rounds of talks and was only partly carried out.",
        ],
        topics=["conflict", "politics"],
        authors=["Nina Petrova"],
        published=when("2026-11-23T12:40:00+00:00"),
        modified=when("2026-11-23T12:40:00+00:00"),
        section="world",
        categories=["World"],
        tags=["ceasefire", "diplomacy", "United Nations"],
        dateline="GENEVA",
    ),
    Story(
        slug="chipmaker-unveils-low-power-processor",
        title="Harbor City chipmaker unveils low-power processor for sensors",
        paragraphs=[
            "Tidewater Semiconductor, the chip designer based in the old customs house, unveiled a processor on Wednesday that it says can run small machine-learning models on a coin battery for more than a year.",
            "The chip is aimed at sensors in farm fields, water pipes and factory machines, where replacing batteries is expensive. It wakes up only when a built-in microphone or vibration detector picks up an unusual signal, and otherwise draws a few millionths of a watt.",
            "The company has 140 employees and outsources manufacturing to a foundry in Asia. Its chief executive said it had signed agreements with two irrigation equipment makers and expected to ship samples in the first quarter.",
            "Analysts said the market for such chips is growing quickly but crowded, and that established manufacturers are working on similar designs.",
        ],
        topics=["technology", "economy"],
        authors=["Samir Haddad"],
        published=when("2026-11-18T09:15:00+00:00"),
        modified=when("2026-11-18T09:15:00+00:00"),
        section="business",
        categories=["Business", "Technology"],
        tags=["semiconductors", "start-ups"],
        widget="facebook",
    ),
    Story(
        slug="telescope-finds-water-vapour-exoplanet",
        title="Astronomers detect water vapour on a planet 120 light years away",
        paragraphs=[
            "An international team of astronomers has detected water vapour in the atmosphere of a planet orbiting a small red star about 120 light years away, one of the smallest planets on which water has been found.",
            "The planet is about twice the size of Earth and completes an orbit every 33 days. The team measured the faint dimming of starlight as the planet passed in front of its star at several wavelengths, revealing the fingerprints of water molecules.",
            "Dr. Lucia Ferreira of the Harbor City Observatory, a co-author of the study, said the planet is probably too hot to have liquid water on its surface, but that the result shows such atmospheres can now be studied in detail.",
            "The findings were published in a peer-reviewed astronomy journal on Tuesday. The team plans further observations next year to look for carbon dioxide and methane.",
        ],
        topics=["science"],
        authors=["Lena Fischer"],
        published=when("2026-11-17T19:00:00+00:00"),
        modified=when("2026-11-17T19:00:00+00:00"),
        section="science",
        categories=["Science"],
        tags=["astronomy", "exoplanets"],
    ),
    Story(
        slug="short-sleep-linked-to-heart-disease",
        title="People who sleep less than six hours face higher heart risk, study finds",
        paragraphs=[
            "Adults who regularly sleep less than six hours a night are about 20 percent more likely to develop heart disease than those who sleep seven to eight hours, according to a large study published on Monday.",
            "Researchers followed more than 90,000 middle-aged adults for eight years using wrist-worn activity trackers, which measured sleep more reliably than questionnaires used in earlier studies.",
            "The link held after accounting for smoking, weight, blood pressure and physical activity. Sleeping much more than nine hours was also associated with higher risk, although the authors said illness may cause long sleep rather than the other way round.",
            "Cardiologists not involved in the study said the findings add to evidence that sleep should be treated like diet and exercise when doctors assess a patient's risk.",
        ],
        topics=["health", "science"],
        authors=["Lena Fischer"],
        published=when("2026-11-16T07:30:00+00:00"),
        modified=when("2026-11-16T07:30:00+00:00"),
        section="health",
        categories=["Health"],
        tags=["sleep", "heart disease", "research"],
        widget="commento",
    ),
    Story(
        slug="house-prices-dip-third-month",
        title="House prices fall for a third month as buyers wait for cheaper loans",
        paragraphs=[
            "Home prices in Harbor City fell 0.6 percent in October, the third monthly decline in a row, as buyers held off in the hope that mortgage rates will come down next year.",
            "The median sale price was $412,000, about 3 percent below the peak reached in July, according to figures from the regional association of estate agents. The number of completed sales fell by a fifth compared with October last year.",
            "Agents said sellers were increasingly willing to negotiate. Nearly half of the homes sold last month went for less than their asking price, compared with about a quarter in the spring.",
            "Rents, by contrast, continued to rise, climbing 4.1 percent over the year as would-be buyers stayed in the rental market.",
        ],
        topics=["economy"],
        authors=["Samir Haddad"],
        published=when("2026-11-15T10:00:00+00:00"),
        modified=when("2026-11-15T10:00:00+00:00"),
        section="business",
        categories=["Business"],
        tags=["housing", "property market"],
    ),
    Story(
        slug="film-festival-opens-with-refugee-documentary",
        title="Film festival opens with a documentary about a family's journey across three borders",
        paragraphs=[
            "The Harbor City International Film Festival opened on Thursday night with the premiere of a documentary that follows a family of five over two years as they cross three borders in search of safety.",
            "Director Yara Nassar filmed much of it on a phone, often at night, and the family's teenage daughter shot several of the most striking scenes herself. The audience at the Grand Palace cinema gave the film a long standing ovation.",
            "This year's festival shows 112 films from 41 countries over ten days. Organisers have added free open-air screenings on the waterfront for the first time and a programme of short films made by local high school students.",
        ],
        topics=["culture"],
        authors=["Ellen Park"],
        published=when("2026-11-13T22:00:00+00:00"),
        modified=when("2026-11-13T22:00:00+00:00"),
        section="culture",
        categories=["Culture"],
        tags=["film", "festival", "documentary"],
    ),
    Story(
        slug="harbor-marathon-record-field",
        title="Record field of 14,000 runners expected for the Harbor Marathon",
        paragraphs=[
            "A record 14,000 runners have registered for Sunday's Harbor Marathon, organisers said, up from 11,500 last year, with the course once again crossing both bridges and finishing on the waterfront promenade.",
            "The elite field includes last year's winner, who set a course record of two hours and eight minutes, and a local schoolteacher hoping to become the first Harbor City woman to win the race.",
            "Road closures begin at 5 a.m. and the bridges will reopen by 2 p.m. Extra ferry services will run from the north shore, and the transit authority is adding early morning trains.",
            'Organisers have recruited 1,800 volunteers to staff water stations, first-aid tents and the finish area. Residents along the route are invited to cheer from their doorsteps, and a brass band will play at the top of the North Bridge, the steepest climb of the course.',
        ],
        topics=["sport"],
        authors=["Kwame Asante"],
        published=when("2026-11-12T08:00:00+00:00"),
        modified=when("2026-11-12T08:00:00+00:00"),
        section="sport",
        categories=["Sport"],
        tags=["marathon", "running"],
        role="malformed",
    ),
    Story(
        slug="cafe-renee-pastry-award",
        title="Café Renée wins national pastry award for its crème brûlée tart",
        paragraphs=[
            "Café Renée, the small bakery on Rue Française in the old quarter, has won the national pastry championship with a crème brûlée tart that the judges called \"naïve in the best sense: simple, honest, perfectly balanced\".",
            "Owner Renée Lefèvre opened the café in 2019 after twelve years as a pâtissier in hotels. She said the recipe came from her grandmother's cahier of family desserts and was adapted for a crisp pâte sucrée base.",
            "The award comes with a €5,000 prize, which Lefèvre plans to spend on a second oven. Regulars say the queue outside on Saturday mornings already reaches the corner of Place Molière.",
            'The judges also praised the café’s millefeuille and its tarte Tatin, which Lefèvre bakes every morning before six. She says she will keep prices unchanged, because “a neighbourhood café should stay a neighbourhood café”.',
        ],
        topics=["culture"],
        authors=["Ellen Park"],
        published=when("2026-11-11T11:00:00+00:00"),
        modified=when("2026-11-11T11:00:00+00:00"),
        section="culture",
        categories=["Culture", "Food"],
        tags=["food", "bakery", "awards"],
        role="wrong-charset",
    ),
]

# Second version of the ``updated`` story: one sentence corrected, one paragraph added.
UPDATED_V2 = {
    "modified": when("2026-11-25T14:35:00+00:00"),
    "paragraphs": [
        POSTS[1].paragraphs[0],
        "Fire chief Angela Moreno said 60 firefighters and 15 engines were sent to the scene after bales of shredded plastic caught fire in an outdoor storage yard. Crews worked through the night to stop the flames from reaching a warehouse holding used batteries.",
        POSTS[1].paragraphs[2],
        POSTS[1].paragraphs[3],
        "By Wednesday afternoon the fire was declared fully under control, and residents were allowed to return to their homes. Air quality readings in the port district were back within normal limits, the environmental health office said.",
    ],
    "correction": "Correction: an earlier version of this article understated the number of firefighters and engines sent to the scene.",
}

# Accented words that must survive the wrong-charset page (ground truth for encoding handling).
WRONG_CHARSET_WORDS = ["Café Renée", "crème brûlée", "naïve", "Lefèvre", "pâtissier", "€5,000", "Place Molière"]

PRIVATE: list[Story] = [
    Story(
        slug="unpublished-investigation-port-contracts",
        title="Unpublished: port contracts investigation (legal review pending)",
        paragraphs=[
            "This investigation into port authority contracts is awaiting legal review and must not be published or indexed.",
            "Documents obtained by the Courier show three contracts awarded without a tender in 2025.",
        ],
        topics=["politics"],
        authors=["Rosa Delgado"],
        published=when("2026-11-24T09:00:00+00:00"),
        section="local",
        role="private",
    ),
]
