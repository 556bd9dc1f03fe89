#!/usr/bin/env python3
"""Writes Sources/TagStage/Resources/taxonomy.json from the IPTC Media Topics vocabulary and the
project's labelled stories.

Topics: every live IPTC concept of levels 1 to 3 (17 top-level topics, their 121 subtopics and the 496
below them, among them the 112 named sports), the few level-4 concepts the project's earlier topics
stood for (international trade, artificial intelligence, shipping), and one topic of the project's
own (humanitarian aid, under conflict). The project's earlier short names (trade, sanctions, courts, …)
name the IPTC concepts that replace their news: codes, so `topic:trade` still works.

Keywords: each concept's IPTC name (split where it lists several things: "arts, culture, entertainment
and media"; a qualifier in parentheses dropped), simple plurals, and the aliases below. How much a
keyword counts is learned from the project's own labelled stories (data/topics): among the stories
containing it, the share labelled with the keyword's top-level topic. A keyword found in at least five
stories and at least 75 % specific (60 % for a phrase of several words; shares smoothed by one story
each way), or a phrase or level-3 name seen in fewer, is strong (weight 3: enough alone); a word
seen less or less specific is weak (weight 1, doubled in the headline: it needs company); one below
30 % is dropped, since it would mislead. A topic fires at weight 3.

Run it again after changing the stories or the aliases: `python3 scripts/generate-taxonomy.py`
(`--mediatopics PATH` if ../shared/data/iptc is elsewhere). The output is committed, so builds do not
need the vocabulary file.
"""
import argparse
import collections
import json
import pathlib
import re
import unicodedata

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Sources/TagStage/Resources/taxonomy.json"

# Short query names: the top level's (as before) and the project's earlier children's, now IPTC concepts.
NAMES = {
    "medtop:01000000": "arts", "medtop:02000000": "justice", "medtop:03000000": "disaster", "medtop:04000000": "economy",
    "medtop:05000000": "education", "medtop:06000000": "environment", "medtop:07000000": "health",
    "medtop:08000000": "human-interest", "medtop:09000000": "labour", "medtop:10000000": "lifestyle",
    "medtop:11000000": "politics", "medtop:12000000": "religion", "medtop:13000000": "science-technology",
    "medtop:14000000": "society", "medtop:15000000": "sport", "medtop:16000000": "conflict", "medtop:17000000": "weather",
    "medtop:20000771": "immigration", "medtop:20000373": "trade", "medtop:20000642": "sanctions",
    "medtop:20000639": "diplomacy", "medtop:20000056": "armed-conflict", "medtop:20000598": "defence",
    "medtop:20000107": "courts", "medtop:20001358": "public-health", "medtop:20001298": "ai",
    "medtop:20000620": "taxation", "medtop:20000256": "energy", "medtop:20000291": "shipping",
}
# Level-4 concepts kept (with their ancestors) because the project's earlier topics meant them.
EXTRA = ["medtop:20000373", "medtop:20001298", "medtop:20000291"]
# Labels people see for the top level (IPTC's names, capitalised).
LABELS = {"medtop:13000000": "Science and technology", "medtop:08000000": "Human interest"}

# Aliases: the words news uses for a concept that its IPTC name does not contain. Facts of usage, not
# prose; their weight is learned like every keyword's.
ALIASES = {
    "medtop:01000000": ["film", "films", "movie", "movies", "album", "novel", "novelist", "actor", "actress", "singer",
                        "band", "concert", "box office", "museum", "gallery", "exhibition", "theater", "box set", "netflix",
                        "oscars", "grammy", "painter", "sculpture", "opera", "orchestra", "poet", "poetry", "documentary"],
    "medtop:02000000": ["police", "prosecutor", "prosecutors", "arrested", "charged", "indictment", "indicted", "lawsuit",
                        "sued", "lawyer", "lawyers", "jury", "verdict", "sentenced", "jail", "prison", "convicted",
                        "magistrate", "detectives", "suspect", "murder", "manslaughter", "bail", "high court", "judge"],
    "medtop:03000000": ["earthquake", "flood", "floods", "flooding", "wildfire", "wildfires", "hurricane", "cyclone",
                        "typhoon", "tsunami", "landslide", "crash", "derailment", "collapse", "rescuers", "death toll",
                        "survivors", "evacuated", "blaze", "firefighters"],
    "medtop:04000000": ["inflation", "interest rate", "interest rates", "central bank", "gdp", "shares", "stock market",
                        "stocks", "investors", "profit", "profits", "revenue", "earnings", "ipo", "merger", "acquisition",
                        "recession", "startup", "bank", "banks", "tariff", "tariffs", "exports", "imports", "economists",
                        "mortgage", "mortgages", "retailer", "retailers", "bond yields", "quarterly results"],
    "medtop:05000000": ["pupils", "classroom", "classrooms", "exam", "exams", "university", "universities", "college",
                        "graduates", "tuition", "headteacher", "kindergarten", "scholarship", "campus", "lecturers"],
    "medtop:06000000": ["climate", "emissions", "carbon", "pollution", "wildlife", "biodiversity", "deforestation",
                        "recycling", "plastic waste", "net zero", "renewables", "solar farm", "wind farm", "coral reef"],
    "medtop:07000000": ["hospital", "hospitals", "patients", "doctors", "nurses", "vaccine", "vaccines", "vaccination",
                        "outbreak", "virus", "cancer", "diabetes", "obesity", "surgery", "nhs", "medicine", "medicines",
                        "symptoms", "diet", "sleep", "mental health", "fitness", "dementia", "stroke"],
    "medtop:08000000": ["celebrates", "heartwarming", "reunited", "centenarian", "viral", "oldest", "good samaritan"],
    "medtop:09000000": ["workers", "strike", "strikes", "union", "trade union", "wages", "minimum wage", "layoffs",
                        "redundancies", "jobless", "pension", "pensions", "employees", "staff shortage", "gig workers",
                        "walkout", "pay rise", "hiring"],
    "medtop:10000000": ["travel", "holiday", "holidays", "recipe", "recipes", "restaurant", "restaurants", "chef",
                        "cooking", "hotel", "hotels", "tourists", "vacation", "gardening", "wine", "beer", "cocktail",
                        "home decor", "weekend getaway", "road trip", "beach", "camping", "hiking"],
    "medtop:11000000": ["parliament", "senate", "congress", "lawmakers", "minister", "ministers", "prime minister",
                        "president", "cabinet", "opposition", "ballot", "voters", "polls", "campaign", "mp", "mps",
                        "legislation", "bill", "referendum", "coalition", "governor", "mayor", "white house",
                        "downing street", "party leader", "presidential", "parliamentary", "democrats", "republicans"],
    "medtop:12000000": ["church", "churches", "mosque", "mosques", "temple", "synagogue", "pope", "vatican", "bishop",
                        "priest", "imam", "rabbi", "faith", "prayer", "pilgrims", "pilgrimage", "ramadan", "eid",
                        "christmas", "easter", "diwali", "hindu", "muslim", "muslims", "christian", "christians",
                        "buddhist", "jewish", "clergy", "worship", "congregation", "sermon"],
    "medtop:13000000": ["scientists", "researchers", "study", "astronomers", "nasa", "space", "rocket", "satellite",
                        "telescope", "smartphone", "smartphones", "app", "apps", "software", "chip", "chips",
                        "semiconductor", "robot", "robots", "ai", "algorithm", "cybersecurity", "internet", "5g",
                        "quantum", "physicists", "genome", "dna", "fossil", "dinosaur", "iphone", "android", "google",
                        "microsoft", "apple", "meta", "tiktok", "chatgpt", "data breach"],
    "medtop:14000000": ["poverty", "homeless", "homelessness", "charity", "refugees", "migrants", "asylum", "racism",
                        "inequality", "parenting", "parents", "children", "divorce", "marriage", "lgbt", "lgbtq",
                        "gender", "disability", "elderly", "ageing", "foster", "adoption", "food bank", "food banks"],
    "medtop:15000000": ["football", "soccer", "premier league", "champions league", "world cup", "olympics",
                        "olympic", "paralympics", "grand slam", "wimbledon", "striker", "goalkeeper", "midfielder",
                        "defender", "batsman", "batter", "bowler", "wicket", "wickets", "innings", "quarterback",
                        "touchdown", "nba", "nfl", "mlb", "nhl", "ipl", "fifa", "uefa", "f1", "formula one", "grand prix",
                        "derby", "semi-final", "semi-finals", "quarter-final", "final whistle", "penalty shootout",
                        "hat-trick", "knockout", "medal", "medals", "coach", "manager sacked", "transfer window",
                        "fixture", "fixtures", "league title", "test match", "t20", "odi", "scrum", "try line",
                        "relegation", "promotion", "playoffs", "play-off", "marathon", "sprinter", "athletes"],
    "medtop:16000000": ["war", "troops", "military", "army", "ceasefire", "shelling", "airstrike", "airstrikes",
                        "missile", "missiles", "drone strike", "rebels", "militants", "insurgents", "soldiers",
                        "invasion", "nato", "hostages", "bombing", "frontline", "peace talks", "protesters",
                        "protest", "protests", "riot police", "tear gas"],
    "medtop:17000000": ["weather", "storm", "storms", "heatwave", "heat wave", "snow", "snowfall", "rain", "rainfall",
                        "forecast", "forecasters", "met office", "temperatures", "drought", "monsoon", "frost", "fog",
                        "thunderstorms", "gales", "yellow warning", "amber warning", "red warning", "humidity",
                        "degrees celsius", "blizzard", "hail"],
    "medtop:20000373": ["tariff", "tariffs", "trade", "trading partners", "exports", "imports", "duties", "trade deal", "trade war", "customs"],
    "medtop:20000771": ["immigrant", "immigrants", "deportation", "deportations", "visa", "visas", "border", "asylum"],
    "medtop:20000642": ["sanction", "sanctions", "embargo", "asset freeze"],
    "medtop:20000639": ["diplomat", "diplomats", "embassy", "ambassador", "summit", "foreign minister", "talks"],
    "medtop:20000598": ["defence", "defense", "pentagon", "armed forces", "military spending", "warship"],
    "medtop:20000107": ["court", "courts", "ruling", "judges", "appeal", "supreme court", "tribunal"],
    "medtop:20001298": ["artificial intelligence", "ai", "machine learning", "chatbot", "chatbots", "large language model"],
    "medtop:20000620": ["tax", "taxes", "income tax", "vat", "tax cut", "tax cuts"],
    "medtop:20000256": ["oil", "gas", "fuel", "petrol", "diesel", "electricity", "power station", "coal", "opec"],
    "medtop:20000291": ["shipping", "shipments", "container ship", "freight", "port", "ports", "cargo"],
}
# The project's own topic, where IPTC has none.
OWN = [{"code": "news:humanitarian", "name": "humanitarian", "label": "Humanitarian aid", "parent": "medtop:16000000",
        "keywords": ["humanitarian aid", "aid convoy", "relief supplies", "humanitarian", "aid agencies", "famine relief"]}]

STRONG, WEAK = 3, 1


def fold(text):
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def words(text):
    return re.findall(r"[^\W_]+(?:['’-][^\W_]+)*", fold(text))


def name_keywords(name):
    # A name with a qualifier ("casting (fishing)", "festive event (culture)") is ambiguous without it:
    # only a base of several words is kept.
    if "(" in name:
        base = re.sub(r"\s*\([^)]*\)", "", name).strip()
        return [base] if " " in base else []
    parts = [p.strip() for p in re.split(r",| and ", name) if p.strip()]
    out = []
    for part in parts:
        out.append(part)
        if " " not in part and not part.endswith(("s", "y")) and len(part) > 3:
            out.append(part + ("es" if part.endswith(("sh", "ch", "x")) else "s"))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mediatopics", default=str(ROOT.parent / "shared/data/iptc/mediatopics.json"))
    args = parser.parse_args()
    concepts = {c["code"]: c for c in json.load(open(args.mediatopics)) if not c.get("retired")}

    def top(code):
        while concepts[code]["parent"]:
            code = concepts[code]["parent"]
        return code

    chosen = [c for c in concepts.values() if c["level"] <= 3]
    for code in EXTRA:
        chosen.append(concepts[code])
    chosen.sort(key=lambda c: (c["level"], c["code"]))

    # The stories, as sets of folded word n-grams (up to 4) with their top-level labels.
    stories = []
    for path in sorted((ROOT / "data/topics").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            story = json.loads(line)
            tokens = words(story["headline"] + " " + story["body"])
            grams = {" ".join(tokens[i:i + n]) for n in range(1, 5) for i in range(len(tokens) - n + 1)}
            stories.append((grams, {label for label in story["labels"] if label.endswith("000000")}))
    containing = collections.defaultdict(list)
    for index, (grams, _) in enumerate(stories):
        for gram in grams:
            containing[gram].append(index)

    def weight(keyword, top_code, level):
        key = " ".join(words(keyword))
        hits = containing.get(key, [])
        if len(hits) >= 5:
            # Smoothed, so that five stories do not make a certainty.
            share = (sum(1 for i in hits if top_code in stories[i][1]) + 1) / (len(hits) + 2)
            if share < 0.3:
                return None
            if share >= 0.75:
                return STRONG
            return STRONG if " " in key and share >= 0.6 else WEAK
        return STRONG if " " in key or level >= 3 else WEAK

    names_used = set()
    topics = []
    dropped = []
    for concept in chosen:
        code = concept["code"]
        name = NAMES.get(code) or re.sub(r"[^a-z0-9]+", "-", fold(re.sub(r"\s*\([^)]*\)", "", concept["name"]))).strip("-")
        if name in names_used:
            name = name + "-" + code.split(":")[1]
        names_used.add(name)
        candidates = name_keywords(concept["name"]) + ALIASES.get(code, [])
        strong, weak = [], []
        for keyword in dict.fromkeys(k.lower() for k in candidates):
            w = weight(keyword, top(code), concept["level"])
            if w is None:
                dropped.append(f"{code} {keyword}")
            elif w == STRONG:
                strong.append(keyword)
            else:
                weak.append(keyword)
        label = LABELS.get(code) or concept["name"][0].upper() + concept["name"][1:]
        topic = {"code": code, "name": name, "label": label}
        if concept["parent"]:
            topic["parent"] = concept["parent"]
        topic["keywords"] = weak
        topic["strong"] = strong
        if concept.get("wikidata"):
            topic["wikidata"] = concept["wikidata"].rsplit("/", 1)[-1]
        topics.append(topic)
    for own in OWN:
        topics.append({**own, "keywords": [], "strong": own["keywords"]})

    taxonomy = {
        "version": "iptc-2023-10-24+news-2026.12",
        "about": ("IPTC Media Topics (levels 1-3 and a few level-4 concepts; IPTC Media Topics © IPTC, https://iptc.org/, "
                  "used under the IPTC NewsCodes terms) with keywords from the concepts' names and the project's aliases, "
                  "weighted by how specific each is in the project's labelled stories (scripts/generate-taxonomy.py). "
                  "Keywords are folded (case and accents ignored). Each distinct keyword found counts once: a 'strong' one 3, "
                  "one of 'keywords' 1, doubled when it is in the headline; a topic needs minWeight (default 3), so one "
                  "generic word never makes a topic. A topic found implies its parents."),
        "topics": topics,
    }
    OUT.write_text(json.dumps(taxonomy, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(topics)} topics, {sum(len(t['strong']) for t in topics)} strong and "
          f"{sum(len(t['keywords']) for t in topics)} weak keywords; {len(dropped)} dropped as unspecific")
    for line in dropped:
        print("  dropped", line)


if __name__ == "__main__":
    main()
