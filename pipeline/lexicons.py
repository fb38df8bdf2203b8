"""Curated word lists for statement extraction and speaker description.

The reporting-verb lexicon follows the attribution literature: the cue-source-content model of
Pareti et al. ("Automatically Detecting and Attributing Indirect Quotations", EMNLP 2013; the
PARC attribution corpus), the verb lists of newsquotes / Quootstrap and of textacy's
``extract.triples.direct_quotations``. Verbs are grouped by what their complement looks like,
because that decides which part of the clause is the reported *content*:

- ``SAY_VERBS`` take a clausal complement (*said (that) …*, *warned that …*, *vowed to …*).
- ``ACCUSE_VERBS`` take the accused party plus *of/for/over/on* (*accused Washington of …*); the
  content starts at the accused party (gold convention, see ``docs/statements.md``).
- ``OBJECT_VERBS`` report speech through a direct object (*denied the claims*, *rejected the
  accusation*, *dismissed the report as …*).
- ``QUESTION_VERBS`` report a question (*asked whether …*, *questioned why …*).
- ``PREP_VERBS`` report speech through a particle/preposition (*lashed out at*, *called for*,
  *warned of*, *hit back at*).

Everything is lemma-based, so cues are found in any tense ("says", "said", "has warned",
"will insist"). The lists are deliberately closed: cognition verbs (*believe*, *think*,
*expect*, *hope*) are left out, because in the annotation conventions a belief is not a
statement unless it is voiced.
"""
from __future__ import annotations

import re

# --- reporting verbs ----------------------------------------------------------------------------
SAY_VERBS = frozenset("""
say tell claim warn insist deny urge assert note observe argue add state stress emphasize
emphasise contend maintain allege charge complain predict acknowledge admit announce declare
reiterate vow pledge explain suggest write post tweet report reply respond retort counter concede
confirm caution recall remark comment highlight underline underscore point promise threaten
demand propose reckon protest lament quip joke scoff boast brag hint indicate object
opine reason recount repeat reaffirm reassure recommend signal testify agree disagree estimate
forecast mock brief tout hail praise welcome blast warn caution counsel plead appeal assure
affirm allege announce concur dispute doubt grumble insist mention murmur muse notify proclaim
cite
profess rebut refute scold shout snap speculate swear urge venture whisper write express voice
""".split())
# Beliefs voiced about a proposition ("Analysts expect the truce to fail", "Investors fear the
# tariffs will stay"): attributed statements in news style (PARC annotates them too), accepted
# only with a person, organisation or role-noun subject and a clausal complement.
COGNITION_VERBS = frozenset("believe think expect fear hope doubt suspect worry anticipate "
                            "reckon find determine".split())
# Verbs whose infinitive complement is what was said ("vowed to retaliate", "urged X to stop");
# other verbs with an infinitive report an action ("agreed to hold off"), not speech.
XCOMP_VERBS = frozenset("""
vow pledge promise threaten warn swear expect
""".split())
XCOMP_NEEDS_OBJECT = frozenset("ask urge press encourage advise remind tell".split())
# "expressed hope that …", "voiced concern that …": the noun carries the content.
EXPRESS_NOUNS = frozenset("""
hope hopes concern concerns regret confidence opposition objection objections question
questions dissatisfaction support worry worries
doubt doubts fear fears optimism skepticism scepticism frustration anger displeasure
""".split())
ACCUSE_VERBS = frozenset("""
accuse blame condemn criticize criticise slam fault denounce lambast lambaste rebuke blast
chide castigate berate attack censure decry excoriate scold reproach assail hit
""".split())
OBJECT_VERBS = frozenset("""
deny reject dismiss acknowledge admit confirm question dispute call describe label
brand characterize characterise term welcome hail praise decry defend criticize criticise cite
condemn slam denounce blast lambast lambaste rebuke refute rebut
""".split())
QUESTION_VERBS = frozenset("ask question wonder query".split())
# Verbs of viewing, statements only in the passive with a holder and a label: "Beijing's move
# is seen by analysts as a warning shot", "the duties are regarded by Ottawa as punitive".
VIEW_VERBS = frozenset("see view regard consider deem perceive".split())
# Verbs of presenting, statements only in the passive with an agent and a label or reason:
# "the rules had been presented by the department as [a targeted effort]", "was portrayed by
# X as [Y]", "was justified by X on the grounds that [Z]" ("presented by the host" says nothing).
PASSIVE_LABEL_VERBS = frozenset("present portray depict paint cast frame justify".split())
# Passive voicing of a concern: "Concerns were raised by X that [Z]", "Doubts have been voiced
# by X about [Z]" (the subject is an EXPRESS_NOUNS noun).
PASSIVE_EXPRESS_VERBS = frozenset("raise express voice".split())
# phrasal cues: verb lemma -> particles that make it a speech act
PREP_VERBS: dict[str, frozenset[str]] = {
    "lash": frozenset({"out", "at"}), "hit": frozenset({"out", "back"}),
    "fire": frozenset({"back"}),
    "push": frozenset({"back"}),
    "speak": frozenset({"out"}), "weigh": frozenset({"in"}), "point": frozenset({"out"}),
    "warn": frozenset({"of", "against", "about"}), "complain": frozenset({"about", "of"}),
    "insist": frozenset({"on"}), "argue": frozenset({"for", "against"}),
    "rail": frozenset({"against"}),
}
# These are speech only with their particle ("hit out at", "lashed out"); "call" only as a
# label ("called the tariffs bullying"): "called on X to …" is an appeal, not a statement.
NEEDS_PARTICLE = frozenset({"hit", "lash", "fire", "push", "call", "speak", "weigh", "point",
                            "rail"})
CUE_LEMMAS = SAY_VERBS | ACCUSE_VERBS | OBJECT_VERBS | QUESTION_VERBS | frozenset(PREP_VERBS) \
    | COGNITION_VERBS
# Verbs of the list that are usually not speech when their subject is not a speaker
# ("the data indicated", "the move signals"): accepted only with a human/organisation subject.
WEAK_VERBS = frozenset("""
indicate signal suggest show reveal point estimate forecast report hint mention add post welcome
explain
praise hail defend describe call term label brand agree disagree doubt dispute question
""".split())
# Verbs that may follow their content: "China will retaliate, the ministry said."
INVERTED_VERBS = frozenset("""
say tell add note warn argue insist claim write state stress explain predict contend maintain
allege caution reckon acknowledge admit concede observe emphasize emphasise assert complain
reply retort counter suggest declare tweet post comment remark recall confirm
""".split())
# Passive reporting: "X was quoted as saying", "it was announced by X that …"
QUOTED_AS = frozenset({"quote", "cite", "report", "record", "hear"})

# Hearers of "told": "told reporters" is the told_reporters construction of the gold set.
HEARER_WORDS = frozenset("""
reporters journalists media press briefing conference reuters bloomberg afp ap cnn bbc xinhua
audience lawmakers parliament congress interviewer newspaper agency broadcaster
""".split())
# Heads of "according to X" that are data, not speakers.
DATA_HEADS = frozenset("""
data figures statistics numbers estimates estimate calculations survey poll polls schedule plan
records record tally count calculation analysis forecast forecasts index rules law laws terms
timeline reports report document documents filing filings
""".split())
# Nouns that stand for an organisation's voice ("the statement said", "a Xinhua editorial").
VOICE_NOUNS = frozenset("""
statement editorial commentary article report post tweet notice announcement release readout
communique communiqué circular op-ed column piece paper letter white
""".split())
# Titles before a personal name, stripped when naming the speaker ("Mr. Li" → "Li").
HONORIFICS = frozenset("""
mr mr. mrs mrs. ms ms. miss dr dr. prof prof. professor sir madam dame lord
""".split())

# --- speaker roles ------------------------------------------------------------------------------
ROLE_WORDS: dict[str, str] = {}
for _role, _words in {
    "official": """spokesperson spokesman spokeswoman spokespeople minister ministers secretary
        ambassador ambassadors official officials lawmaker lawmakers legislator legislators
        senator senators congressman congresswoman congressmen representative president premier
        governor mayor diplomat diplomats envoy negotiator negotiators ministry ministries
        department government administration embassy consulate commission council agency
        cabinet bureau parliament congress senate regulator regulators authorities authority
        leader leaders chancellor commissioner commissioners vice-premier vice-minister
        vice-president attaché consul counselor counsellor delegate delegation politburo
        prosecutor prosecutors regime party lawmaking policymakers policymaker aide aides
        democrat democrats republican republicans
        adviser advisers advisor advisors""",
    "expert": """professor professors researcher researchers analyst analysts economist
        economists fellow fellows scholar scholars expert experts academic academics lecturer
        lecturers strategist strategists dean scientist scientists think-tank institute
        university academy observer observers specialist specialists historian historians
        sinologist sinologists consultant consultants""",
    "media": """editor editors commentator commentators columnist columnists journalist
        journalists reporter reporters editorial newspaper newspapers tabloid media broadcaster
        broadcasters anchor host outlet outlets commentary pundit pundits""",
    "business": """ceo ceos executive executives company companies firm firms chamber
        industry association associations manufacturer manufacturers carmaker carmakers
        automaker automakers exporter exporters importer importers businesses business investor
        investors trader traders founder chipmaker chipmakers entrepreneur entrepreneurs banker
        bankers lobby corporation corp group retailer retailers supplier suppliers producer
        producers maker makers industrialist chairwoman cfo coo cto manager managers owner
        owners growers grower exporter executives lobbyist lobbyists cooperative cooperatives
        co-op co-ops distiller distillers farmer-owned""",
    "public": """residents resident consumers consumer netizens netizen farmers farmer citizens
        citizen people shoppers shopper users workers worker voters voter students student
        parents villagers villager fans public commuters locals families bloggers blogger
        union unions steelworkers""",
}.items():
    for _w in _words.split():
        ROLE_WORDS[_w] = _role
# Ambiguous titles whose role is that of the organisation after "of/at": "president of the
# US-China Business Council" is business, "President Trump" is official.
ORG_TITLES = frozenset("president chairman chairwoman chair director head founder chief "
                       "vice-president managing partner deputy spokesperson spokesman "
                       "spokeswoman representative".split())
ORG_ROLE_WORDS: dict[str, str] = {
    "ministry": "official", "department": "official", "government": "official",
    "office": "official", "commission": "official", "council": "official", "agency": "official",
    "administration": "official", "bureau": "official", "embassy": "official",
    "university": "expert", "institute": "expert", "center": "expert", "centre": "expert",
    "foundation": "expert", "academy": "expert", "school": "expert", "program": "expert",
    "programme": "expert", "institution": "expert", "think": "expert",
    "times": "media", "daily": "media", "news": "media", "post": "media", "journal": "media",
    "television": "media", "radio": "media", "tabloid": "media", "newspaper": "media",
    "company": "business", "corp": "business", "corporation": "business", "inc": "business",
    "group": "business", "chamber": "business", "association": "business",
    "federation": "business", "holdings": "business", "technologies": "business",
    "motors": "business", "bank": "business", "fund": "business", "industry": "business",
    "business": "business", "ltd": "business", "co": "business",
    "exporters": "business", "manufacturers": "business", "retailers": "business",
    "producers": "business", "cooperative": "business", "cooperatives": "business",
    "union": "public", "unions": "public",
}
# What a descriptor says someone does, when it names no role noun: "who grows corn",
# "who directs the China program at …", "who now advises grain cooperatives".
DESCRIPTOR_ROLES = [
    (re.compile(r"\b(?:grows|raises|farms|runs|owns|manages|sells|exports|imports|makes)\b"),
     "business"),
    (re.compile(r"\b(?:advises|consults|studies|researches|teaches|writes on)\b"), "expert"),
    (re.compile(r"\b(?:directs|leads|heads|runs)\b.{0,60}\b(?:program|programme|research|"
                r"institute|centre|center|project|studies)\b"), "expert"),
]

# --- pronouns -----------------------------------------------------------------------------------
PRONOUN_GENDER = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "it": "n",
                  "its": "n", "they": "p", "them": "p", "their": "p", "we": "p", "i": "s"}
MALE_TITLES = frozenset({"mr", "mr.", "sir", "lord", "mister"})
FEMALE_TITLES = frozenset({"mrs", "mrs.", "ms", "ms.", "miss", "madam", "dame"})
# Gendered role nouns in a mention or its appositive ("spokesman Gao", "Gao, a spokeswoman").
MALE_NOUNS = frozenset("""
spokesman chairman businessman congressman councilman statesman countryman father son brother
husband king prince
""".split())
FEMALE_NOUNS = frozenset("""
spokeswoman chairwoman businesswoman congresswoman councilwoman stateswoman countrywoman mother
daughter sister wife queen princess
""".split())

# --- author statements (outlet voice) -------------------------------------------------------------
# Blame verbs, blame nouns and loaded labels: a sentence in the outlet's own voice that uses one
# of these and names an actor or side is an author statement (SPEC: "claim of blame or stance").
AUTHOR_BLAME = [
    # explicit blame
    r"blam\w*", r"accus(?:e|es|ed|ing)", r"fault\w*", r"culprit\w*", r"responsib\w+ for",
    r"to blame",
    r"provocat\w*", r"provok\w*", r"sabotag\w*", r"undermin\w*", r"jeopardi\w+",
    r"pretext\w*", r"scapegoat\w*", r"hypocri\w+", r"double standards?", r"violat\w*",
    r"(?:into|as) a weapon", r"weaponi[sz]\w*", r"reneg\w*",
    r"broken? (?:its|their|his|her|all) (?:\w+ )?(?:promises?|commitments?|pledges?|word)",
    # loaded labels
    r"bull(?:y|ies|ying|ied)", r"hegemon\w*", r"reckless\w*", r"coerc\w+", r"protectionis\w+",
    r"weaponi[sz]\w*", r"unilateralis\w+", r"cold[- ]war mentality", r"zero-sum", r"containment",
    r"contain china", r"suppress\w*", r"blackmail\w*", r"extort\w*", r"intimidat\w*",
    r"unfair\w*", r"unjust\w*", r"illegal\w*", r"irresponsib\w+", r"arrogan\w+", r"predatory",
    r"aggress\w+", r"hostil\w+", r"smear\w*", r"malicious\w*", r"bad faith", r"betray\w*",
    r"cheat\w*", r"steal\w*", r"theft", r"stole\w*", r"exploit\w*", r"abus\w+", r"distort\w*",
    r"manipulat\w*", r"politici[sz]\w+", r"overreach\w*", r"rogue", r"bullying", r"gangster\w*",
    r"selfish\w*", r"hysteri\w+", r"paranoi\w+", r"short-sighted\w*", r"shortsighted\w*",
    r"self-defeating", r"backfir\w+", r"misguided", r"dangerous\w*", r"destabili[sz]\w+",
    r"punish\w*", r"strangl\w*", r"chok(?:e|es|ed|ing|ehold)", r"blockade", r"wreck\w*",
    r"economic war\w*", r"launched the trade war", r"started the trade war",
    # labels and charges common in state-media and editorial voice
    r"(?<![-\w])dump(?:s|ed|ing)", r"guilty", r"sacrific\w+", r"scaremonger\w*",
    r"fearmonger\w*", r"witch[- ]hunt\w*", r"mercantilis\w+", r"interfer(?:e|es|ed|ing|ence)",
]
AUTHOR_BLAME_RE = re.compile(r"\b(?:" + "|".join(AUTHOR_BLAME) + r")\b", re.I)

# --- cheap prefilter (to skip parsing later) ------------------------------------------------------
_CUE_SURFACE = sorted({
    "according to", "quoted as", "cited as", "said", "says", "say", "saying", "told", "tell",
    "tells", "telling", "added", "adds", "adding", "accus", "blam", "warn", "insist", "argu",
    "claim", "deni", "deny", "urg", "condemn", "critici", "question", "assert", "note", "noted",
    "observ", "stat", "stress", "emphasi", "contend", "maintain", "alleg", "charg", "complain",
    "predict", "acknowledg", "admit", "announc", "declar", "reiterat", "vow", "pledg", "call",
    "slam", "lash", "dismiss", "reject", "ask", "wonder", "wrote", "writ", "post", "tweet",
    "fault", "denounc", "rebuk", "blast", "explain", "suggest", "repl", "respond", "retort",
    "confirm", "caution", "remark", "comment", "highlight", "underscor", "promis", "threaten",
    "demand", "found", "find", "determin",
}, key=len, reverse=True)
# Every cue lemma of the rules, inflected, so that a cue added to the lexicons above is never
# blanked by the pre-filter ("recalled"); whole words only ("profess" must not keep "professor").
_CUE_STEMS = sorted({lemma[:-1] if lemma[-1] in "ey" and len(lemma) > 3 else lemma
                     for lemma in CUE_LEMMAS | VIEW_VERBS | EXPRESS_NOUNS | QUOTED_AS
                     | PASSIVE_LABEL_VERBS | PASSIVE_EXPRESS_VERBS}
                    | {"spoke", "spoken", "thought", "saw", "seen", "wrote", "written"},
                    key=len, reverse=True)
CUE_PREFILTER_RE = re.compile(
    r"\b(?:" + "|".join(map(re.escape, _CUE_SURFACE)) + r")"
    r"|\b(?:" + "|".join(map(re.escape, _CUE_STEMS)) + r")(?:e|y|es|s|ed|d|ing|ies|ied)?\b",
    re.I)


# A participle with a by-phrase a few words later ("were attacked on Tuesday by X as …", "a
# step condemned by Beijing as …"): passive reporting uses verbs no cue list holds, so the
# pre-filter keeps every passive with an agent and lets the parser decide.
PASSIVE_AGENT_RE = re.compile(
    r"\b[a-z]{3,}(?:ed|en|wn)\b(?:\s+[\w'\u2019.,-]+){0,5}?\s+by\s+(?:the\s+|a\s+|an\s+|its\s+)?"
    r"[A-Za-z]", re.I)


def may_hold_statement(sentence: str, quote_chars: frozenset[str]) -> bool:
    """Cheap test whether a sentence can hold a statement: a quotation mark, a reporting cue,
    an author-blame word or a passive with a by-agent. Sentences failing it could skip
    dependency parsing entirely (the speed plan: tokenize + sentencize everything, parse only
    candidate sentences)."""
    if any(ch in quote_chars for ch in sentence):
        return True
    return bool(CUE_PREFILTER_RE.search(sentence) or AUTHOR_BLAME_RE.search(sentence)
                or PASSIVE_AGENT_RE.search(sentence))


# --- issue tagging (placeholder until the issue classifier) ---------------------------------------
def compile_terms(terms: list[str]) -> re.Pattern[str] | None:
    """One word-bounded regex for a list of lexicon terms. Terms with an upper-case letter
    ("AI", "WTO", "Huawei") match case-sensitively, lower-case ones case-insensitively."""
    if not terms:
        return None
    parts = []
    for term in sorted(set(terms), key=len, reverse=True):
        body = re.escape(term).replace(r"\ ", r"[\s-]+")
        if any(ch.isupper() for ch in term):
            parts.append(body)
        else:
            parts.append("(?i:" + body + ")")
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])")


class IssueTagger:
    """Lexicon issue tag of a statement: ``trade``, ``technology``, ``linked`` or ``other``.

    A placeholder until the issue classifier: counts hits of the configured ``issues`` lexicons.
    Both trade and technology words together with a linkage phrase (``issues.linkage``), or a
    "trade war" + "tech war" framing, give ``linked``; otherwise the domain with more hits wins
    (a tie goes to technology: a technology measure condemned in trade words is technology);
    no trade or technology hit gives ``other``.

    >>> from pipeline.config import IssueLexicon
    >>> tagger = IssueTagger(IssueLexicon(trade=["tariffs"], technology=["chips"],
    ...                                   linkage=["in response to"]))
    >>> tagger("The tariffs came in response to curbs on chips.")
    'linked'
    >>> tagger("New tariffs on steel.")
    'trade'
    """

    _TRADE_WAR = re.compile(r"\btrade[\s-]+war", re.I)
    _TECH_WAR = re.compile(r"\b(?:tech|technology|chip)[\s-]+wars?\b", re.I)

    def __init__(self, lexicon) -> None:
        self.trade = compile_terms(list(lexicon.trade))
        self.technology = compile_terms(list(lexicon.technology))
        self.linkage = compile_terms(list(lexicon.linkage))

    @staticmethod
    def _count(pattern: re.Pattern[str] | None, text: str) -> int:
        return len(pattern.findall(text)) if pattern is not None and text else 0

    def __call__(self, text: str) -> str:
        n_trade = self._count(self.trade, text)
        n_tech = self._count(self.technology, text)
        if n_trade and n_tech:
            if self._count(self.linkage, text) or (self._TRADE_WAR.search(text)
                                                   and self._TECH_WAR.search(text)):
                return "linked"
        if not n_trade and not n_tech:
            return "other"
        return "trade" if n_trade > n_tech else "technology"


# --- gazetteer: places and nationalities → country -----------------------------------------------
# A small world gazetteer, dispute-agnostic: it maps a place or nationality to a *country name*;
# the configured sides decide which side that country is on (a country named in a side's
# ``name`` or ``places`` is that side, any other country is OTHER). Used for speakers' sides when
# the actor registry and the configured places say nothing ("an engineer at a Korean chipmaker",
# "a rare-earths specialist at a Colorado consultancy", "a Nigerian diplomat").
_GAZETTEER_DATA = {
    "United States": """American Americans U.S. US USA America Midwest Midwestern Washington
        Alabama Alaska Arizona Arkansas California Colorado Connecticut Delaware Florida Georgia
        Hawaii Idaho Illinois Indiana Iowa Kansas Kentucky Louisiana Maine Maryland
        Massachusetts Michigan Minnesota Mississippi Missouri Montana Nebraska Nevada
        New_Hampshire New_Jersey New_Mexico New_York North_Carolina North_Dakota Ohio Oklahoma
        Oregon Pennsylvania Rhode_Island South_Carolina South_Dakota Tennessee Texas Utah
        Vermont Virginia West_Virginia Wisconsin Wyoming Boston Chicago Detroit Houston Dallas
        Atlanta Seattle Phoenix Denver Pittsburgh Cleveland Boise Austin Miami Philadelphia
        Silicon_Valley Palo_Alto San_Francisco Los_Angeles San_Diego San_Jose Ames Des_Moines
        Wall_Street Capitol_Hill Minneapolis St._Louis Omaha""",
    "China": """Chinese China Beijing Shanghai Shenzhen Guangzhou Wuhan Hangzhou Tianjin Chongqing
        Chengdu Xiamen Nanjing Suzhou Dongguan Yiwu Ningbo Qingdao Dalian Xi'an Shenyang Harbin
        Changsha Zhengzhou Jinan Hefei Fuzhou Kunming Nanning Guangdong Jiangsu Zhejiang
        Shandong Fujian Hubei Hunan Henan Hebei Sichuan Yunnan Guizhou Guangxi Jiangxi Anhui
        Shaanxi Shanxi Liaoning Jilin Heilongjiang Inner_Mongolia Ganzhou Baotou Pudong
        Zhongguancun Fudan Tsinghua Renmin mainland""",
    "Japan": "Japan Japanese Tokyo Osaka Kyoto Yokohama Nagoya Kansai Hiroshima",
    "South Korea": "South_Korea South_Korean Korean Korea Seoul Busan Incheon",
    "Taiwan": "Taiwan Taiwanese Taipei Hsinchu Kaohsiung",
    "Hong Kong": "Hong_Kong",
    "Singapore": "Singapore Singaporean",
    "Malaysia": "Malaysia Malaysian Kuala_Lumpur Penang",
    "Vietnam": "Vietnam Vietnamese Hanoi Ho_Chi_Minh_City Haiphong",
    "Indonesia": "Indonesia Indonesian Jakarta",
    "Thailand": "Thailand Thai Bangkok",
    "Philippines": "Philippines Philippine Filipino Manila",
    "India": """India Indian New_Delhi Delhi Mumbai Bengaluru Bangalore Chennai Hyderabad
        Kolkata Pune""",
    "Pakistan": "Pakistan Pakistani Islamabad Karachi",
    "Australia": """Australia Australian Canberra Sydney Melbourne Brisbane Perth Adelaide
        Queensland""",
    "New Zealand": "New_Zealand Auckland Wellington",
    "Canada": "Canada Canadian Ottawa Toronto Montreal Vancouver Quebec Ontario Alberta Calgary",
    "Mexico": "Mexico Mexican Monterrey Tijuana",
    "Brazil": "Brazil Brazilian Brasilia São_Paulo Sao_Paulo Rio_de_Janeiro",
    "Argentina": "Argentina Argentine Argentinian Buenos_Aires",
    "Chile": "Chile Chilean Santiago",
    "United Kingdom": """Britain British UK U.K. United_Kingdom England English Scotland Scottish
        Wales Welsh London Manchester Edinburgh Birmingham""",
    "European Union": "European Europe EU E.U. Brussels Strasbourg",
    "Germany": "Germany German Berlin Munich Frankfurt Hamburg Stuttgart Kiel",
    "France": "France French Paris Lyon Marseille Toulouse",
    "Italy": "Italy Italian Rome Milan Turin Brescia",
    "Spain": "Spain Spanish Madrid Barcelona",
    "Netherlands": "Netherlands Dutch Amsterdam Rotterdam The_Hague Eindhoven Veldhoven",
    "Belgium": "Belgium Belgian Antwerp",
    "Ireland": "Ireland Irish Dublin",
    "Denmark": "Denmark Danish Copenhagen",
    "Norway": "Norway Norwegian Oslo",
    "Sweden": "Sweden Swedish Stockholm",
    "Finland": "Finland Finnish Helsinki",
    "Poland": "Poland Polish Warsaw",
    "Hungary": "Hungary Hungarian Budapest",
    "Czech Republic": "Czech Prague",
    "Austria": "Austria Austrian Vienna",
    "Switzerland": "Switzerland Swiss Geneva Zurich Bern",
    "Greece": "Greece Greek Athens",
    "Portugal": "Portugal Portuguese Lisbon",
    "Russia": "Russia Russian Moscow",
    "Ukraine": "Ukraine Ukrainian Kyiv",
    "Turkey": "Turkey Turkish Ankara Istanbul",
    "Israel": "Israel Israeli Jerusalem Tel_Aviv",
    "Saudi Arabia": "Saudi Saudi_Arabia Riyadh",
    "United Arab Emirates": "Emirati UAE Dubai Abu_Dhabi",
    "Iran": "Iran Iranian Tehran",
    "Egypt": "Egypt Egyptian Cairo",
    "Nigeria": "Nigeria Nigerian Lagos Abuja",
    "Ghana": "Ghana Ghanaian Accra",
    "Kenya": "Kenya Kenyan Nairobi",
    "South Africa": "South_Africa South_African Johannesburg Pretoria Cape_Town",
    "Ethiopia": "Ethiopia Ethiopian Addis_Ababa",
}
GAZETTEER: dict[str, str] = {}
for _country, _names in _GAZETTEER_DATA.items():
    for _n in _names.split():
        GAZETTEER.setdefault(_n.replace("_", " "), _country)
GAZETTEER_RE = re.compile(r"(?<![\w-])(" + "|".join(
    re.escape(n) for n in sorted(GAZETTEER, key=len, reverse=True)) + r")(?![\w])")


# Evaluative judgements and prescriptions: in opinion, state-media, think-tank and government
# registers the outlet's own stance is often a verdict or a demand rather than a blame verb
# ("a measured and lawful response", "was a mistake", "should stop", "will not work").
AUTHOR_STANCE = [
    r"mistakes?", r"wrong(?:ful|ly)?", r"erroneous", r"(?:un)?lawful", r"(?:il)?legitimate",
    r"(?:un)?justified", r"groundless", r"baseless", r"measured", r"self-inflicted",
    r"clumsy", r"chilling", r"blunders?", r"folly", r"tantrum", r"no innocent", r"no favou?rs",
    r"intimidat\w*", r"responsibl[ey]", r"responsibility", r"hostages?", r"collateral",
    r"lectur\w*", r"will not work", r"(?:only|right) choice", r"damag\w*", r"retaliatory",
    r"coercion", r"excuse", r"containment", r"politiciz\w*", r"politicis\w*",
    r"recklessly", r"plain and simple", r"insufficient", r"unfair\w*", r"at the expense of",
    r"failed", r"fail", r"grandstand\w*", r"hypocrisy", r"hypocritical", r"in disregard of",
    r"should", r"must", r"ought to", r"cannot", r"can no longer", r"needs? to",
    r"has to", r"have to", r"too long", r"the behaviou?r of", r"not national security",
    r"instrument of", r"professed", r"handed .{0,40}excuse", r"keeps? choosing",
]
AUTHOR_STANCE_RE = re.compile(r"\b(?:" + "|".join(AUTHOR_STANCE) + r")\b", re.I)
# Verdicts that count only in commentary, state media, think-tank and government texts (wire
# copy uses the same words to narrate: "the tariffs hurt exporters", "as a result of"). They
# are grammatical frames of judgement rather than topic words.
AUTHOR_VERDICT = [
    # causal framing: harm laid at an agent's door ("the direct result of X's decision")
    r"(?:direct|inevitable|predictable|natural) (?:result|consequence|outcome|product) of",
    r"(?:has|have|had) caused",
    r"which caused", r"caused by", r"stems? from", r"brought about by",
    r"harm(?:s|ed|ing|ful)?", r"hurt(?:s|ing)?", r"at the cost of",
    # rhetorical reframing: "is nothing but", "less an X than a Y", "will only"
    r"nothing but", r"nothing less than", r"little more than", r"no more than",
    r"less (?:a|an) [\w-]+(?: [\w-]+){0,3} than", r"(?:will|would) only",
    r"it (?:is|was) (?:the|china|beijing|washington|the united states)\b.{0,40}\bthat",
    r"it (?:is|was) (?:not )?[\w'\u2019 -]{2,40}? who ",  # "it is American farmers who pay"
    r"(?:has|have|had) (?:already )?broken", r"own goal", r"shakedown", r"robbery", r"sham",
    r"farce", r"charade", r"smokescreen", r"fig leaf", r"ploy", r"confrontation\w*",
    r"(?:un)?necessary (?:correction|step|response|measure)", r"overdue", r"misread\w*",
    r"(?:the )?(?:right|wrong) (?:way|thing|choice|decision|response|move|call)",
    r"(?:was|were|is|are) (?:right|wrong) to", r"(?:un)?reasonable", r"(?:un)?wise",
    r"absurd\w*", r"shameful\w*", r"regrettabl[ey]", r"deplorabl[ey]", r"outrageous\w*",
    r"(?:will|would) (?:have to )?pay (?:the|a) (?:heavy |high )?price", r"(?:will|would) pay for",
    r"correct(?:s|ed|ing)? (?:its |their |his |her )?course",
    r"(?:is|are|was|were) not [\w' -]{1,40}, but",
    r"not (?:an?|the) [\w' -]{1,40} but (?:an?|the)\b",
    # contrastive correction: "a bandage, not a cure", "through innovation, not subsidies"
    r", not (?:an?|the|through|by|because|out of)\b",
    r"it (?:is|was) [^?!;]{0,80}, not [^?!;]{0,60}, that",
    # turning a tool into a weapon: "turned export controls into a tool of containment"
    r"turn(?:s|ed|ing)? [\w' -]{1,60} into (?:an? )?(?:[\w-]+ )?(?:weapons?|tools?|threats?|"
    r"bargaining chips?|pawns?|hostages?)",
    # "The so-called de-risking is …" opening a sentence is a sneer at its topic; elsewhere
    # ("announced so-called reciprocal tariffs", "its so-called "white list"") it only
    # introduces a term
    r"^(?:the |its |their |this |these )?so-called",
    # verdict frames of opinion prose: "It is clear that …", "Facts have proven …"
    r"it is (?:clear|obvious|evident|plain|undeniable|high time|time|no secret)",
    r"(?:facts|history|experience|practice) (?:has|have) (?:proven|proved|shown|made clear)",
    r"(?:has|have|had) made no secret", r"would do well to", r"had better",
    # prescriptions and appraisals without a listed word (dev5, round 4): "would do better to",
    # "a step in the right direction", "owes Congress an explanation", "the lesson is …"
    r"would (?:do|be) (?:better|wise|well advised|better advised) to",
    r"(?:right|wrong) direction", r"(?:step|steps) backwards?",
    r"owes? (?:[\w'-]+ ){0,3}(?:an? |the )?(?:[\w-]+ )?(?:explanation|account|apology|answer)",
    r"the (?:lesson|message|moral|upshot|takeaway) (?:for [\w' -]{1,40} )?(?:is|was|here is)\b",
    r"(?:shows?|showed|reveals?|revealed|demonstrates?|demonstrated|underlines?|underscores?|"
    r"illustrates?) (?:just |once again |again )?how (?:little|much|far|badly|poorly|easily|"
    r"deeply|quickly|few)",
    # mistaking one thing for another: "has mistaken leverage for strategy", "confuses
    # protecting factories with building an industry"
    r"(?:mistak(?:e|es|en|ing)|confus(?:e|es|ed|ing)|conflat(?:e|es|ed|ing)) "
    r"[\w' -]{1,60} (?:for|with) ",
    r"turns? [\w' -]{1,60} into (?:an?|the) ", r"knows? better",
    r"(?:in)?defensible", r"(?:un)?justifiable",
    r"(?:is|are|was|were) entitled to", r"(?:has|have) every right to", r"deserv\w+",
    r"no (?:convincing|credible|coherent|clear|serious|good) (?:answer|plan|strategy|"
    r"explanation|case|evidence|reason|justification)",
    r"(?:will|would|can|could) (?:never|not) (?:work|succeed|solve|save|stop|make|help|fix|"
    r"bring|change|restore|protect|revive|bend|force)",
    r"(?:has|have|had) learn(?:ed|t) nothing", r"history will (?:judge|show|tell|prove|record)",
    r"expos(?:e|es|ed|ing) how", r"stretch(?:es|ed|ing)? the (?:idea|concept|notion|definition)",
    r"excus(?:e|es|ed)",
    # evaluative words of editorials
    r"ill-conceived", r"heavy-handed", r"counterproductive", r"ineffective", r"naive",
    r"cynical\w*", r"toothless", r"half-hearted", r"irrational", r"incoheren\w+",
    r"blunt instrument", r"bandage", r"band-aid", r"gift to", r"(?:a |an )?(?:own|self-)goal",
    r"it'?s (?:clear|obvious|evident|plain|high time|time) ",
    r"doomed", r"runs? counter to", r"flies in the face of", r"under the guise of",
    r"in the name of", r"overstretch\w*", r"ulterior", r"turn(?:s|ed|ing)? a blind eye",
    r"stok(?:e|es|ed|ing)", r"hyp(?:e|es|ed|ing) up", r"deliberate(?:ly)?",
    r"playing with fire", r"lip service", r"empty (?:promises?|words?|gestures?)",
    r"expos(?:e|es|ed|ing) (?:its|their|the) (?:true|real|hypocri\w+|double)",
    r"certain (?:\w+ )?politicians", r"lose-lose", r"gambl\w+", r"foolish\w*", r"erratic\w*",
    r"chaotic\w*", r"haphazard\w*", r"capricious\w*", r"petty", r"vindictive\w*",
    r"disingenuous\w*", r"dishonest\w*", r"flawed", r"poorly (?:designed|conceived|executed)",
    r"costly", r"commendabl[ey]", r"sensibl[ey]", r"prudent\w*", r"rightly", r"wisely",
    r"belated\w*", r"to (?:its|their|his|her) credit", r"a welcome (?:step|move|sign|change)",
    r"risks? (?:alienating|pushing|driving|undermining|damaging|provoking|isolating|losing|"
    r"ceding|repeating|inviting)",
]
AUTHOR_VERDICT_RE = re.compile(r"\b(?:" + "|".join(AUTHOR_VERDICT) + r")\b", re.I)
