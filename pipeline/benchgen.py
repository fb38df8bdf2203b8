"""A deterministic generator of news-like articles for benchmarks (``make bench``).

Every sentence is composed here from our own templates and vocabulary; nothing is copied from
real articles. The mix imitates wire copy, newspaper reports and editorials on the US–China
trade and technology dispute: a dateline, a lead, direct quotes with attributions before and
after them, reported speech (*said that*, *accused … of*, *according to*), appositives
(*a professor at … in Shanghai*), pronoun follow-ups (*he added*), and — the bulk of most
articles — background narration with no speaker at all (figures, history, markets).
The share of sentences that carry a quotation mark or a reporting cue (about 40 %) matters
for the sentence pre-filter (``pipeline/prefilter.py``), so it is a parameter.

The output is a list of records with the input fields of SPEC.md (``id``, ``text``,
``title``, ``date``, ``outlet``, ``country``). The same ``seed`` and sizes give the same
corpus, byte for byte.

>>> docs = list(generate(n_words=2_000, seed=1))
>>> docs == list(generate(n_words=2_000, seed=1))
True
>>> sum(len(d["text"].split()) for d in docs) >= 2_000
True
>>> sorted(docs[0])
['country', 'date', 'id', 'outlet', 'text', 'title']
"""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Iterator

# --- vocabulary (invented people; registry actors so the linker has work to do) -------------
US_OFFICIALS = [
    ("Donald Trump", "President", "Trump"), ("Joe Biden", "President", "Biden"),
    ("Marco Rubio", "Secretary of State", "Rubio"), ("Scott Bessent", "Treasury Secretary",
                                                      "Bessent"),
    ("Howard Lutnick", "Commerce Secretary", "Lutnick"), ("Gina Raimondo", "Commerce Secretary",
                                                          "Raimondo"),
    ("Katherine Tai", "Trade Representative", "Tai"), ("Janet Yellen", "Treasury Secretary",
                                                       "Yellen"),
    ("Robert Lighthizer", "Trade Representative", "Lighthizer"),
    ("Peter Navarro", "trade adviser", "Navarro"),
]
CN_OFFICIALS = [
    ("Wang Yi", "Foreign Minister", "Wang"), ("Wang Wentao", "Commerce Minister", "Wang"),
    ("He Lifeng", "Vice Premier", "He"), ("Li Qiang", "Premier", "Li"),
    ("Li Chenggang", "trade negotiator", "Li"), ("Xi Jinping", "President", "Xi"),
]
FIRST = ["Daniel", "Maria", "Aaron", "Laura", "Gregory", "Nadia", "Owen", "Priya", "Colin",
         "Helen", "Marcus", "Irene", "Samuel", "Tessa", "Victor", "Ruth", "Elliot", "Dana"]
LAST = ["Whitcombe", "Okafor", "Brandt", "Delacroix", "Mercer", "Haldane", "Vasquez", "Ruiz",
        "Lindqvist", "Pemberton", "Achebe", "Castellano", "Novak", "Ferris", "Greaves", "Thorne"]
CN_FIRST = ["Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Ma",
            "Gao", "Lin", "Guo", "Tang", "Feng"]
CN_GIVEN = ["Wei", "Jing", "Hao", "Min", "Lei", "Yan", "Jun", "Xiaoming", "Ruoxi", "Tao",
            "Mingyu", "Lan", "Zhiwei", "Yifan", "Qiang", "Hui"]
US_INSTITUTIONS = [("the Brookings Institution", "Washington"),
                   ("the Center for Strategic and International Studies", "Washington"),
                   ("Georgetown University", "Washington"), ("Harvard University", "Cambridge"),
                   ("Stanford University", "Stanford"), ("the Peterson Institute", "Washington"),
                   ("the University of Michigan", "Michigan"), ("Columbia University",
                                                                "New York")]
CN_INSTITUTIONS = [("Renmin University", "Beijing"), ("Fudan University", "Shanghai"),
                   ("Peking University", "Beijing"), ("Tsinghua University", "Beijing"),
                   ("Nanjing University", "Nanjing"), ("the Chinese Academy of Social Sciences",
                                                       "Beijing"),
                   ("Sun Yat-sen University", "Guangzhou"), ("Wuhan University", "Wuhan")]
EXPERT_TITLES = ["a professor of international relations", "an economist",
                 "a senior fellow", "a trade lawyer", "a researcher", "a director of Asia studies",
                 "an associate professor of economics", "a visiting scholar"]
US_BODIES = ["the Commerce Department", "the White House", "the State Department",
             "the Office of the US Trade Representative", "the Treasury", "Washington",
             "the Trump administration", "the Biden administration", "Congress"]
CN_BODIES = ["the Chinese commerce ministry", "China's foreign ministry", "Beijing",
             "the Chinese government", "the Ministry of Commerce", "China's customs agency",
             "the State Council", "Chinese state media"]
COMPANIES_US = ["Nvidia", "Micron", "Qualcomm", "Intel", "Boeing", "Apple", "Tesla",
                "Applied Materials"]
COMPANIES_CN = ["Huawei", "ZTE", "SMIC", "ByteDance"]
COLLECTIVES_US = ["American farmers", "US lawmakers", "Republican senators", "American chipmakers",
                  "US business groups", "analysts in Washington"]
COLLECTIVES_CN = ["Chinese commentators", "Chinese analysts", "Chinese exporters",
                  "officials in Beijing", "Chinese state media"]
OUTLETS = [("Pacific Wire Service", "US", "wire"), ("Harbor Times", "US", "newspaper"),
           ("Global Times", "CN", "state_media"), ("Xinhua", "CN", "state_media"),
           ("China Daily", "CN", "state_media"), ("Midland Ledger", "US", "newspaper"),
           ("Continental Review", "OTHER", "newspaper"), ("Meridian Post", "US", "newspaper")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

MEASURES = {
    "trade": ["tariffs on Chinese goods", "new duties on steel", "the tariff increase",
              "levies on farm goods", "the suspension of soybean purchases",
              "anti-dumping duties on solar panels", "the collapse of the trade talks",
              "higher port fees", "the extra duties on electric vehicles",
              "quotas on agricultural imports", "the phase one trade deal"],
    "technology": ["export controls on advanced chips", "the entity list additions",
                   "restrictions on chipmaking equipment", "the ban on Huawei equipment",
                   "curbs on rare earth exports", "limits on AI chip sales",
                   "the TikTok divestment order", "controls on gallium and germanium",
                   "the lithography restrictions", "sanctions on SMIC"],
}
HARMS = ["hurt farmers in Iowa", "disrupted global supply chains", "poisoned the atmosphere of "
         "the talks", "raised prices for consumers", "undermined trust between the two sides",
         "damaged the world trading system", "pushed the two economies toward decoupling",
         "threatened thousands of manufacturing jobs", "made a negotiated settlement harder",
         "violated the spirit of the agreement", "escalated the dispute",
         "put the truce at risk"]
LABELS = ["economic bullying", "trade protectionism", "a politically motivated attack",
          "unilateral coercion", "a blatant violation of market rules", "a reckless escalation",
          "an abuse of national security", "unfair trade practices", "hegemonic behaviour",
          "a betrayal of the deal"]
FORECASTS = ["the talks would resume next month", "exports would slow in the second half",
             "both sides were likely to extend the truce", "prices could rise further this year",
             "the measures would take effect in thirty days",
             "a new round of negotiations was planned for the autumn",
             "demand for soybeans would recover slowly", "the chip shortage would ease by spring"]
SAY_VERBS = ["said", "said", "said", "told reporters", "argued", "warned", "noted", "added",
             "insisted", "stressed", "wrote", "claimed", "maintained"]
REPORT_VERBS = ["said", "said", "argued", "warned", "insisted", "noted", "believes", "claimed",
                "stressed", "suggested", "acknowledged"]
ACCUSE_FRAMES = ["accused {t} of {g}", "blamed {t} for {h}", "criticized {t} for {g}",
                 "faulted {t} for {g}", "condemned {t}'s {m}", "charged that {t} had {h}"]
GRIEVANCES = ["breaking its promises", "weaponizing trade", "stealing technology",
              "dumping cheap steel", "politicizing commerce", "backtracking on the deal",
              "abusing export controls", "subsidizing its champions", "bullying smaller partners",
              "escalating the conflict"]

BACKGROUND = [
    "Trade between the two countries reached {n} billion dollars last year, down {p} percent "
    "from the year before.",
    "The {m} took effect on {day} after months of negotiation.",
    "Shares of {co} fell {p} percent in early trading in {city}.",
    "The dispute began in 2018, when the first round of tariffs was imposed on {n} billion "
    "dollars of goods.",
    "Exports of soybeans to China dropped to {n} million tons in the {quarter} quarter.",
    "{co} reported revenue of {n} billion dollars for the quarter, slightly above forecasts.",
    "The yuan weakened to {r} per dollar, its lowest level since {year}.",
    "The list covers {n} companies, including several suppliers of {co}.",
    "Port operators in {city} handled {p} percent fewer containers in {month}.",
    "Negotiators met for {n} hours over two days in {place}, according to a schedule released "
    "beforehand.",
    "The measure applies to chips with processing power above a threshold set in {year}.",
    "Both governments have imposed several rounds of duties since {year}.",
    "Factory activity in {city} contracted for the {ordinal} month in a row in {month}.",
    "The {m} covers goods worth about {n} billion dollars a year.",
    "Markets in {city} closed {p} percent lower on {day}.",
    "The meeting in {place} was the {ordinal} since the truce was agreed in {year}.",
    "Freight rates on the route from {city} to Los Angeles rose {p} percent in {month}.",
    "Rare earth magnets are used in electric motors, wind turbines and guided missiles.",
    "The commission is expected to publish its final ruling in {month}.",
    "Imports of {co} equipment accounted for {p} percent of the total.",
]
EDITORIAL = [
    "{T} has once again chosen confrontation over cooperation.",
    "It is {T} that bears responsibility for the {m}.",
    "The {m} is nothing but {label}.",
    "Such {label} will only hurt ordinary workers on both sides.",
    "With the {m}, {T} has {h}, and the world can see it.",
    "No amount of spin can hide the fact that {T} {h}.",
    "The lesson of the past years is that pressure does not work.",
    "Cooler heads should prevail before the damage becomes permanent.",
]


class _Article:
    """One article: a dateline, a lead, then paragraphs mixing narration and statements."""

    def __init__(self, rng: random.Random, quote_share: float, editorial: bool):
        self.rng = rng
        self.quote_share = quote_share
        self.editorial = editorial
        self.speakers: list[tuple[str, str, str, str]] = []  # full, short, intro, pronoun

    def pick(self, seq):  # noqa: ANN001 - any sequence
        return self.rng.choice(seq)

    def fill(self, template: str) -> str:
        r = self.rng
        side = r.choice(["US", "CN"])
        other = "CN" if side == "US" else "US"
        return template.format(
            n=r.randint(2, 480), p=r.randint(1, 38), r=f"{r.uniform(6.3, 7.4):.2f}",
            m=self.pick(MEASURES[r.choice(["trade", "technology"])]).removeprefix("the "),
            day=self.pick(DAYS), month=self.pick(MONTHS), year=r.randint(2018, 2025),
            co=self.pick(COMPANIES_US + COMPANIES_CN),
            city=self.pick(["Shanghai", "Shenzhen", "Chicago", "Seattle", "Tianjin", "Ningbo",
                            "Los Angeles", "Hong Kong", "Guangzhou", "Houston"]),
            place=self.pick(["Geneva", "London", "Stockholm", "Madrid", "Kuala Lumpur",
                             "Beijing", "Washington"]),
            ordinal=self.pick(["second", "third", "fourth", "fifth", "sixth"]),
            quarter=self.pick(["first", "second", "third", "fourth"]),
            T=self.target(other if self.editorial else side),
            label=self.pick(LABELS), h=self.pick(HARMS))

    def target(self, side: str) -> str:
        return self.pick(US_BODIES if side == "US" else CN_BODIES)

    def new_speaker(self) -> tuple[str, str, str, str]:
        r = self.rng
        kind = r.random()
        side = r.choice(["US", "CN"])
        if kind < 0.3:
            full, title, short = self.pick(US_OFFICIALS if side == "US" else CN_OFFICIALS)
            pron = "he" if short not in ("Tai", "Raimondo", "Yellen") else "she"
            sp = (full, short, f"{title} {full}", pron)
        elif kind < 0.6:
            if side == "US":
                full = f"{self.pick(FIRST)} {self.pick(LAST)}"
                inst, city = self.pick(US_INSTITUTIONS)
            else:
                full = f"{self.pick(CN_FIRST)} {self.pick(CN_GIVEN)}"
                inst, city = self.pick(CN_INSTITUTIONS)
            short = full.split()[-1] if side == "US" else full.split()[0]
            intro = f"{full}, {self.pick(EXPERT_TITLES)} at {inst} in {city},"
            sp = (full, short, intro, r.choice(["he", "she"]))
        elif kind < 0.8:
            body = self.pick(US_BODIES if side == "US" else CN_BODIES)
            sp = (body, body, body, "it")
        elif kind < 0.9:
            co = self.pick(COMPANIES_US if side == "US" else COMPANIES_CN)
            sp = (co, co, f"{co}, in a statement,", "the company")
        else:
            group = self.pick(COLLECTIVES_US if side == "US" else COLLECTIVES_CN)
            sp = (group, group, group, "they")
        self.speakers.append(sp)
        return sp

    def speaker(self) -> tuple[str, str, str, str, bool]:
        """A speaker: a new one (introduced in full) or one already met (short form)."""
        if self.speakers and self.rng.random() < 0.45:
            return (*self.pick(self.speakers), False)
        return (*self.new_speaker(), True)

    def claim(self) -> str:
        """Content of a statement: blame, a label, or neutral forecast."""
        r = self.rng
        k = r.random()
        side = r.choice(["US", "CN"])
        if k < 0.35:
            return (f"{self.target(side)} had {self.pick(HARMS)} with "
                    f"{self.pick(MEASURES[r.choice(['trade', 'technology'])])}")
        if k < 0.55:
            return (f"{self.pick(MEASURES[r.choice(['trade', 'technology'])])} amounted to "
                    f"{self.pick(LABELS)}")
        if k < 0.7:
            return (f"{self.target(side)} was responding to "
                    f"{self.pick(MEASURES['technology'])} with {self.pick(MEASURES['trade'])}")
        return self.pick(FORECASTS)

    def quote_text(self) -> str:
        c = self.claim()
        c = c[0].upper() + c[1:]
        extra = self.rng.random()
        if extra < 0.3:
            c += f". We will not accept {self.pick(LABELS)}"
        elif extra < 0.45:
            c += ", and everyone in this room knows it"
        return c

    def statement(self) -> str:
        full, short, intro, pron, is_new = self.speaker()
        who = intro if is_new else self.rng.choice([short, pron.capitalize()])
        who_bare = who.rstrip(",")
        after = who_bare if who_bare not in ("He", "She", "It", "They") else who_bare.lower()
        verb = self.pick(SAY_VERBS)
        q = self.quote_text()
        shape = self.rng.randrange(9)
        if shape == 0 and is_new and "," in intro:  # '"…," said Laura Mercer, an economist …'
            return f"\u201c{q},\u201d said {intro.rstrip(',')}."
        if shape == 0:
            return f"\u201c{q},\u201d {after} {verb}."
        if shape == 1:
            return f"\u201c{q},\u201d {verb.split()[0]} {after}." if verb.split()[0] in (
                "said", "added", "wrote") and after == who_bare \
                else f"\u201c{q},\u201d {after} {verb}."
        if shape == 2:
            return f"{who} {verb} on {self.pick(DAYS)}: \u201c{q}.\u201d".replace(",, ", ", ")
        if shape == 3:
            return f"{who} {self.pick(REPORT_VERBS)} that {self.claim()}.".replace(",, ", ", ")
        if shape == 4:
            t = self.target(self.rng.choice(["US", "CN"]))
            frame = self.pick(ACCUSE_FRAMES).format(
                t=t, g=self.pick(GRIEVANCES), h=self.pick(HARMS),
                m=self.pick(MEASURES[self.rng.choice(["trade", "technology"])]).removeprefix("the "))
            return f"{who} {frame}.".replace(",, ", ", ")
        if shape == 5:
            return f"According to {full}, {self.claim()}."
        if shape == 6:
            return (f"{who} {verb} the measures were \u201c{self.pick(LABELS)}\u201d and "
                    f"{self.pick(FORECASTS)}.").replace(",, ", ", ")
        if shape == 7:
            return (f"In an interview with {self.pick([o[0] for o in OUTLETS])}, {who_bare} "
                    f"{self.pick(REPORT_VERBS)} that {self.claim()}.")
        return f"\u201c{q}.\u201d"  # a follow-up quote paragraph, attributed by context

    def sentence(self) -> str:
        if self.editorial and self.rng.random() < 0.35:
            text = self.fill(self.pick(EDITORIAL))
        elif self.rng.random() < self.quote_share:
            text = self.statement()
        else:
            text = self.fill(self.pick(BACKGROUND))
        return _capitalize(text)

    def paragraph(self) -> str:
        n = self.rng.choice([1, 2, 2, 3, 3, 4])
        return " ".join(self.sentence() for _ in range(n))


def _capitalize(text: str) -> str:
    """Upper-case the first letter of a sentence (after an opening quotation mark)."""
    i = 1 if text[:1] == "\u201c" else 0
    return text[:i] + text[i:i + 1].upper() + text[i + 1:]


def generate(n_words: int = 2_000_000, seed: int = 7, quote_share: float = 0.4,
             min_words: int = 150, max_words: int = 1_200) -> Iterator[dict[str, str]]:
    """Yield articles until ``n_words`` whitespace words have been produced.

    Article lengths are drawn log-uniformly between ``min_words`` and ``max_words``;
    ``quote_share`` is the chance that a non-editorial sentence is a statement.
    """
    rng = random.Random(seed)
    total = 0
    i = 0
    while total < n_words:
        outlet, country, register = OUTLETS[rng.randrange(len(OUTLETS))]
        editorial = register == "state_media" and rng.random() < 0.4 or rng.random() < 0.05
        art = _Article(rng, quote_share, editorial)
        target = int(min_words * (max_words / min_words) ** rng.random())
        year, month, day = rng.randint(2018, 2025), rng.randint(1, 12), rng.randint(1, 28)
        city = rng.choice(["WASHINGTON", "BEIJING", "SHANGHAI", "GENEVA", "HONG KONG",
                           "NEW YORK", "SINGAPORE"])
        lead = _capitalize(art.statement() if rng.random() < 0.6
                           else art.fill(rng.choice(BACKGROUND)))
        paras = [f"{city}, {MONTHS[month - 1]} {day} ({outlet}) \u2014 {lead}"]
        words = len(paras[0].split())
        while words < target:
            para = art.paragraph()
            paras.append(para)
            words += len(para.split())
        text = "\n\n".join(paras)
        title = art.fill(rng.choice(BACKGROUND)).rstrip(".")
        total += words
        yield {"id": f"bench{i:06d}", "date": f"{year}-{month:02d}-{day:02d}",
               "outlet": outlet, "country": country, "title": title, "text": text}
        i += 1


def write_jsonl(path: str | Path, n_words: int = 2_000_000, seed: int = 7,
                **kwargs: float) -> dict[str, int]:
    """Write a generated corpus to ``path`` (JSON Lines); returns ``{"docs", "words"}``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n_docs = n = 0
    with path.open("w", encoding="utf8") as f:
        for rec in generate(n_words, seed, **kwargs):  # type: ignore[arg-type]
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n_docs += 1
            n += len(rec["text"].split())
    return {"docs": n_docs, "words": n}
