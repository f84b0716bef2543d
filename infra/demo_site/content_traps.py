"""Articles of ``traps``, the *Valley Ledger*: the good stories among the crawler traps.

``role`` says how a story is reached or served: ``linked`` (from the home page), ``hidden-sitemap``
(only listed in a sitemap that is itself only linked as a page), ``rate-limited`` (429 then 200),
``unavailable`` (503 with an HTTP-date Retry-After, then 200), ``cp1252`` (declared UTF-8, written in
cp1252), ``unknown-charset`` (a charset name no codec knows).
"""

from __future__ import annotations

from .model import Comment, Story, when

SITE_NAME = "Valley Ledger"
TAGLINE = "News from the upper valley"

POSTS: list[Story] = [
    Story(
        slug="county-opens-new-library-branch",
        title="County opens a new library branch in the old fire station",
        paragraphs=[
            "The county library system opened its twelfth branch on Saturday in the converted fire station on Elm Street, with a children's reading room where the engines used to park.",
            "The conversion cost $3.1 million and kept the brick facade, the hose tower and the brass pole, which now ends in a padded pit in the children's room. Librarians said more than 900 people signed up for library cards on the first day.",
            "The branch will open six days a week and offer free internet access, a small maker space with two 3D printers and evening English classes for adults.",
            "The library's director said the fire station had been empty for eight years before the county bought it, and that neighbours had campaigned for a branch within walking distance of the three schools nearby.",
        ],
        topics=["culture"],
        authors=["Hannah Lowe"],
        published=when("2026-11-21T10:00:00+00:00"),
        categories=["Community"],
        tags=["libraries", "county"],
        comments=[Comment(3001, "Pete R.", when("2026-11-21T12:00:00+00:00"), "My kids refused to leave the fire pole room.")],
        role="linked",
    ),
    Story(
        slug="valley-farmers-test-drought-resistant-wheat",
        title="Valley farmers test drought-resistant wheat on 40 farms",
        paragraphs=[
            "Forty farms in the upper valley are growing a drought-tolerant wheat variety this season as part of a trial run by the state agricultural extension service.",
            "The variety, bred from a landrace collected in Central Asia, develops deeper roots and closes its leaf pores earlier in the day, losing less water during heat waves. In greenhouse tests it yielded about 15 percent more grain than standard varieties under dry conditions.",
            "Farmers taking part will compare it side by side with their usual seed. Results are expected after the summer harvest, when the extension service will publish yields for every plot.",
            'Extension agents will visit each farm four times during the season to measure soil moisture and plant height. Millers in the valley have agreed to test-bake the grain to check that it makes good bread flour.',
        ],
        topics=["science", "environment"],
        authors=["Marco Bianchi"],
        published=when("2026-11-20T08:30:00+00:00"),
        categories=["Farming"],
        tags=["agriculture", "drought"],
        role="linked",
    ),
    Story(
        slug="ledger-high-school-wins-robotics-title",
        title="Ledger High wins the state robotics title with a tomato-picking robot",
        paragraphs=[
            "A team of eleven students from Ledger High School won the state robotics championship on Sunday with a robot that picks ripe tomatoes without bruising them.",
            "The robot uses a camera and a small neural network to judge ripeness by colour and a soft gripper made from silicone fingers cast in the school's art room. In the final it picked 38 tomatoes in three minutes and damaged none.",
            "The team now qualifies for the national championship in April and is raising money for travel. A local greenhouse has offered to host test runs over the winter.",
            'Their teacher said most of the team had never written a line of code before joining the robotics club two years ago. Several students now plan to study engineering, and one has been offered a summer internship at a farm equipment maker.',
        ],
        topics=["technology"],
        authors=["Hannah Lowe"],
        published=when("2026-11-19T18:00:00+00:00"),
        categories=["Education"],
        tags=["robotics", "schools"],
        role="linked",
    ),
    Story(
        slug="clinic-extends-hours-for-winter",
        title="Valley clinic extends evening hours for the winter",
        paragraphs=[
            "The Upper Valley Community Clinic will stay open until 9 p.m. on weekdays from December to March, after a winter in which its waiting room was full every evening.",
            "The clinic sees about 140 patients a day, many of them farm workers without a regular doctor. The extra hours are paid for by a two-year grant from a regional health foundation.",
            "The clinic is also adding a second nurse practitioner and a weekly mobile session at the migrant housing complex on the county road.",
            'Patients can book evening appointments by phone or simply walk in; the clinic says it will keep a third of the evening slots free for people without an appointment. Interpreters for Spanish and Mixtec will be available on Tuesdays and Thursdays.',
        ],
        topics=["health"],
        authors=["Grace Okoye"],
        published=when("2026-11-18T09:00:00+00:00"),
        categories=["Health"],
        tags=["clinic", "health care"],
        role="linked",
    ),
    Story(
        slug="ledger-lions-reach-regional-final",
        title="Ledger Lions reach the regional final after a penalty shoot-out",
        paragraphs=[
            "The Ledger Lions reached the regional football final on Wednesday night, beating Millbrook 5-4 on penalties after a 1-1 draw in front of 3,000 fans at the fairground stadium.",
            "Millbrook led for most of the game through an early header, but striker Danny Cole equalised with eight minutes left after a run from the halfway line. Goalkeeper Tom Nash saved the fifth Millbrook penalty to send the Lions through.",
            "The final will be played in the regional capital on December 6. The club has chartered four buses for supporters.",
            'The Lions have not reached a regional final since 1998, when they lost to the same opponents they are likely to meet this year. Tickets for the final go on sale at the clubhouse on Saturday morning, with a limit of four per supporter.',
        ],
        topics=["sport"],
        authors=["Marco Bianchi"],
        published=when("2026-11-18T22:30:00+00:00"),
        categories=["Sport"],
        tags=["football", "Ledger Lions"],
        role="linked",
    ),
    Story(
        slug="old-mill-bridge-reopens-after-repairs",
        title="Old Mill bridge reopens after a year of repairs",
        paragraphs=[
            "The Old Mill bridge over the river reopened to traffic on Monday after a year-long repair that replaced its rusted steel deck and strengthened the stone piers.",
            "The bridge, built in 1911, had been closed since engineers found cracks in two beams during an inspection last autumn. Drivers had to make a twelve-mile detour through Millbrook.",
            "The $8.4 million project was paid for mainly by a federal infrastructure grant. A weight limit of 20 tonnes remains in place for lorries.",
            'Shop owners in the village on the far bank said the closure had cost them a large share of their passing trade. The county has promised a small grant programme to help businesses recover, and a ribbon-cutting fair will be held on the bridge next Sunday afternoon.',
        ],
        topics=["economy"],
        authors=["Grace Okoye"],
        published=when("2026-11-17T07:00:00+00:00"),
        categories=["Community"],
        tags=["roads", "infrastructure"],
        role="hidden-sitemap",
    ),
    Story(
        slug="valley-co-op-reports-record-apple-harvest",
        title="Valley co-op reports a record apple harvest",
        paragraphs=[
            "The Upper Valley Fruit Co-operative packed a record 41,000 tonnes of apples this autumn, helped by a frost-free spring and a wet summer that swelled the fruit.",
            "Prices have fallen because of the glut, and the co-op is sending more of the crop to juice and cider makers than in previous years. Growers said the record volume only partly made up for lower prices.",
            "The co-op's general manager said the packing house ran double shifts for six weeks to keep up with deliveries. Cold stores are full until spring, and some growers left late varieties on the trees because there was nowhere to put them.",
        ],
        topics=["economy"],
        authors=["Marco Bianchi"],
        published=when("2026-11-16T11:00:00+00:00"),
        categories=["Farming"],
        tags=["apples", "agriculture"],
        role="rate-limited",
    ),
    Story(
        slug="council-delays-vote-on-wind-farm",
        title="County council delays its vote on the ridge wind farm",
        paragraphs=[
            "The county council postponed its vote on a proposed 14-turbine wind farm on Hawk Ridge after more than 200 residents signed up to speak at Tuesday's hearing.",
            "Supporters point to lease payments to landowners and a community fund worth $250,000 a year. Opponents worry about the view from the state park and about birds of prey that nest on the ridge.",
            "The council will hold a second hearing in January and expects to vote in February.",
            'The developer has offered to paint the turbine blades to make them more visible to birds and to stop the turbines during the spring migration if monitoring shows a risk. Opponents said they want an independent study before any decision.',
        ],
        topics=["politics", "environment"],
        authors=["Hannah Lowe"],
        published=when("2026-11-15T19:30:00+00:00"),
        categories=["Politics"],
        tags=["wind power", "county council"],
        role="unavailable",
    ),
    Story(
        slug="creperie-opens-on-main-street",
        title="A crêperie with a naïve mural opens on Main Street",
        paragraphs=[
            "Élodie Marchand opened her crêperie on Main Street on Friday, serving galettes, café au lait and a crème brûlée that sold out before noon.",
            "The walls carry a naïve-style mural of the valley painted by her father, a retired décor designer from Besançon. Marchand said the menu would change with the seasons and feature apples and cheese from local farms.",
            'Marchand trained at a cookery school in Rennes and worked for ten years in restaurants in Lyon and Montréal before moving to the valley with her family. The crêperie seats thirty and is open from Wednesday to Sunday, with a children’s menu and gluten-free galettes made from buckwheat.',
        ],
        topics=["culture"],
        authors=["Grace Okoye"],
        published=when("2026-11-14T12:00:00+00:00"),
        categories=["Food"],
        tags=["restaurants", "Main Street"],
        role="cp1252",
    ),
    Story(
        slug="museum-shows-valley-quilts",
        title="Museum shows a century of valley quilts",
        paragraphs=[
            "The county museum has opened an exhibition of 60 quilts made in the valley between 1890 and 1990, many of them lent by the families of the women who sewed them.",
            "Curators spent two years recording the stories behind each quilt, from wedding gifts to a quilt stitched from feed sacks during the Depression. The exhibition runs until March.",
            'Visitors can also see the sewing machines, pattern books and scrap baskets that the quiltmakers used, and on Saturdays members of the valley quilting guild demonstrate hand stitching in the museum hall. Admission is free for children and for residents of the county.',
        ],
        topics=["culture"],
        authors=["Hannah Lowe"],
        published=when("2026-11-13T15:00:00+00:00"),
        categories=["Community"],
        tags=["museum", "crafts"],
        role="unknown-charset",
    ),
]

CP1252_WORDS = ["crêperie", "naïve", "Élodie", "café au lait", "crème brûlée", "décor", "Besançon"]

MEMBERS_ONLY = Story(
    slug="exclusive-interview",
    title="Members only: our exclusive interview with the county executive",
    paragraphs=[
        "This interview is available to members only. Robots.txt asks crawlers to stay out of this section.",
        "The county executive spoke about the budget, the wind farm and the bridge repairs.",
    ],
    topics=["politics"],
    authors=["Hannah Lowe"],
    published=when("2026-11-22T09:00:00+00:00"),
    categories=["Politics"],
)
