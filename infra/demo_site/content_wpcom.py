"""Posts of ``wpcom``, a WordPress.com-hosted blog on Iraq and the region (January 2020).

The first post is the project's seed document: same title and seven paragraphs, ending with the
wire sign-off "Finished 2" that the cleaner is expected to deal with.
"""

from __future__ import annotations

from .model import Comment, Story, when

SITE_NAME = "Tigris Notes"
TAGLINE = "News and analysis from Baghdad and beyond"
AUTHOR = "Layla Haddad"
AUTHOR_SLUG = "tigrisnotes"

SEED_TITLE = "The American army resumes its joint operations with Iraq"
SEED_PARAGRAPHS = [
    "Baghdad / … two American military officials confirmed that the American army has resumed its joint operations with Iraq, 10 days after it was suspended following the assassination of the commander of the Iranian Quds Force, Qassem Soleimani.",
    "The New York Times quoted officials who did not mention their names as saying that “the army was keen to resume operations against ISIS as soon as possible, with the aim of missing the opportunity for the organization to regain its momentum, and denying it any propaganda victory it might claim because of the United States ceasing its operations in Iraq” “.",
    "In response to a question by Agence France Presse, the Pentagon refused to comment on what was reported by “The New York Times”.",
    "On the initiative of Washington, the joint military operations between the two countries ceased on January 5, two days after Soleimani was killed by a raid by a US plane marching near Baghdad airport.",
    "On the same day, the Iraqi parliament asked the government to end the presence of all foreign forces in the country.",
    "And Monday, US Secretary of State Mike Pompeo said, “All Iraqi leaders have told him on private councils, that they support the American military presence in their country, despite public calls for American soldiers to leave Iraq.”",
    "However, Pompeo did not rule out a reduction in the number of his country’s soldiers deployed in Mesopotamia, in line with President Donald Trump’s desire to confirm his intention to withdraw from “costly” military operations in the Middle East. Finished 2",
]

POSTS: list[Story] = [
    Story(
        slug="the-american-army-resumes-its-joint-operations-with-iraq",
        title=SEED_TITLE,
        paragraphs=SEED_PARAGRAPHS,
        topics=["conflict", "politics"],
        authors=[AUTHOR],
        published=when("2020-01-16T09:12:00+00:00"),
        modified=when("2020-01-16T09:40:00+00:00"),
        categories=["Iraq", "Security"],
        tags=["Iraq", "United States", "ISIS", "Pentagon"],
        role="seed",
    ),
    Story(
        slug="baghdad-parliament-foreign-troops-vote-what-comes-next",
        title="After the troops vote, Baghdad's lawmakers argue over what comes next",
        paragraphs=[
            "A week after the Iraqi parliament passed its non-binding resolution on foreign forces, the blocs that voted for it cannot agree on what it actually requires the caretaker government to do.",
            "Shia parties close to the armed factions want a timetable written into law before the spring. Kurdish and most Sunni deputies boycotted the session and say any withdrawal must be negotiated, not announced, because the coalition still provides air cover, intelligence and training that the Iraqi army cannot yet replace.",
            "The caretaker prime minister has asked the foreign ministry to prepare \"the mechanisms\" for implementation, a phrase that officials privately admit means very little while the cabinet itself has no authority to sign new agreements.",
            "Constitutional lawyers in Baghdad point out that the 2008 strategic framework agreement can only be ended with a year's written notice. None has been sent. Until it is, several deputies told me, the resolution is a political signal rather than an order.",
            "What happens next depends on who forms the next government, a question that has already taken two months without an answer.",
        ],
        topics=["politics"],
        authors=[AUTHOR],
        published=when("2020-01-13T17:30:00+00:00"),
        categories=["Iraq", "Politics"],
        tags=["Iraq", "parliament", "coalition"],
        comments=[
            Comment(101, "Omar K.", when("2020-01-13T19:02:00+00:00"), "The Kurdish boycott is the part nobody abroad is reporting. Thanks for spelling it out."),
            Comment(102, "Samira", when("2020-01-13T21:45:00+00:00"), "Do you know if the framework agreement text is public anywhere?"),
            Comment(103, "Layla Haddad", when("2020-01-14T07:10:00+00:00"), "It is, on the embassy website; I will add a link to the post tonight.", parent=102),
        ],
    ),
    Story(
        slug="oil-prices-gulf-tensions-iraq-budget",
        title="Oil jumps on Gulf tensions, and Iraq's budget breathes for a week",
        paragraphs=[
            "Brent crude briefly rose above 70 dollars a barrel in the days after the Baghdad airport strike, the highest level since September, before falling back as traders concluded that production in the Gulf was not under immediate threat.",
            "For Iraq, which earns more than ninety percent of state revenue from crude exports, every dollar matters. The draft 2020 budget was written around an average price of 56 dollars and still carried a deficit of almost 40 trillion dinars, most of it public sector salaries and pensions.",
            "Officials at the oil ministry say southern exports through Basra continued at about 3.4 million barrels a day throughout the crisis. Foreign engineers at two fields near the border were moved to Basra city as a precaution but returned within days.",
            "Economists in Baghdad warn that the windfall is an illusion. A price spike driven by fear fades as quickly as it came, and the country's reliance on a single commodity leaves salaries exposed the next time prices fall.",
        ],
        topics=["economy"],
        authors=[AUTHOR],
        published=when("2020-01-10T11:05:00+00:00"),
        categories=["Economy"],
        tags=["oil", "budget", "Basra"],
        comments=[
            Comment(111, "Haider", when("2020-01-10T12:30:00+00:00"), "Forty trillion dinars of deficit and still no plan for the electricity sector."),
            Comment(112, "J. Brennan", when("2020-01-10T15:02:00+00:00"), "Good summary. The pension bill is the elephant in the room."),
        ],
        role="variants",
    ),
    Story(
        slug="baghdad-startup-digital-payments-market-stalls",
        title="A Baghdad start-up wants market stalls to take payments by phone",
        paragraphs=[
            "In the Shorja market, where almost everything is still paid for in crumpled dinar notes, a team of six engineers is trying to persuade spice sellers to accept payments with a QR code printed on a laminated card.",
            "The company, founded by two graduates of the University of Technology, links customers' phone wallets to a merchant account and settles the money the next morning. It charges half of one percent per transaction, less than the card terminals that a handful of supermarkets have installed.",
            "Adoption is slow. Many traders distrust banks after years of frozen accounts, and mobile data in the covered market is patchy. The founders say the breakthrough came when a wholesale tea merchant started paying his suppliers through the app and asked them to do the same.",
            "The central bank has issued three licences for electronic payment providers in the past year and says it wants a quarter of retail payments to be electronic by 2023, a target that most bankers describe as ambitious.",
        ],
        topics=["technology", "economy"],
        authors=[AUTHOR],
        published=when("2020-01-08T08:20:00+00:00"),
        categories=["Economy", "Technology"],
        tags=["start-ups", "fintech", "Baghdad"],
    ),
    Story(
        slug="mosul-measles-vaccination-drive",
        title="Mosul health teams go door to door as measles cases rise",
        paragraphs=[
            "Vaccination teams in Mosul have started visiting homes in the rebuilt western half of the city after health officials recorded more than 200 suspected measles cases since November, most of them in children under five.",
            "Years of fighting left a generation of children with missed or incomplete vaccinations. Clinics that were destroyed in 2017 have only partly reopened, and many families who returned from displacement camps never registered with a local health centre.",
            "The campaign, supported by the World Health Organization and UNICEF, aims to reach 300,000 children across Nineveh province within three weeks. Teams carry cool boxes on foot through the narrow streets of the old city where vehicles cannot pass.",
            "Doctors at the Ibn Sina teaching hospital say most of the children admitted so far have recovered, but they warn that measles can cause pneumonia and brain swelling in malnourished children and that the outbreak could spread to camps around Dohuk.",
        ],
        topics=["health"],
        authors=[AUTHOR],
        published=when("2020-01-06T13:00:00+00:00"),
        categories=["Health"],
        tags=["Mosul", "vaccination", "measles"],
    ),
    Story(
        slug="iraq-football-friendly-jordan-basra",
        title="Iraq beat Jordan in Basra friendly as fans fill the stadium",
        paragraphs=[
            "Iraq's national football team beat Jordan 2-0 in a friendly at the Basra International Stadium on Friday night, watched by a crowd of more than 60,000 despite the tense political atmosphere of the past weeks.",
            "Mohanad Ali opened the scoring in the 23rd minute with a low shot after a quick exchange on the left wing, and a second-half header from a corner sealed the result. Jordan's goalkeeper kept the score respectable with three fine saves before the break.",
            "The match was the first international played in Basra since the demonstrations of the autumn, and the stands were filled with protest banners alongside the national flag. Players wore black armbands in memory of those killed during the protests.",
            "The coach said the performance showed the squad was ready for the World Cup qualifiers in March, though he admitted that the defence had been stretched on the counter-attack more than once.",
        ],
        topics=["sport"],
        authors=[AUTHOR],
        published=when("2020-01-04T22:15:00+00:00"),
        categories=["Sport"],
        tags=["football", "Basra", "national team"],
        comments=[
            Comment(121, "Ali from Zubair", when("2020-01-05T08:00:00+00:00"), "Best atmosphere in years. The whole stadium sang after the second goal."),
        ],
    ),
    Story(
        slug="southern-marshes-drought-buffalo-herders",
        title="In the southern marshes, buffalo herders watch the water retreat",
        paragraphs=[
            "The Mesopotamian marshes, restored after being drained in the 1990s, are shrinking again. Herders in the Chibayish district say the channels they use to move their buffalo have become too shallow for boats for the first time in a decade.",
            "Upstream dams in Turkey and Iran, lower rainfall and wasteful irrigation have reduced the flow of the Tigris and Euphrates. Water entering the marshes is also saltier, which makes it unfit for the animals to drink and kills the reeds that villagers cut for building and fodder.",
            "Environmental groups say the marshes, a UNESCO World Heritage site since 2016, need a guaranteed minimum flow that the water ministry has never written into its allocation plans.",
            "Several families have already sold their herds and moved to Nasiriyah, where they compete for day labour on building sites. Those who stay speak of the marshes as a way of life that may not survive their children.",
        ],
        topics=["environment"],
        authors=[AUTHOR],
        published=when("2020-01-03T10:40:00+00:00"),
        categories=["Environment"],
        tags=["marshes", "water", "drought", "climate"],
    ),
    Story(
        slug="babylon-excavations-reopen",
        title="Archaeologists return to Babylon as excavations reopen",
        paragraphs=[
            "Iraqi and Italian archaeologists have resumed excavations at Babylon for the first time since the site was added to the UNESCO World Heritage list last summer, concentrating on a residential quarter south of the Ishtar Gate.",
            "The team is using ground-penetrating radar to map buried walls before digging, a method that lets them avoid damage to fragile mud brick. Early scans suggest a street grid laid out in the sixth century BC, during the reign of Nebuchadnezzar II.",
            "The state board of antiquities hopes the work will bring visitors back. Babylon received fewer than 20,000 foreign tourists last year, a fraction of what officials believe the site could attract with better roads and a proper visitor centre.",
            "Conservators are also racing to stabilise walls damaged by rising groundwater and by the restoration works of the 1980s, when new bricks stamped with the name of the former president were laid on top of the ancient foundations.",
        ],
        topics=["culture", "science"],
        authors=[AUTHOR],
        published=when("2020-01-02T09:00:00+00:00"),
        categories=["Culture"],
        tags=["archaeology", "Babylon", "heritage"],
    ),
    Story(
        slug="basra-heat-record-summer-study",
        title="Basra's summers are getting hotter faster than forecast, study finds",
        paragraphs=[
            "Summer temperatures in Basra have risen by almost two degrees Celsius since the 1980s, according to a study by climate researchers at the University of Basra, a faster increase than regional models had predicted.",
            "The researchers analysed daily readings from three weather stations and found that the number of days above 50 degrees has doubled over the period. Nights are warming even faster, which doctors say is dangerous because the body has no chance to recover from the heat of the day.",
            "Electricity shortages make the problem worse. When the grid fails, families without generators lose air conditioning during the hottest hours, and hospital admissions for heat stroke rise sharply.",
            "The authors recommend planting shade trees along main roads, painting roofs white and giving priority to hospitals and water pumping stations in the summer power schedule.",
        ],
        topics=["environment", "science"],
        authors=[AUTHOR],
        published=when("2019-12-30T15:25:00+00:00"),
        categories=["Environment"],
        tags=["climate", "Basra", "heat"],
    ),
    Story(
        slug="erbil-book-fair-young-readers",
        title="Erbil book fair draws young readers back to paper",
        paragraphs=[
            "The Erbil International Book Fair closed its doors on Saturday after ten days in which organisers counted more than 150,000 visitors, many of them students who came for the cheap editions of novels translated into Kurdish and Arabic.",
            "Publishers from Beirut, Cairo and Tehran reported strong sales of fiction and poetry, while a stand of children's picture books printed in Sulaymaniyah sold out on the fourth day.",
            "Writers taking part in the fair's debates spoke about censorship, about the difficulty of getting books across internal checkpoints, and about the growing number of young Iraqis who read on their phones but still want a printed copy of the books they love.",
        ],
        topics=["culture"],
        authors=[AUTHOR],
        published=when("2019-12-28T18:00:00+00:00"),
        categories=["Culture"],
        tags=["books", "Erbil", "literature"],
    ),
    Story(
        slug="bagdad-rue-al-moutanabbi-bouquinistes",
        title="À Bagdad, la rue al-Moutanabbi retrouve ses bouquinistes",
        paragraphs=[
            "Chaque vendredi matin, la rue al-Moutanabbi, au cœur du vieux Bagdad, se remplit de nouveau de lecteurs venus fouiller les piles de livres posées à même le trottoir.",
            "Rénovée après l’attentat de 2007 qui avait détruit une grande partie de ses librairies, la rue est redevenue le rendez-vous des étudiants, des poètes et des familles. Les bouquinistes vendent aussi bien des classiques de la littérature arabe que des traductions récentes de romans étrangers.",
            "« Les jeunes reviennent au papier », explique un libraire installé ici depuis trente ans. Il vend surtout des manuels universitaires d’occasion et des recueils de poésie, souvent à moins de deux mille dinars.",
            "Au café Shabandar, à l’angle de la rue, les habitués discutent politique autour d’un thé, sous les photographies anciennes accrochées aux murs. Le patron affirme que le café n’a jamais fermé un vendredi depuis sa réouverture.",
        ],
        topics=["culture"],
        authors=[AUTHOR],
        published=when("2019-12-27T08:30:00+00:00"),
        categories=["Culture"],
        tags=["livres", "Bagdad"],
        comments=[
            Comment(131, "Nadia B.", when("2019-12-27T10:12:00+00:00"), "Merci pour ce beau reportage, la rue me manque tellement."),
            Comment(132, "Karim", when("2019-12-27T14:40:00+00:00"), "Le café Shabandar reste le meilleur endroit de la ville pour lire le journal."),
        ],
        language="fr",
    ),
    Story(
        slug="kurdistan-budget-oil-talks",
        title="Erbil and Baghdad resume talks over oil and salaries",
        paragraphs=[
            "Negotiators from the Kurdistan Regional Government returned to Baghdad this week for a new round of talks on the region's share of the federal budget, a dispute that has delayed public sector salaries in the north for months at a time.",
            "Under last year's budget law the region was supposed to hand over 250,000 barrels of oil a day to the state marketing company in exchange for its share of federal spending. Baghdad says the oil never arrived; Erbil says it has been paying off debts to the companies that pump it.",
            "Both sides describe the talks as positive. Teachers in Sulaymaniyah who have not been paid since October are less optimistic and have announced a strike from next week.",
        ],
        topics=["politics", "economy"],
        authors=[AUTHOR],
        published=when("2019-12-22T12:10:00+00:00"),
        categories=["Iraq", "Politics", "Economy"],
        tags=["Kurdistan", "budget", "oil"],
    ),
]

# Article-looking pages under a robots.txt Disallow: linked from the home page, never to be fetched.
PRIVATE: list[Story] = [
    Story(
        slug="draft-interview-notes-ministry",
        title="Draft: interview notes from the oil ministry (do not publish)",
        paragraphs=[
            "Unedited notes from an interview with a ministry official, kept here for the author's reference. Not for publication until the quotes are confirmed.",
            "The official spoke about export volumes through Basra and about delays in paying the foreign operators of the southern fields.",
        ],
        topics=["economy"],
        authors=[AUTHOR],
        published=when("2020-01-15T10:00:00+00:00"),
        categories=["Economy"],
        role="private",
    ),
]
