"""Word lists for the demo programme (trellis/core/demo.py): names, crafts, sites, texts.

Plain data, no logic. The texts are demo *data* written in the community's language, not
interface strings, so they are not translated.
"""

from __future__ import annotations

from typing import NamedTuple

BUSINESS_UNITS = (
    "Energy Management",
    "Industrial Automation",
    "Digital",
    "Finance",
    "HR",
    "Supply Chain",
    "Field Services",
    "R&D",
    "Sales",
    "Legal & Compliance",
)

FIRST_NAMES_FR = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Julie", "Élodie", "Mathilde", "Claire",
    "Sophie", "Nathalie", "Isabelle", "Céline", "Aurélie", "Émilie", "Lucie", "Pauline",
    "Juliette", "Margaux", "Hélène", "Anne", "Marie", "Charlotte", "Agathe", "Louise", "Zoé",
    "Clémence", "Océane", "Amandine", "Sandrine", "Valérie", "Maëlle", "Noémie", "Laure",
    "Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Jules", "Thomas", "Nicolas", "Julien",
    "Antoine", "Maxime", "Alexandre", "Mathieu", "Pierre", "Philippe", "François", "Olivier",
    "Laurent", "Stéphane", "Sébastien", "Guillaume", "Romain", "Baptiste", "Théo", "Clément",
    "Vincent", "Benoît", "Jérôme", "Éric", "Yannick", "Cédric", "Damien", "Florian", "Quentin",
    "Bastien", "Loïc", "Thierry", "Patrick", "Christophe", "Frédéric", "Hervé", "Gaëtan",
)

LAST_NAMES_FR = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "David", "Bertrand", "Roux", "Vincent",
    "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet",
    "François", "Legrand", "Garnier", "Faure", "Rousseau", "Blanc", "Guérin", "Muller", "Henry",
    "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu", "Clément", "Gauthier", "Dumont",
    "Fontaine", "Chevalier", "Robin", "Masson", "Gérard", "Boyer", "Denis", "Lemaire", "Duval",
    "Joly", "Gautier", "Roger", "Roche", "Roy", "Noël", "Meyer", "Meunier", "Marchand", "Dufour",
    "Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin", "Renard",
    "Arnaud", "Rolland", "Caron", "Aubert", "Giraud", "Leclerc", "Vidal", "Bourgeois", "Renaud",
    "Lemoine", "Picard", "Gaillard", "Lacroix", "Fabre", "Dupuis", "Olivier", "Hubert",
    "Rivière", "Le Gall", "Guillaume", "Moulin", "Berger", "Lecomte", "Ménard", "Fleury",
    "Deschamps", "Carpentier", "Maillard", "Aubry", "Vasseur", "Le Roux", "Renault", "Jacquet",
    "Prévost", "Poirier", "Charpentier", "Huet", "Baron", "Dupuy", "Carré", "Breton", "Rémy",
    "Perrot", "Guyot", "Marty", "Cousin", "Lebrun", "Gilbert", "Besson", "Chauvin", "Bouvier",
)

FIRST_NAMES_EN = (
    "Emma", "Olivia", "Amelia", "Isla", "Ava", "Mia", "Grace", "Emily", "Ella", "Lily",
    "Hannah", "Jessica", "Rebecca", "Laura", "Rachel", "Katherine", "Sarah", "Lauren", "Megan",
    "Abigail", "Madison", "Natalie", "Victoria", "Alice", "Eleanor", "Harriet", "Ruby", "Evie",
    "Freya", "Holly", "Amy", "Jennifer", "Michelle", "Karen", "Oliver", "George", "Harry",
    "Jack", "Jacob", "Noah", "Charlie", "William", "James", "Daniel", "Matthew", "Joseph",
    "Samuel", "Benjamin", "Ethan", "Michael", "David", "Andrew", "Christopher", "Ryan", "Nathan",
    "Adam", "Luke", "Henry", "Edward", "Robert", "Richard", "Peter", "Mark", "Paul", "Stephen",
    "Anthony", "Kevin", "Brian", "Jason", "Scott", "Tyler", "Connor", "Aaron", "Dylan", "Owen",
)

LAST_NAMES_EN = (
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Johnson",
    "Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green",
    "Hall", "Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Cooper", "Hill",
    "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen",
    "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young",
    "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell",
    "Shaw", "Murphy", "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson",
    "Ellis", "Adams", "Singh", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers",
    "Gray", "Mason", "Hunt", "Campbell", "Matthews", "Owen", "Palmer", "Holmes", "Mills",
    "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens", "Jenkins",
    "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Fletcher", "Walsh", "Gibson", "Howard",
    "Andrews", "Stewart", "Elliott", "Reynolds", "Saunders", "Payne", "Fox", "Ford", "Pearce",
    "Brooks", "West", "Lawrence", "Cole", "Atkinson", "Bradley", "Spencer", "Dawson", "O'Brien",
    "Rose", "Booth", "Perry", "Ryan", "Grant", "Wells", "Armstrong", "Francis", "Hayes", "Hart",
)


class Site(NamedTuple):
    country: str
    site: str
    weight: int  # relative headcount
    french_share: float  # share of French names among the people there


SITES = (
    Site("France", "Rueil-Malmaison", 14, 0.92),
    Site("France", "Grenoble", 12, 0.92),
    Site("France", "Lyon", 6, 0.92),
    Site("France", "Le Vaudreuil", 4, 0.92),
    Site("France", "Paris", 5, 0.90),
    Site("Canada", "Montréal", 4, 0.60),
    Site("United States", "Boston", 8, 0.10),
    Site("United States", "Nashville", 6, 0.08),
    Site("United States", "Andover", 5, 0.08),
    Site("United Kingdom", "London", 6, 0.12),
    Site("United Kingdom", "Telford", 4, 0.08),
    Site("Ireland", "Dublin", 2, 0.10),
    Site("India", "Bangalore", 6, 0.15),
    Site("Singapore", "Singapore", 3, 0.20),
    Site("Spain", "Barcelona", 3, 0.35),
    Site("Germany", "Ratingen", 3, 0.25),
    Site("Mexico", "Monterrey", 2, 0.20),
    Site("China", "Shanghai", 3, 0.15),
)

JOB_TITLES = {
    "Energy Management": ("Power systems engineer", "Application engineer", "Energy consultant",
                          "Offer manager", "Solution architect"),
    "Industrial Automation": ("Automation engineer", "PLC programmer", "Controls engineer",
                              "Commissioning engineer", "Product specialist"),
    "Digital": ("Software engineer", "Data scientist", "Cloud architect", "Security analyst",
                "UX designer", "Product owner", "Site reliability engineer"),
    "Finance": ("Financial controller", "Accountant", "Treasury analyst", "Cost controller",
                "Business analyst"),
    "HR": ("HR business partner", "Talent acquisition specialist", "Learning designer",
           "Payroll specialist", "Compensation analyst"),
    "Supply Chain": ("Buyer", "Supplier quality engineer", "Lean manager", "Planner",
                     "Logistics coordinator", "Welder", "Production supervisor"),
    "Field Services": ("Field service engineer", "Service technician", "Service manager",
                       "Maintenance engineer", "Remote support engineer"),
    "R&D": ("R&D engineer", "Test engineer", "Embedded software engineer", "Project manager",
            "Technical writer", "Hardware designer"),
    "Sales": ("Key account manager", "Sales engineer", "Pricing analyst", "Inside sales",
              "Customer success manager"),
    "Legal & Compliance": ("Legal counsel", "Compliance officer", "Contract manager",
                           "Data protection officer", "Trade compliance analyst"),
}


class Craft(NamedTuple):
    name: str
    language: str  # "en" or "fr": the language of its name and texts
    business_unit: str
    tags: tuple[str, ...]
    purpose: str


CRAFTS = (
    Craft("Welding", "en", "Supply Chain", ("welding", "manufacturing", "quality"),
          "Share welding techniques, qualifications and defect prevention across plants."),
    Craft("Cloud security", "en", "Digital", ("cloud", "security", "devops"),
          "Keep our cloud workloads secure by design, from identity to monitoring."),
    Craft("Key account management", "en", "Sales", ("sales", "customers", "negotiation"),
          "Grow our strategic accounts with shared account plans and negotiation practice."),
    Craft("Lean manufacturing", "en", "Supply Chain",
          ("lean", "manufacturing", "continuous improvement"),
          "Remove waste on the shop floor with kaizen, 5S and value-stream mapping."),
    Craft("Cybersecurity", "en", "Digital", ("security", "risk", "iec 62443"),
          "Protect our products and plants against cyber attacks."),
    Craft("Data science", "en", "Digital", ("data", "machine learning", "python"),
          "Turn data into decisions: methods, tools and reviewed notebooks."),
    Craft("Project management", "en", "R&D", ("projects", "planning", "agile"),
          "Deliver projects on time and budget with shared methods and templates."),
    Craft("Power systems engineering", "en", "Energy Management", ("power", "electrical", "grid"),
          "Design reliable electrical distribution, from studies to commissioning."),
    Craft("PLC programming", "en", "Industrial Automation", ("automation", "plc", "controls"),
          "Write clean, tested and reusable PLC code."),
    Craft("Predictive maintenance", "en", "Field Services", ("maintenance", "iot", "reliability"),
          "Predict failures before they happen with condition monitoring and analytics."),
    Craft("Energy efficiency", "en", "Energy Management", ("energy", "sustainability"),
          "Help sites and customers use less energy, measured and verified."),
    Craft("Electrical safety", "en", "Field Services", ("safety", "electrical"),
          "Nobody gets hurt by electricity: rules, training and incident learning."),
    Craft("Supplier quality", "en", "Supply Chain", ("quality", "suppliers", "purchasing"),
          "Raise the quality of what we buy with audits, PPAP and supplier development."),
    Craft("Procurement excellence", "en", "Supply Chain", ("purchasing", "negotiation"),
          "Buy better: category strategies, negotiation and supplier relationships."),
    Craft("Financial controlling", "en", "Finance", ("finance", "controlling", "reporting"),
          "Share controlling practices, closing calendars and management reporting."),
    Craft("Treasury and cash management", "en", "Finance", ("finance", "treasury"),
          "Manage cash, currencies and payments safely across countries."),
    Craft("Talent acquisition", "en", "HR", ("recruiting", "hr"),
          "Hire the right people faster with shared sourcing and interview practices."),
    Craft("Learning and development", "en", "HR", ("learning", "training"),
          "Design learning that changes how people work."),
    Craft("UX design", "en", "Digital", ("design", "ux", "accessibility"),
          "Make our software simple, accessible and pleasant to use."),
    Craft("Agile coaching", "en", "Digital", ("agile", "scrum", "coaching"),
          "Help teams deliver value in short cycles and keep improving."),
    Craft("DevOps and site reliability", "en", "Digital", ("devops", "cloud", "reliability"),
          "Ship often and keep services up: pipelines, observability and incident reviews."),
    Craft("Embedded software", "en", "R&D", ("software", "embedded", "firmware"),
          "Build robust firmware for our devices, from drivers to secure updates."),
    Craft("Power electronics", "en", "R&D", ("electronics", "power", "design"),
          "Design efficient converters, drives and power supplies."),
    Craft("Battery and energy storage", "en", "Energy Management",
          ("batteries", "storage", "sustainability"),
          "Master storage technologies and their safe integration."),
    Craft("Microgrids", "en", "Energy Management", ("grid", "renewables"),
          "Design and operate microgrids that combine renewables, storage and loads."),
    Craft("Solar and renewables", "en", "Energy Management",
          ("renewables", "solar", "sustainability"),
          "Integrate solar and other renewables into our offers and sites."),
    Craft("Customer experience", "en", "Sales", ("customers", "service"),
          "Make every contact with us easy and useful for customers."),
    Craft("Pricing", "en", "Sales", ("pricing", "sales", "finance"),
          "Set and defend the right price with data and value selling."),
    Craft("Technical writing", "en", "R&D", ("documentation", "writing"),
          "Write documentation that people find, understand and trust."),
    Craft("Test and validation", "en", "R&D", ("testing", "quality"),
          "Find defects early with good test strategies and automated benches."),
    Craft("Functional safety", "en", "Industrial Automation", ("safety", "standards", "iec 61508"),
          "Design safety functions that meet IEC 61508 and ISO 13849."),
    Craft("Motion control and drives", "en", "Industrial Automation",
          ("drives", "motion", "controls"),
          "Size, tune and troubleshoot drives and servo systems."),
    Craft("Robotics", "en", "Industrial Automation", ("robotics", "automation"),
          "Bring robots and cobots safely into plants and offers."),
    Craft("Field service excellence", "en", "Field Services",
          ("service", "customers", "maintenance"),
          "Fix it right the first time at the customer's site."),
    Craft("Remote monitoring services", "en", "Field Services", ("iot", "service", "data"),
          "Watch installed equipment remotely and act before customers call."),
    Craft("Logistics and transport", "en", "Supply Chain", ("logistics", "transport"),
          "Move goods cheaper, faster and with less carbon."),
    Craft("Demand planning", "en", "Supply Chain", ("planning", "forecasting", "data"),
          "Forecast demand better and share planning practices."),
    Craft("Sustainability reporting", "en", "Finance", ("sustainability", "reporting", "esg"),
          "Report our environmental and social performance reliably."),
    Craft("Export control", "en", "Legal & Compliance", ("compliance", "trade"),
          "Ship to every country within the rules of export control."),
    Craft("Data privacy", "en", "Legal & Compliance", ("privacy", "gdpr", "data"),
          "Protect personal data in our products and processes."),
    Craft("Contract management", "en", "Legal & Compliance", ("contracts", "legal"),
          "Negotiate and manage contracts that protect us and serve customers."),
    Craft("Diversity and inclusion", "en", "HR", ("diversity", "inclusion", "hr"),
          "Make every colleague feel they belong and can grow."),
    Craft("Health and safety at work", "en", "HR", ("safety", "wellbeing"),
          "Zero harm: share prevention practices between sites."),
    Craft("Digital twins", "en", "R&D", ("simulation", "iot", "data"),
          "Model plants and products to test before we build."),
    Craft("Artificial intelligence", "en", "Digital", ("ai", "machine learning", "data"),
          "Use AI responsibly in our products and our work."),
    Craft("Software architecture", "en", "Digital", ("software", "architecture"),
          "Design systems that last: patterns, reviews and decision records."),
    Craft("Quality management systems", "en", "Supply Chain", ("quality", "iso 9001"),
          "Run quality systems that help rather than burden."),
    Craft("Six Sigma", "en", "Supply Chain", ("six sigma", "quality", "continuous improvement"),
          "Solve problems with data: DMAIC projects and belt coaching."),
    Craft("Building automation", "en", "Energy Management", ("buildings", "automation", "energy"),
          "Make buildings comfortable, efficient and easy to run."),
    Craft("Data centre infrastructure", "en", "Energy Management",
          ("data centres", "cooling", "power"),
          "Power and cool data centres reliably and efficiently."),
    Craft("Product management", "en", "R&D", ("product", "customers", "strategy"),
          "Build the right products: discovery, road maps and launches."),
    Craft("Cost engineering", "en", "Finance", ("cost", "design", "finance"),
          "Design to cost and find savings without losing value."),
    Craft("Additive manufacturing", "en", "R&D", ("3d printing", "manufacturing"),
          "Print parts, tools and prototypes that work."),
    Craft("Mentoring", "en", "HR", ("mentoring", "careers"),
          "Grow careers through mentoring across countries and businesses."),
    Craft("Maintenance industrielle", "fr", "Field Services", ("maintenance", "fiabilité"),
          "Partager les bonnes pratiques de maintenance entre nos usines."),
    Craft("Achats responsables", "fr", "Supply Chain", ("achats", "développement durable"),
          "Acheter mieux : critères sociaux et environnementaux dans nos achats."),
    Craft("Conduite du changement", "fr", "HR", ("changement", "transformation"),
          "Accompagner les équipes dans les transformations de l'entreprise."),
    Craft("Ergonomie des postes de travail", "fr", "HR", ("ergonomie", "sécurité"),
          "Concevoir des postes de travail sûrs et confortables."),
    Craft("Contrôle de gestion industriel", "fr", "Finance", ("finance", "contrôle de gestion"),
          "Piloter la performance économique des sites industriels."),
    Craft("Efficacité énergétique des bâtiments", "fr", "Energy Management",
          ("énergie", "bâtiments"),
          "Réduire la consommation d'énergie des bâtiments tertiaires."),
    Craft("Métrologie", "fr", "R&D", ("mesure", "qualité"),
          "Garantir des mesures justes, de l'étalonnage à l'incertitude."),
    Craft("Compatibilité électromagnétique", "fr", "R&D", ("cem", "électronique", "normes"),
          "Concevoir des produits conformes aux normes CEM du premier coup."),
    Craft("Excellence opérationnelle", "fr", "Supply Chain", ("lean", "amélioration continue"),
          "Améliorer en continu nos usines et nos services."),
    Craft("Relation client", "fr", "Sales", ("clients", "service"),
          "Offrir à chaque client une relation simple et utile."),
    Craft("Paie et administration du personnel", "fr", "HR", ("paie", "rh"),
          "Partager les pratiques de paie et d'administration entre pays."),
    Craft("Innovation frugale", "fr", "R&D", ("innovation", "design"),
          "Innover avec peu de moyens, au plus près des usages."),
)

# Used to keep names unique at large scales: "Welding — Europe".
REGIONS = (
    "Europe", "North America", "France", "India", "China", "Latin America", "Asia Pacific",
    "Middle East & Africa", "Nordics", "Iberia", "UK & Ireland", "Germany",
)
QUALIFIERS_EN = (
    "Practitioners", "Experts", "Newcomers", "Leaders", "Network", "Lab", "Academy", "Guild",
    "Circle", "Forum",
)
QUALIFIERS_FR = (
    "Praticiens", "Experts", "Débutants", "Responsables", "Réseau", "Labo", "Académie", "Guilde",
    "Cercle", "Forum",
)
GENERIC_TAGS = ("innovation", "customers", "sustainability", "safety", "quality", "digital")

DESCRIPTIONS = {
    "en": (
        "We meet every month in a one-hour webinar, keep a library of good practices and "
        "answer questions on our channel.",
        "Newcomers are welcome: introduce yourself on the channel and join the next webinar.",
        "Our working groups review standards and write guides that the whole company uses.",
        "Once a year we meet in person to share what worked, what did not, and what's next.",
    ),
    "fr": (
        "Nous nous retrouvons chaque mois lors d'un webinaire d'une heure, tenons une "
        "bibliothèque de bonnes pratiques et répondons aux questions sur notre canal.",
        "Les nouveaux sont les bienvenus : présentez-vous sur le canal et venez au prochain "
        "webinaire.",
        "Nos groupes de travail suivent les normes et rédigent des guides utilisés par toute "
        "l'entreprise.",
        "Une fois par an, nous nous réunissons pour partager ce qui a marché et ce qui vient.",
    ),
}

class CharterText(NamedTuple):
    scope: str
    audience: str
    participation_rules: str
    activities: tuple[str, ...]  # one per version, so that versions differ
    roles: str


CHARTER = {
    "en": CharterText(
        scope="Methods, tools, standards, lessons learned and career paths of our craft. "
        "Out of scope: customer-specific information and product road maps.",
        audience="Practitioners in every business unit and country, and anyone who wants "
        "to learn.",
        participation_rules="Be respectful, share what you can, never post confidential "
        "customer data. Questions get an answer within two working days.",
        activities=(
            "A monthly webinar, a quarterly newsletter and an annual meet-up.",
            "A webinar every two months, a monthly newsletter and an annual meet-up.",
            "Monthly webinars, working groups on standards and an annual meet-up with awards.",
        ),
        roles="Leader: animates the community and reports to the sponsor. Core team: "
        "prepares webinars and answers questions. Sponsor: approves the charter and removes "
        "obstacles.",
    ),
    "fr": CharterText(
        scope="Méthodes, outils, normes, retours d'expérience et parcours professionnels "
        "de notre métier. Hors périmètre : informations propres à un client et feuilles de "
        "route produits.",
        audience="Les praticiens de toutes les divisions et de tous les pays, et toute "
        "personne qui veut apprendre.",
        participation_rules="Respect, partage, et jamais de données confidentielles de "
        "clients. Chaque question reçoit une réponse sous deux jours ouvrés.",
        activities=(
            "Un webinaire mensuel, une lettre trimestrielle et une rencontre annuelle.",
            "Un webinaire tous les deux mois, une lettre mensuelle et une rencontre annuelle.",
            "Des webinaires mensuels, des groupes de travail sur les normes et une rencontre "
            "annuelle avec remise de prix.",
        ),
        roles="Animateur : fait vivre la communauté et rend compte au sponsor. Équipe "
        "cœur : prépare les webinaires et répond aux questions. Sponsor : approuve la charte "
        "et lève les obstacles.",
    ),
}


class ObjectiveTemplate(NamedTuple):
    title: str  # may hold {n}
    indicator: str
    low: int  # range of n; 0, 0 for a yes/no objective
    high: int


OBJECTIVES = {
    "en": (
        ObjectiveTemplate("Hold {n} webinars", "webinars held", 4, 12),
        ObjectiveTemplate("Publish {n} success stories", "stories published", 2, 6),
        ObjectiveTemplate("Welcome {n} new members", "new members", 20, 120),
        ObjectiveTemplate(
            "Reach {n}% active contributors",
            "active contributors / members", 10, 30,
        ),
        ObjectiveTemplate(
            "Update the charter with this year's objectives",
            "charter approved", 0, 0,
        ),
        ObjectiveTemplate("Run {n} working sessions on standards", "sessions held", 2, 6),
        ObjectiveTemplate("Onboard {n} new core-team members", "new core-team members", 1, 4),
    ),
    "fr": (
        ObjectiveTemplate("Organiser {n} webinaires", "webinaires organisés", 4, 12),
        ObjectiveTemplate("Publier {n} témoignages de réussite", "témoignages publiés", 2, 6),
        ObjectiveTemplate("Accueillir {n} nouveaux membres", "nouveaux membres", 20, 120),
        ObjectiveTemplate(
            "Atteindre {n}\u202f% de contributeurs actifs",
            "contributeurs actifs / membres", 10, 30,
        ),
        ObjectiveTemplate(
            "Mettre à jour la charte avec les objectifs de l'année",
            "charte approuvée", 0, 0,
        ),
        ObjectiveTemplate("Animer {n} ateliers sur les normes", "ateliers animés", 2, 6),
        ObjectiveTemplate(
            "Intégrer {n} personnes à l'équipe cœur",
            "nouveaux membres de l'équipe cœur", 1, 4,
        ),
    ),
}
YES = {"en": "yes", "fr": "oui"}
NO = {"en": "no", "fr": "non"}

STAGE_NOTES = {
    "incubating": (
        "Proposal accepted by the programme office.",
        "Sponsor found; incubation starts.",
    ),
    "active": ("Launch webinar held.", "Stage gate passed: charter approved, core team in place."),
    "dormant": ("No activity for six months.", "Leader moved to another role."),
    "closed": ("Merged into a larger community.", "Purpose achieved; closed by the sponsor."),
}
