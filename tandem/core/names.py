"""Russian names in the cases a sentence needs: «Анна Ивановна учит Петра Сергеевича».

pytrovich (a port of petrovich) declines names, surnames and patronymics; the gender
comes from the patronymic, or the first name when there is none.
"""

from functools import lru_cache

from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, Gender, NamePart
from pytrovich.maker import PetrovichDeclinationMaker

_maker = PetrovichDeclinationMaker()
_detector = PetrovichGenderDetector()

CASES = {"nominative": None, "genitive": Case.GENITIVE, "dative": Case.DATIVE,
         "accusative": Case.ACCUSATIVE, "instrumental": Case.INSTRUMENTAL,
         "prepositional": Case.PREPOSITIONAL}


@lru_cache(maxsize=4096)
def _gender(name: str, patronymic: str) -> Gender:
    try:
        return _detector.detect(firstname=name or None, middlename=patronymic or None)
    except (ValueError, KeyError, AttributeError):
        return Gender.ANDROGYNOUS


@lru_cache(maxsize=4096)
def _decline(part: NamePart, gender: Gender, case: str, word: str) -> str:
    target = CASES[case]
    if target is None or not word:
        return word
    try:
        # Double-barrelled names decline part by part.
        return "-".join(_maker.make(part, gender, target, w) for w in word.split("-"))
    except (ValueError, KeyError, AttributeError, IndexError):
        return word


def name_patronymic(name: str, patronymic: str, case: str = "nominative") -> str:
    """«Анна Ивановна» in the given case."""
    gender = _gender(name, patronymic)
    parts = [_decline(NamePart.FIRSTNAME, gender, case, name),
             _decline(NamePart.MIDDLENAME, gender, case, patronymic)]
    return " ".join(p for p in parts if p)


def full_name(surname: str, name: str, patronymic: str, case: str = "nominative") -> str:
    """«Иванова Анна Ивановна» in the given case."""
    gender = _gender(name, patronymic)
    return " ".join(p for p in (_decline(NamePart.LASTNAME, gender, case, surname),
                                name_patronymic(name, patronymic, case)) if p)


def is_female(name: str, patronymic: str) -> bool | None:
    """True for a woman, False for a man, None when the name does not tell — so that a
    sentence can say «отказалась» or «отказался» (and both forms when unknown)."""
    gender = _gender(name, patronymic)
    return {Gender.FEMALE: True, Gender.MALE: False}.get(gender)


def by_gender(name: str, patronymic: str, female: str, male: str, unknown: str) -> str:
    """The word that agrees with the person: «отказалась» / «отказался» / both."""
    female_or_not = is_female(name, patronymic)
    if female_or_not is None:
        return unknown
    return female if female_or_not else male
