"""Speech verbs, and where the attribution of a quote sits in its sentence.

English news copy attributes a quote in a few positions: after it (`"…," Ushakov told
reporters.` / `"…," said a spokesman.`), before it (`He added: "…"`, `said in a statement,
"…"`), or around a partial quote (`said he would still remain "in charge"`). The verb
lexicon below is the closed class of reporting verbs news style uses, in English and
Russian; `verb_phrase` keeps the cue as printed ("told reporters", "said in a statement").
"""

import re

_VERBS_EN = (
    "said say says saying told tell tells telling added adds adding stated states stating "
    "wrote writes writing tweeted tweets posted asked asks asking explained explains noted notes "
    "argued argues warned warns warning insisted insists insisting claimed claims declared declares "
    "announced announces acknowledged acknowledges admitted admits recalled recalls continued "
    "concluded concludes complained complaining urged urges pledged pledges promised promises "
    "replied replies responded responds remarked observed suggested suggests conceded cautioned "
    "stressed stresses emphasized emphasised predicted reiterated described describes called calls "
    "accused accuses rejected rejects feared fears cheered chanted chanting shouted yelled quipped "
    "joked vowed vows confirmed confirms denied denies testified testifies advised advises "
    "believe believes believed thinks thought hopes hoped agreed countered assured demanded "
    "demands announced blamed praised criticised criticized described labelled labeled "
    "reads read reported reports lamented boasted mused offered conceded opined predicted"
)
_VERBS_RU = (
    "сказал сказала сказали заявил заявила заявили отметил отметила отметили добавил добавила "
    "добавили сообщил сообщила сообщили написал написала написали подчеркнул подчеркнула пояснил "
    "пояснила рассказал рассказала признал признала считает уточнил уточнила"
)
SPEECH_VERBS = frozenset((_VERBS_EN + " " + _VERBS_RU).split())
PHRASES = ("according to", "по словам", "pointed out", "went on", "put it", "in the words of")
_CUES = re.compile(
    r"(?<![\w’'-])(?:"
    + "|".join(re.escape(c) for c in sorted([*PHRASES, *SPEECH_VERBS], key=len, reverse=True))
    + r")(?![\w’'-])",
    re.IGNORECASE,
)
_CUE_TAIL = re.compile(
    r"^(?:[ \t]+(?:in|on|at|to|from|during|through|via|with|by|when|after|before|while|as)\b"
    r"(?:[ \t]+(?!that\b|who\b|which\b)[\w’'.-]+){1,8})?"
)
# Whom it was told to: "told reporters", "told the BBC", "told Reuters".
_TOLD = re.compile(
    r"^[ \t]+(?:reporters|journalists|the\s+\w+|[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*|him|her|them|aides|us)\b"
)
SENTENCE_END = re.compile(r"[.!?…]+[\"”’»)]*\s+(?=[\"“‘«(A-ZА-ЯЁ0-9])|\n+")
ABBREVIATIONS = frozenset(
    "mr mrs ms dr st sen rep gov gen lt col sgt capt prof jr sr no vs etc inc ltd co corp "
    "jan feb mar apr aug sep sept oct nov dec u.s u.k u.n e.g i.e rev mt ft ave".split()
)


def sentence_bounds(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the sentences of `masked[start:end]`, quotes masked out so that
    their inner full stops split nothing."""
    bounds, begin = [], start
    for match in SENTENCE_END.finditer(masked, start, end):
        if abbreviation_before(masked, match.start()):
            continue
        bounds.append((begin, match.start() + len(match.group().rstrip())))
        begin = match.end()
    if begin < end:
        bounds.append((begin, end))
    return [(s, e) for s, e in bounds if masked[s:e].strip()]


def abbreviation_before(text: str, at: int) -> bool:
    """Whether the full stop at `at` ends an abbreviation ("Mr.", "U.S.") or an initial."""
    word = re.search(r"([\w.]+)$", text[max(0, at - 12) : at])
    if not word:
        return False
    token = word.group(1).casefold().rstrip(".")
    return token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def verbs_in(text: str, start: int, end: int) -> list[re.Match]:
    """The speech verbs (and `according to`) of `text[start:end]`, in order."""
    return list(_CUES.finditer(text, start, end))


def verb_phrase(text: str, verb: re.Match, end: int) -> tuple[str, int]:
    """The cue as printed from the verb on: "told reporters", "said in a statement"."""
    after = verb.end()
    if verb.group().casefold().startswith(("told", "tell")) and (told := _TOLD.match(text[after:end])):
        after += len(told.group())
    tail = _CUE_TAIL.match(text[after:end])
    phrase_end = after + (len(tail.group()) if tail else 0)
    phrase = re.sub(r"\s+that$", "", text[verb.start() : phrase_end].rstrip(" ,."))
    return re.sub(r"\s+", " ", phrase), verb.start() + len(phrase)
