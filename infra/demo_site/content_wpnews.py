"""Articles of ``wpnews``, the *Riverside Herald*: a self-hosted WordPress news site (November 2026).

Comment widgets vary per post: ``core`` (WordPress comment list and form), ``wpdiscuz`` and ``disqus``.
The ``wire`` post is one half of the syndicated near-duplicate pair (the other is on ``citynews``).
"""

from __future__ import annotations

from .model import Comment, Story, when

SITE_NAME = "Riverside Herald"
TAGLINE = "Local news for Riverside and the valley"

AUTHORS = {
    "Daniel Okafor": "daniel-okafor",
    "Maria Lindqvist": "maria-lindqvist",
    "Tom Becker": "tom-becker",
    "Priya Raman": "priya-raman",
    "Continental Press": "continental-press",
}

WIRE_TRAILER = "Copyright 2026 Continental Press. All rights reserved. This material may not be published, broadcast, rewritten or redistributed without permission."

POSTS: list[Story] = [
    Story(
        slug="council-approves-transit-budget",
        title="Council approves $84 million transit budget after late-night debate",
        paragraphs=[
            "Riverside city council voted 7-4 shortly after midnight on Tuesday to approve an $84 million transit budget that adds two bus rapid transit lines and extends evening service on eleven routes.",
            "The vote followed more than five hours of public comment. Supporters, many of them students and hospital night-shift workers, said the current schedule leaves them stranded after 9 p.m. Opponents questioned the cost of the dedicated bus lanes on Harbor Avenue, which will remove about 300 parking spaces.",
            "Councillor Ruth Alvarez, who chairs the transportation committee, said the plan was paid for by a state grant and by reallocating money from a road-widening project that was cancelled last year. \"This does not raise anyone's property tax,\" she told the chamber.",
            "Councillor Greg Whitfield, who voted against, said the city had underestimated operating costs. \"Building the lanes is the cheap part. Running the buses for twenty years is what we are really voting on,\" he said.",
            "Construction on the first line, linking the university campus to the east side medical district, is scheduled to begin in April. The city expects both lines to open by the end of 2028.",
        ],
        topics=["politics"],
        authors=["Daniel Okafor"],
        published=when("2026-11-24T06:30:00+00:00"),
        modified=when("2026-11-24T09:05:00+00:00"),
        categories=["Local Politics"],
        tags=["city council", "transit", "budget"],
        comments=[
            Comment(2001, "Nadia P.", when("2026-11-24T10:12:00+00:00"), "Finally. I have been walking home from the hospital at midnight for three years."),
            Comment(2002, "Bill Sorensen", when("2026-11-24T11:40:00+00:00"), "Losing 300 parking spaces on Harbor will kill the shops there. Nobody asked the owners."),
            Comment(2003, "Nadia P.", when("2026-11-24T12:05:00+00:00"), "The shop owners' association spoke in favour at the hearing, actually.", parent=2002),
        ],
        role="comments",
    ),
    Story(
        slug="united-edge-rovers-derby",
        title="United edge Rovers 2-1 in a derby settled by a late penalty",
        paragraphs=[
            "Riverside United beat Valley Rovers 2-1 at a sold-out Mill Lane on Saturday, with captain Jonah Reid converting a penalty in the 88th minute to settle a bruising derby.",
            "Rovers took the lead against the run of play midway through the first half when Kofi Mensah ran onto a long ball and lifted it over the advancing goalkeeper. United dominated possession but struggled to break down a compact back five until the hour mark.",
            "The equaliser came from a corner. Defender Luis Ortega rose highest at the near post and glanced a header inside the far post, his first goal of the season.",
            "With extra time approaching, substitute Aaron Pike was tripped in the area by Rovers full-back Sam Doyle. Reid sent the goalkeeper the wrong way from the spot, and Doyle was later shown a second yellow card for dissent.",
            "The win lifts United to third in the table, two points behind the leaders with a game in hand. Rovers remain in the relegation zone after a fourth defeat in five matches. Their manager complained that the referee had missed a handball in the build-up to the equaliser.",
        ],
        topics=["sport"],
        authors=["Tom Becker"],
        published=when("2026-11-22T19:45:00+00:00"),
        categories=["Sports"],
        tags=["football", "Riverside United", "Valley Rovers"],
        comments=[
            Comment(2011, "MillLaneFaithful", when("2026-11-22T20:30:00+00:00"), "Reid has ice in his veins. What a finish to the afternoon."),
        ],
    ),
    Story(
        slug="central-bank-holds-rates-hints-at-cuts",
        title="Central bank holds rates steady, hints at cuts in the spring",
        paragraphs=[
            "FRANKFURT (CP) — The central bank left its main interest rate unchanged at 3.25 percent on Thursday but signalled for the first time this year that borrowing costs could start to fall in the spring if inflation keeps easing.",
            "Governor Helena Marsh told reporters that price growth had slowed faster than the bank expected in the summer, helped by lower energy costs and a stronger currency. Consumer prices rose 2.4 percent in October from a year earlier, down from 3.1 percent in June.",
            "\"We are not declaring victory, but the direction is clear,\" Marsh said. \"If the data over the winter confirm what we are seeing, the council will have room to reduce rates in the first half of next year.\"",
            "Financial markets had largely expected the decision. Government bond yields fell after the press conference, and the currency weakened slightly against the dollar as traders brought forward their bets on a first cut to March.",
            "Not everyone on the rate-setting council agreed. Two members voted for an immediate quarter-point cut, arguing that high borrowing costs were weighing on construction and on small manufacturers, where orders have fallen for six consecutive months.",
            "Business groups welcomed the change in tone. The chambers of commerce said firms had delayed investment plans for more than a year and needed a clear signal that financing conditions would improve.",
            "The bank's next policy meeting is scheduled for the end of January, when it will also publish new forecasts for growth and inflation for the next three years.",
        ],
        topics=["economy"],
        authors=["Continental Press"],
        published=when("2026-11-20T13:15:00+00:00"),
        categories=["Business"],
        tags=["interest rates", "central bank", "inflation"],
        trailer=WIRE_TRAILER,
        role="wire",
    ),
    Story(
        slug="st-marys-opens-cancer-treatment-wing",
        title="St. Mary's opens cancer wing that cuts travel for valley patients",
        paragraphs=[
            "St. Mary's Regional Hospital opened a new cancer treatment wing on Monday, bringing radiation therapy to the valley for the first time and sparing hundreds of patients a two-hour round trip to the university hospital in Capitol City.",
            "The $46 million building houses two linear accelerators, twelve infusion chairs for chemotherapy and a small clinical trials unit. It will be staffed by 38 nurses, physicists and radiation therapists, about half of them newly recruited.",
            "Oncologist Dr. Amina Yusuf said patients who need radiation often come five days a week for six weeks. \"For an elderly patient without a car, that journey was sometimes the reason they declined treatment,\" she said.",
            "The wing was funded by a state grant, a hospital bond and a community appeal that raised $6.2 million, including a large donation from the family of a former mayor who was treated for lymphoma in 2019.",
        ],
        topics=["health"],
        authors=["Maria Lindqvist"],
        published=when("2026-11-23T15:00:00+00:00"),
        categories=["Health"],
        tags=["hospital", "cancer", "St. Mary's"],
    ),
    Story(
        slug="battery-plant-adds-400-jobs",
        title="Battery plant to add 400 jobs as it expands into grid storage",
        paragraphs=[
            "The lithium-iron-phosphate battery plant on the old paper mill site will hire 400 more workers next year as it adds a production line for grid-scale storage units, the company said on Wednesday.",
            "The expansion, valued at $310 million, will more than double the plant's output. Until now the factory has made battery packs for delivery vans; the new line will build shipping-container-sized units that utilities use to store solar power during the day and release it in the evening.",
            "The county's economic development office said the jobs would pay an average of $27 an hour. The community college is starting a twelve-week technician course in January with places for 60 students, designed together with the company.",
            "Union organisers, who lost a recognition vote at the plant by a narrow margin last spring, said they would use the expansion to renew their campaign.",
        ],
        topics=["economy", "technology"],
        authors=["Priya Raman"],
        published=when("2026-11-19T10:00:00+00:00"),
        categories=["Business"],
        tags=["jobs", "batteries", "manufacturing"],
    ),
    Story(
        slug="river-cleanup-three-tonnes-plastic",
        title="Volunteers pull three tonnes of plastic from the river in one weekend",
        paragraphs=[
            "More than 700 volunteers in waders, kayaks and rubber gloves removed three tonnes of rubbish from a nine-mile stretch of the river over the weekend, the largest clean-up in the event's twelve-year history.",
            "Most of what they found was single-use plastic: bottles, food containers and shopping bags snagged in willow roots along the banks. Volunteers also hauled out 41 tyres, two shopping trolleys and a rusted motorbike.",
            "Organisers from the Riverkeepers Alliance said the amount of plastic collected per mile has fallen since the county banned polystyrene takeaway boxes in 2024, but that microplastics remain a serious problem for the river's trout population.",
            "Water samples taken during the clean-up will be analysed by students at the state university, who are building a record of pollution levels at twenty points along the river.",
        ],
        topics=["environment"],
        authors=["Maria Lindqvist"],
        published=when("2026-11-17T08:00:00+00:00"),
        categories=["Environment"],
        tags=["river", "plastic", "volunteers"],
    ),
    Story(
        slug="jazz-festival-returns-old-town",
        title="Jazz festival returns to Old Town with a week of free concerts",
        paragraphs=[
            "The Riverside Jazz Festival will return to Old Town next week after a two-year break, with 35 free concerts in squares, church halls and the restored tram depot.",
            "The programme mixes touring bands with local musicians, including the high school big band that won the state championship in the spring. The headline act, a New Orleans brass band, plays the closing night on the steps of the public library.",
            "Festival director Carmen Ruiz said the break had been forced by the loss of the main sponsor. This year's edition is paid for by the city's arts fund and by some 300 small donors who responded to an online appeal.",
            "Bars and restaurants in Old Town are offering late opening hours during the festival week, and the city will close Market Street to traffic on the final weekend.",
        ],
        topics=["culture"],
        authors=["Tom Becker"],
        published=when("2026-11-16T12:00:00+00:00"),
        categories=["Arts & Culture"],
        tags=["music", "jazz", "festival"],
    ),
    Story(
        slug="radio-tags-track-songbird-migration",
        title="Tiny radio tags reveal songbirds' night flights over the valley",
        paragraphs=[
            "Researchers at the state university have tracked the autumn migration of 180 thrushes fitted with radio tags weighing less than a third of a gram, revealing that many of the birds cross the valley in a single night at altitudes of more than a kilometre.",
            "The tags send a signal every few seconds to a network of 60 receiving towers on farm buildings and church spires. Together the towers record when each bird passes, allowing the team to reconstruct its route and speed.",
            "Biologist Dr. Kenji Watanabe said the data show that the birds rest for several days in the wooded ravines north of the city before setting out, which makes protecting those patches of forest more important than previously thought.",
            "The project is part of a continent-wide network of receivers run by universities and volunteers. Its data are published openly so that other researchers can follow birds that pass through their regions.",
        ],
        topics=["science", "environment"],
        authors=["Priya Raman"],
        published=when("2026-11-14T09:30:00+00:00"),
        categories=["Science"],
        tags=["birds", "migration", "research"],
    ),
    Story(
        slug="school-district-ai-tutoring-pilot",
        title="School district tests AI tutoring in ninth-grade maths",
        paragraphs=[
            "The Riverside Unified School District will test an artificial intelligence tutoring program in ninth-grade maths classes at three high schools from January, the school board decided on Thursday.",
            "The software gives students step-by-step hints when they get stuck on homework problems but is designed not to give away the final answer. Teachers will see a dashboard showing which topics each student struggles with.",
            "Board members asked detailed questions about privacy. The district said student data would be stored on servers in the state, would not be used to train the vendor's models, and would be deleted at the end of each school year.",
            "The teachers' union said it supported the pilot as long as the software was used to help teachers rather than to replace them, and asked for an independent evaluation before any expansion.",
        ],
        topics=["technology"],
        authors=["Daniel Okafor"],
        published=when("2026-11-13T17:20:00+00:00"),
        categories=["Education", "Technology"],
        tags=["schools", "artificial intelligence", "education"],
        widget="wpdiscuz",
        comments=[
            Comment(2021, "Ms. Harper", when("2026-11-13T18:10:00+00:00"), "As a maths teacher I am cautiously optimistic. The dashboard could save hours of marking."),
            Comment(2022, "Concerned parent", when("2026-11-13T20:42:00+00:00"), "Who audits the vendor's privacy promises? The board should publish the contract."),
        ],
    ),
    Story(
        slug="flu-season-arrives-early",
        title="Flu season arrives early as clinics report surge in cases",
        paragraphs=[
            "Doctors across the county are seeing an early start to the flu season, with clinics reporting three times as many positive tests in the first two weeks of November as in the same period last year.",
            "The county health department said most cases were caused by an H3N2 strain that tends to hit older adults hardest. Two nursing homes have restricted visits after outbreaks among residents.",
            "Health officer Dr. Samuel Greene urged everyone over six months old to get vaccinated, saying this year's vaccine appeared to be a good match for the circulating strain. Pharmacies have plenty of stock, he said.",
            "Emergency departments at both city hospitals said waiting times had lengthened but that they were coping. They asked people with mild symptoms to call their doctor or a nurse line before coming in.",
        ],
        topics=["health"],
        authors=["Maria Lindqvist"],
        published=when("2026-11-12T11:00:00+00:00"),
        categories=["Health"],
        tags=["flu", "vaccination", "public health"],
        widget="disqus",
    ),
    Story(
        slug="mayor-recall-petition-signatures",
        title="Recall campaign against Mayor Chen says it has enough signatures",
        paragraphs=[
            "Organisers of a campaign to recall Mayor Diane Chen said on Friday that they had collected more than 21,000 signatures, comfortably above the 18,400 needed to force a special election.",
            "The campaign was launched in the summer after the mayor's office approved a 14 percent increase in water rates without a public hearing. Chen has said the increase was required by a state order to replace lead pipes and that the hearing requirement did not apply.",
            "The city clerk has 30 days to verify the signatures. If enough are valid, the council must schedule an election within four months, which would probably coincide with the spring primaries.",
            "Chen, who was elected in 2024 with 54 percent of the vote, called the recall \"a costly distraction\" and said she would fight it. Two council members have already said they are considering running if it goes ahead.",
        ],
        topics=["politics"],
        authors=["Daniel Okafor"],
        published=when("2026-11-10T16:45:00+00:00"),
        categories=["Local Politics"],
        tags=["mayor", "recall", "elections"],
    ),
    Story(
        slug="partnerstadt-loerrach-schueleraustausch",
        title="Partnerstadt Lörrach: Riverside und Lörrach beschließen Schüleraustausch",
        paragraphs=[
            "Die Stadträte von Riverside und der Partnerstadt Lörrach haben am Montag einen regelmäßigen Schüleraustausch beschlossen. Ab dem kommenden Schuljahr sollen jedes Jahr zwanzig Jugendliche aus beiden Städten für drei Wochen in Gastfamilien leben und am Unterricht teilnehmen.",
            "Oberbürgermeisterin Katrin Vogel sagte bei einer Videokonferenz mit dem Rathaus in Riverside, die Partnerschaft solle nach dreißig Jahren „nicht nur aus Empfängen und Gastgeschenken bestehen“. Der Austausch wird von beiden Städten gemeinsam mit einer Stiftung finanziert.",
            "Die Highschool von Riverside bietet seit zwei Jahren wieder Deutsch als Wahlfach an. Die Lehrerin der Deutschkurse rechnet damit, dass sich mehr Schülerinnen und Schüler bewerben werden, als es Plätze gibt.",
            "Im Frühjahr reist zunächst eine Delegation aus Lörrach nach Riverside, um die Gastfamilien kennenzulernen und das Programm vorzubereiten.",
        ],
        topics=["culture", "politics"],
        authors=["Maria Lindqvist"],
        published=when("2026-11-11T09:00:00+00:00"),
        categories=["Education"],
        tags=["Partnerstadt", "Schüleraustausch"],
        comments=[
            Comment(2031, "Jürgen H.", when("2026-11-11T12:15:00+00:00"), "Endlich! Meine Tochter wartet schon seit Jahren auf so ein Programm."),
            Comment(2032, "Sabine", when("2026-11-11T16:02:00+00:00"), "Wo kann man sich als Gastfamilie melden?"),
        ],
        language="de",
    ),
    Story(
        slug="hawks-open-season-with-win",
        title="Hawks open basketball season with a comeback win over Capitol",
        paragraphs=[
            "The Riverside Hawks women's basketball team came back from 14 points down to beat Capitol State 71-66 in their season opener on Sunday, with freshman guard Imani Brooks scoring 11 of her 19 points in the fourth quarter.",
            "Capitol dominated the first half with quick ball movement and hit seven three-pointers before the break. The Hawks switched to a full-court press after half-time, forcing 12 turnovers in the third quarter alone.",
            "Brooks gave the Hawks their first lead with a three-pointer from the corner with four minutes left, and centre Olivia Grant sealed the game with two free throws and a block on the final possession.",
            "Head coach Marianne Fields said she was proud of the team's composure. The Hawks travel to the coast next weekend for a tournament that includes two of last season's national quarter-finalists.",
        ],
        topics=["sport"],
        authors=["Tom Becker"],
        published=when("2026-11-09T21:30:00+00:00"),
        categories=["Sports"],
        tags=["basketball", "Hawks", "women's sport"],
    ),
]

PRIVATE: list[Story] = [
    Story(
        slug="embargoed-budget-leak",
        title="Embargoed: county budget figures (staff only)",
        paragraphs=[
            "Embargoed until the county executive's press conference. Staff working copy of the budget story with figures still to be checked.",
            "The draft shows a shortfall in the parks department and a hiring freeze for the library system.",
        ],
        topics=["politics", "economy"],
        authors=["Daniel Okafor"],
        published=when("2026-11-25T07:00:00+00:00"),
        categories=["Local Politics"],
        role="private",
    ),
]
