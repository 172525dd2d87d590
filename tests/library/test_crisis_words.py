"""The crisis word lists, table-driven, per language: what must raise a card, and what must not.

Every phrase the content review found missing is here, in its language, with everyday spellings (no accents,
capitals, stretched letters, no apostrophe). Idioms ("my mum will kill me", "me mata de risa") must not."""

from __future__ import annotations

import pytest

from bot.core.i18n import Library
from tests.helpers import CONTENT

LIBRARY = Library.load(CONTENT)
OD, S = "overdose", "suicide"  # the card each phrase must raise

URGENT: dict[str, list[tuple[str, str]]] = {
    "en": [("he won't wake up", OD), ("she wont wake up!!", OD), ("my friend is unresponsive", OD),
           ("his lips are blue", OD), ("LIPS R BLUE", OD), ("he's not breathing", OD), ("she stopped breathing", OD),
           ("I think she's overdosing", OD), ("can't wake him up", OD), ("he is having a seizure after a line", OD),
           ("bad chest pain after a pipe", OD), ("i don't want to live", S), ("I dont wanna live anymore", S),
           ("i just want to end it all", S), ("I want to diiiie", S), ("gonna kill myself tonight", S),
           ("I'm suicidal", S), ("thinking of hurting myself", S), ("I keep cutting myself", S),
           ("wish i was dead", S), ("better off dead", S), ("I can't go on like this", S), ("im sucidal", S),
           ("he's not breating", OD)],
    "fr": [("il ne se réveille pas", OD), ("il ne se reveille pas", OD), ("elle se réveille plus", OD),
           ("il ne respire plus", OD), ("elle respire plus", OD), ("il a les lèvres bleues", OD),
           ("levres bleues", OD), ("il est inconscient", OD), ("mon pote fait une overdose", OD),
           ("elle ne réagit plus", OD), ("il convulse", OD), ("je veux en finir", S), ("JE VEUX EN FINIR", S),
           ("j'ai envie de mourir", S), ("j ai envie de mourir", S), ("je vais me tuer", S),
           ("je pense à me suicider", S), ("je veux plus vivre", S), ("marre de vivre", S),
           ("je veux me faire du mal", S), ("je suis suicidaire", S), ("envie d'en finir", S), ("je veux mourrir", S)],
    "es": [("no despierta", OD), ("mi amigo no se despierta", OD), ("no respira", OD), ("dejo de respirar", OD),
           ("tiene los labios morados", OD), ("labios azules", OD), ("está inconsciente", OD),
           ("le dio una sobredosis", OD), ("no reacciona", OD), ("está convulsionando", OD),
           ("dolor en el pecho fuerte", OD), ("no aguanto más", S), ("no aguanto mas", S), ("ya no aguanto", S),
           ("me quiero morir", S), ("quiero morirme", S), ("voy a matarme", S), ("pienso en suicidarme", S),
           ("no quiero vivir", S), ("quiero acabar con todo", S), ("quitarme la vida", S),
           ("quiero hacerme daño", S), ("me kiero morir", S)],
    "pt": [("ele não acorda", OD), ("ela nao acorda", OD), ("não está respirando", OD), ("parou de respirar", OD),
           ("lábios roxos", OD), ("labios azuis", OD), ("ele está desacordado", OD),
           ("ela está tendo uma overdose", OD),
           ("ele está convulsionando", OD), ("não reage", OD), ("dor no peito forte", OD), ("quero sumir", S),
           ("quero sumiiir", S), ("quero morrer", S), ("vou me matar", S), ("penso em me suicidar", S),
           ("não quero mais viver", S), ("nao aguento mais", S), ("quero acabar com tudo", S),
           ("tirar minha vida", S), ("quero me machucar", S), ("quero desaparecer", S)],
    "sw": [("amezimia", OD), ("rafiki yangu amezimia", OD), ("haamki", OD), ("HAAMKI kabisa", OD), ("hapumui", OD),
           ("ameacha kupumua", OD), ("amepoteza fahamu", OD), ("midomo ya bluu", OD), ("amezidisha dozi", OD),
           ("amepata kifafa", OD), ("maumivu ya kifua", OD), ("nataka kufa", S), ("natamani kufa", S),
           ("nataka kujiua", S), ("nitajiua leo", S), ("sitaki kuishi tena", S), ("nimechoka kuishi", S),
           ("nataka kujidhuru", S), ("maisha hayana maana", S), ("ni bora nife", S), ("nataka kujiumiza", S),
           ("nataka kumaliza maisha yangu", S)],
}

# No card: idioms, everyday words, and drugs named in passing (those may get the one-line hint, never a card).
CALM: dict[str, list[str]] = {
    "en": ["my mum will kill me", "I nearly killed myself laughing", "I could die laughing",
           "I'm a survivor of an overdose", "withdrawal was rough last month", "I'm using the bot every day",
           "that's odd", "we joined suicide prevention day", "I cut myself shaving", "this heat is killing me",
           "I'm dying to see you", "I won't give up"],
    "fr": ["ma mère va me tuer", "mort de rire", "je suis mort de rire", "on lutte contre l'overdose",
           "je suis en manque de sommeil", "je veux en savoir plus", "le sevrage était dur", "il respire bien",
           "on veut finir le travail", "prévention du suicide au travail", "elle se réveille tôt"],
    "es": ["me mata de risa", "mi mamá me va a matar", "me muero de risa", "me quiero morir de la vergüenza",
           "sobreviví a una sobredosis", "la abstinencia fue dura", "no aguanto el calor de hoy, jaja",
           "respira hondo", "voy a matarme estudiando", "el taller de prevención del suicidio", "despierta temprano"],
    "pt": ["minha mãe vai me matar", "morri de rir", "morrendo de rir", "quero morrer de vergonha",
           "sobrevivi a uma overdose", "a abstinência foi difícil", "acordei cedo hoje", "respira fundo",
           "vou me matar de trabalhar", "prevenção do suicídio", "tô cansado hoje"],
    "sw": ["mama ataniua", "nitakufa kwa kicheko", "nilikuwa na arosto wiki iliyopita", "naamka mapema",
           "anapumua vizuri", "nataka kula", "nataka kujua zaidi", "tunapinga unyanyapaa",
           "dozi ya dawa ya malaria", "amelala tu", "nimechoka leo"],
}

TOPIC: dict[str, list[str]] = {
    "en": ["I'm a survivor of an overdose", "withdrawal was rough last month", "dope sick again"],
    "fr": ["on lutte contre l'overdose", "le sevrage était dur"],
    "es": ["sobreviví a una sobredosis", "la abstinencia fue dura"],
    "pt": ["sobrevivi a uma overdose", "a abstinência foi difícil"],
    "sw": ["nilikuwa na arosto wiki iliyopita"],
}


def test_the_table_is_big_enough_in_every_language() -> None:
    for code in ("en", "fr", "es", "pt", "sw"):
        assert len(URGENT[code]) >= 20 and len(CALM[code]) >= 10, code
        assert {kind for _, kind in URGENT[code]} == {OD, S}, code


@pytest.mark.parametrize(("code", "phrase", "kind"),
                         [(code, phrase, kind) for code, rows in URGENT.items() for phrase, kind in rows])
def test_an_urgent_phrase_raises_its_card(code: str, phrase: str, kind: str) -> None:
    assert LIBRARY.signals_crisis(phrase), (code, phrase)
    found = LIBRARY.crisis_signal(phrase)
    assert found is not None and kind in found.kinds, (code, phrase)


@pytest.mark.parametrize(("code", "phrase"), [(code, phrase) for code, rows in CALM.items() for phrase in rows])
def test_an_idiom_or_a_passing_mention_raises_no_card(code: str, phrase: str) -> None:
    assert not LIBRARY.signals_crisis(phrase), (code, phrase)


@pytest.mark.parametrize(("code", "phrase"), [(code, phrase) for code, rows in TOPIC.items() for phrase in rows])
def test_a_passing_mention_is_a_topic(code: str, phrase: str) -> None:
    found = LIBRARY.crisis_signal(phrase)
    assert found is not None and not found.urgent, (code, phrase)


def test_an_idiom_does_not_hide_an_urgent_phrase_beside_it() -> None:
    found = LIBRARY.crisis_signal("lol my mum will kill me. honestly i want to die")
    assert found is not None and found.kinds == {S}
    found = LIBRARY.crisis_signal("me quiero morir de la vergüenza... no, en serio, no aguanto más")
    assert found is not None and found.kinds == {S}
