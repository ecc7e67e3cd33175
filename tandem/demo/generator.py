"""A deterministic, realistic demo region, generated without Django.

Everything is drawn from one ``random.Random(seed)``, so the same seed gives the same
region. The names of the region, its towns and organizations are made up; e-mails are
under example.org.
"""

import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

REGION = ("Приреченская область (демо)", "demo")
REGION_TIME_ZONE = "Asia/Yekaterinburg"  # the demo region lives on Tyumen's clock (UTC+5)
# The other regions of a demo country (``seed-demo --regions R``): made-up names, each on
# a clock of its own; their towns and organizations repeat the first region's, with codes
# suffixed «-rN».
MORE_REGIONS = [("Заозёрная область", "Europe/Moscow"),
                ("Северогорский край", "Asia/Krasnoyarsk"),
                ("Луговская область", "Europe/Samara"),
                ("Ключевская республика", "Asia/Novosibirsk"),
                ("Верхнекамская область", "Asia/Yekaterinburg"),
                ("Степная область", "Asia/Omsk"),
                ("Озёрский край", "Asia/Irkutsk"),
                ("Лесногорская область", "Europe/Kaliningrad"),
                ("Светлореченская область", "Asia/Yakutsk"),
                ("Кедровый край", "Asia/Vladivostok"),
                ("Южноуральская область", "Asia/Yekaterinburg"),
                ("Белогорская республика", "Asia/Magadan")]


def region_names(index: int) -> tuple[str, str, str, str]:
    """The name, the code, the code suffix and the time zone of the ``index``-th demo
    region (from 1)."""
    if index == 1:
        return REGION[0], REGION[1], "", REGION_TIME_ZONE
    name, zone = MORE_REGIONS[(index - 2) % len(MORE_REGIONS)]
    if index - 2 >= len(MORE_REGIONS):
        name = f"{name} {(index - 2) // len(MORE_REGIONS) + 1}"
    return f"{name} (демо)", f"demo-r{index}", f"-r{index}", zone

# (code, name, kind, weight of its staff in the region)
MUNICIPALITIES = [
    ("prirechensk", "город Приреченск", "city", 0.50),
    ("zarechinsk", "город Заречинск", "city", 0.17),
    ("ishimovsky", "Ишимовский муниципальный район", "district", 0.12),
    ("berezovsky", "Берёзовский муниципальный округ", "okrug", 0.11),
    ("sosnovsky", "Сосновский муниципальный район", "district", 0.10),
]

# (municipality code, code, short name, full name, sector, relative size)
ORGANIZATIONS = [
    ("prirechensk", "orbita", "ДТиС «Орбита»",
     "ГАУ ДО «Дворец творчества и спорта «Орбита»", "supplementary", 5),
    ("prirechensk", "school-5", "СОШ № 5", "МАОУ «Средняя общеобразовательная школа № 5»",
     "school", 4),
    ("prirechensk", "gymnasium-12", "Гимназия № 12", "МАОУ «Гимназия № 12»", "school", 4),
    ("prirechensk", "raduga", "ДДТ «Радуга»", "МАУ ДО «Дом детского творчества «Радуга»",
     "supplementary", 2),
    ("prirechensk", "sshor-3", "СШОР № 3",
     "МАУ ДО «Спортивная школа олимпийского резерва № 3»", "sport", 2),
    ("prirechensk", "sovremennik", "ЦКД «Современник»",
     "МАУК «Центр культуры и досуга «Современник»", "culture", 1),
    ("prirechensk", "impuls", "МЦ «Импульс»", "МАУ «Молодёжный центр «Импульс»", "youth", 1),
    ("prirechensk", "ped-college", "Педагогический колледж",
     "ГАПОУ «Приреченский педагогический колледж»", "college", 2),
    ("prirechensk", "ds-41", "Детский сад № 41", "МАДОУ «Детский сад № 41»", "kindergarten", 1),
    ("zarechinsk", "zar-school-2", "СОШ № 2 г. Заречинска",
     "МАОУ «Средняя общеобразовательная школа № 2 г. Заречинска»", "school", 3),
    ("zarechinsk", "masterskaya", "ЦДО «Мастерская»",
     "МАУ ДО «Центр дополнительного образования «Мастерская»", "supplementary", 2),
    ("zarechinsk", "zar-dyussh", "ДЮСШ г. Заречинска",
     "МАУ ДО «Детско-юношеская спортивная школа г. Заречинска»", "sport", 1),
    ("ishimovsky", "ishim-school", "Ишимовская СОШ",
     "МАОУ «Ишимовская средняя общеобразовательная школа»", "school", 3),
    ("ishimovsky", "ishim-ddt", "Ишимовский ДТ", "МАУ ДО «Ишимовский районный Дом творчества»",
     "supplementary", 1),
    ("berezovsky", "berez-school-1", "Берёзовская СОШ № 1",
     "МАОУ «Берёзовская средняя общеобразовательная школа № 1»", "school", 3),
    ("berezovsky", "berez-dk", "Берёзовский ДК", "МАУК «Берёзовский районный Дом культуры»",
     "culture", 1),
    ("sosnovsky", "sosn-school", "Сосновская СОШ",
     "МАОУ «Сосновская средняя общеобразовательная школа»", "school", 3),
    ("sosnovsky", "sosn-youth", "Сосновский МЦ", "МАУ «Сосновский молодёжный центр»", "youth", 1),
    ("sosnovsky", "sosn-ds", "Детский сад «Солнышко»",
     "МАДОУ «Сосновский детский сад «Солнышко»", "kindergarten", 1),
]

# Every organization gets at least five people.
MIN_PARTICIPANTS = 5 * len(ORGANIZATIONS)

# (position, [subjects or directions]) by sector; the first entry is the most common.
POSITIONS: dict[str, list[tuple[str, list[str]]]] = {
    "school": [
        ("учитель", ["математика", "русский язык и литература", "история и обществознание",
                     "физика", "информатика", "начальные классы", "английский язык",
                     "биология", "химия", "география", "физическая культура", "технология",
                     "музыка", "изобразительное искусство"]),
        ("педагог дополнительного образования", ["робототехника", "школьный театр",
                                                 "школьный медиацентр"]),
        ("педагог-организатор", ["воспитательная работа"]),
        ("социальный педагог", [""]),
        ("педагог-психолог", [""]),
        ("советник директора по воспитанию", ["воспитательная работа"]),
    ],
    "supplementary": [
        ("педагог дополнительного образования", [
            "робототехника", "хореография", "изобразительное искусство", "вокал",
            "театральное творчество", "шахматы", "туризм и краеведение", "программирование",
            "медиа и журналистика", "декоративно-прикладное творчество", "3D-моделирование",
            "английский язык", "экология"]),
        ("методист", ["методическая работа"]),
        ("педагог-организатор", ["массовые мероприятия"]),
        ("концертмейстер", ["музыкальное сопровождение"]),
    ],
    "sport": [
        ("тренер-преподаватель", ["футбол", "лёгкая атлетика", "плавание", "лыжные гонки",
                                  "дзюдо", "волейбол", "самбо", "баскетбол", "хоккей"]),
        ("инструктор-методист", ["методическая работа"]),
    ],
    "culture": [
        ("руководитель клубного формирования", ["народный хор", "театральная студия",
                                                "вокальный ансамбль", "хореография"]),
        ("методист", ["культурно-досуговая деятельность"]),
        ("хормейстер", ["хоровое пение"]),
    ],
    "youth": [
        ("специалист по работе с молодёжью", ["добровольчество", "молодёжные медиа",
                                              "патриотическое воспитание", "профориентация"]),
        ("педагог-организатор", ["молодёжные проекты"]),
        ("методист", ["методическая работа"]),
    ],
    "college": [
        ("преподаватель", ["педагогика и психология", "методика дошкольного образования",
                           "информационные технологии", "русский язык",
                           "иностранный язык", "физическая культура"]),
        ("мастер производственного обучения", ["педагогическая практика"]),
        ("методист", ["методическая работа"]),
    ],
    "kindergarten": [
        ("воспитатель", [""]),
        ("музыкальный руководитель", ["музыка"]),
        ("инструктор по физической культуре", ["физическое развитие"]),
        ("учитель-логопед", ["логопедия"]),
        ("педагог-психолог", [""]),
    ],
}
DEPUTY = ("заместитель директора по учебно-воспитательной работе", "методическая работа")

# Surname in its masculine form; the feminine is formed by the usual rules.
SURNAMES = [
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов",
    "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв",
    "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв",
    "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров",
    "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов",
    "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов",
    "Гаврилов", "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев",
    "Фомин", "Чернов", "Абрамов", "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров",
    "Калинин", "Исаев", "Чернышёв", "Быков", "Маслов", "Родионов", "Коновалов", "Лазарев",
    "Воронин", "Климов", "Филатов", "Пономарёв", "Голубев", "Кудрявцев", "Прохоров",
    "Наумов", "Потапов", "Журавлёв", "Овчинников", "Трофимов", "Леонов", "Соболев",
    "Ермаков", "Колесников", "Гончаров", "Емельянов", "Никифоров", "Грачёв", "Котов",
    "Гришин", "Ефремов", "Архипов", "Громов", "Кириллов", "Малышев", "Панов", "Моисеев",
    "Румянцев", "Акимов", "Кондратьев", "Бирюков", "Горбунов", "Анисимов", "Ерёмин",
    "Тихомиров", "Галкин", "Лукьянов", "Михеев", "Скворцов", "Юдин", "Белоусов", "Нестеров",
    "Симонов", "Прокофьев", "Харитонов", "Князев", "Цветков", "Левин", "Митрофанов",
    "Воронцов", "Рябов", "Полежаев", "Зуев", "Савин", "Лаптев", "Брагин", "Жданов",
    "Островский", "Вишневский", "Ковальский", "Шевченко", "Бондаренко", "Кравченко",
    "Ткаченко", "Мельник", "Коваль", "Руденко", "Литвиненко", "Гордиенко",
]
MALE_NAMES = [
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Валерий",
    "Василий", "Виктор", "Владимир", "Владислав", "Вячеслав", "Геннадий", "Георгий",
    "Даниил", "Денис", "Дмитрий", "Евгений", "Егор", "Иван", "Игорь", "Илья", "Кирилл",
    "Константин", "Леонид", "Максим", "Матвей", "Михаил", "Никита", "Николай", "Олег",
    "Павел", "Роман", "Руслан", "Сергей", "Станислав", "Степан", "Тимофей", "Юрий",
    "Ярослав",
]
FEMALE_NAMES = [
    "Александра", "Алина", "Алёна", "Анастасия", "Анна", "Валентина", "Валерия", "Вера",
    "Виктория", "Галина", "Дарья", "Диана", "Евгения", "Екатерина", "Елена", "Елизавета",
    "Жанна", "Зоя", "Ирина", "Карина", "Кристина", "Ксения", "Лариса", "Любовь", "Людмила",
    "Маргарита", "Марина", "Мария", "Надежда", "Наталья", "Нина", "Оксана", "Ольга",
    "Полина", "Светлана", "Софья", "Татьяна", "Ульяна", "Юлия", "Яна",
]
# Fathers' names with the patronymic forms (masculine, feminine).
PATRONYMICS = [
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"),
    ("Анатольевич", "Анатольевна"), ("Андреевич", "Андреевна"), ("Борисович", "Борисовна"),
    ("Васильевич", "Васильевна"), ("Викторович", "Викторовна"),
    ("Владимирович", "Владимировна"), ("Геннадьевич", "Геннадьевна"),
    ("Дмитриевич", "Дмитриевна"), ("Евгеньевич", "Евгеньевна"), ("Иванович", "Ивановна"),
    ("Игоревич", "Игоревна"), ("Константинович", "Константиновна"),
    ("Михайлович", "Михайловна"), ("Николаевич", "Николаевна"), ("Олегович", "Олеговна"),
    ("Павлович", "Павловна"), ("Петрович", "Петровна"), ("Романович", "Романовна"),
    ("Сергеевич", "Сергеевна"), ("Юрьевич", "Юрьевна"), ("Валерьевич", "Валерьевна"),
    ("Вячеславович", "Вячеславовна"), ("Максимович", "Максимовна"),
]

# Age bands with their age range and share of staff: reverse mentoring needs both
# young specialists and experienced teachers, and real staff lists have both humps.
AGE_BANDS = [
    ("u25", 21, 24, 0.13), ("25-34", 25, 34, 0.22), ("35-44", 35, 44, 0.20),
    ("45-54", 45, 54, 0.20), ("55-64", 55, 64, 0.19), ("65+", 65, 72, 0.06),
]
FEMALE_SHARE = {"school": 0.82, "supplementary": 0.72, "sport": 0.35, "culture": 0.75,
                "youth": 0.6, "college": 0.78, "kindergarten": 0.97}

_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
     "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True,
))


def transliterate(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())


def feminine_surname(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return surname + "а"
    if surname.endswith("ский"):
        return surname[:-4] + "ская"
    return surname  # -енко, -ук, -ль and the like do not change


@dataclass(frozen=True)
class DemoPerson:
    organization_code: str
    surname: str
    name: str
    patronymic: str
    female: bool
    position: str
    subject: str
    experience_years: int
    age_band: str
    email: str
    has_mentoring_consent: bool
    has_pd_consent: bool
    is_deputy: bool


def _weighted(rng: random.Random, items: list[tuple[str, list[str]]]) -> tuple[str, str]:
    # The first position of a sector is by far the most common one.
    weights = [6.0] + [1.0] * (len(items) - 1)
    position, subjects = rng.choices(items, weights=weights)[0]
    return position, rng.choice(subjects)


def organization_sizes(total: int) -> dict[str, int]:
    """Splits ``total`` people over the organizations of the region's territory
    (``territory``): up to ``NAMED_CAPACITY`` over the named ones, each getting at least 5;
    past it, the named ones full and the rest over further organizations."""
    return territory(total).sizes


def _named_sizes(total: int) -> dict[str, int]:
    """Splits ``total`` people over the named organizations, each getting at least 5."""
    by_mun = {code: weight for code, _n, _k, weight in MUNICIPALITIES}
    raw = {}
    for mun, code, *_rest, size in ORGANIZATIONS:
        mun_total = sum(s for m, *_r, s in ORGANIZATIONS if m == mun)
        raw[code] = by_mun[mun] * size / mun_total
    scale = total / sum(raw.values())
    sizes = {code: max(5, int(share * scale)) for code, share in raw.items()}
    # Hand out what rounding left (or take back what the minimum added), biggest first.
    diff = total - sum(sizes.values())
    order = sorted(sizes, key=lambda c: (-raw[c], c))
    i = 0
    while diff != 0 and order:
        code = order[i % len(order)]
        if diff > 0:
            sizes[code] += 1
            diff -= 1
        elif sizes[code] > 5:
            sizes[code] -= 1
            diff += 1
        i += 1
        if i > 10 * len(order) * max(1, abs(diff)):
            break
    return sizes


# -- the territory grows with the region ------------------------------------------------
# A school has some 30–120 teachers, a kindergarten or a youth centre fewer, a college
# more: the named organizations are full at STAFF_PER_SIZE people per unit of their
# relative size (the «Орбита» palace 150, a school 90–120, a kindergarten 30), and a
# region past that gets further organizations of those sizes (about 55 people on
# average), about ORGANIZATIONS_PER_MUNICIPALITY to a municipality: 300,000 people are
# some 5,400 organizations in some 57 municipalities, not 19 organizations of thousands.
STAFF_PER_SIZE = 30
NAMED_CAPACITY = STAFF_PER_SIZE * sum(o[5] for o in ORGANIZATIONS)  # 1,230
ORGANIZATIONS_PER_MUNICIPALITY = 95
# (sector, share of the further organizations, fewest, most, most common staff)
FURTHER_SECTORS = [
    ("school", 0.50, 30, 120, 70), ("kindergarten", 0.20, 15, 45, 25),
    ("supplementary", 0.12, 20, 90, 40), ("sport", 0.07, 15, 60, 30),
    ("culture", 0.05, 10, 40, 20), ("youth", 0.03, 8, 30, 15),
    ("college", 0.03, 40, 150, 80),
]
# Of the further organizations, about this share has its initial round still open (no
# pairs yet), and about this share has started the final round — near the named ones'
# shares of people at 300,000 (10 % and 29 %).
FURTHER_STILL_OPEN = 0.10
FURTHER_WITH_FINAL = 0.28
# The further municipalities' names: (town, adjective of its district). Made up.
PLACES = [
    ("Каменка", "Каменский"), ("Белоярск", "Белоярский"), ("Светлогорье", "Светлогорский"),
    ("Сосновка", "Сосновоборский"), ("Краснополье", "Краснопольский"),
    ("Ольховка", "Ольховский"), ("Дубровка", "Дубровский"), ("Заречное", "Заречный"),
    ("Луговое", "Луговской"), ("Ясногорск", "Ясногорский"), ("Озёрск", "Озёрский"),
    ("Рябиновка", "Рябиновский"), ("Кедровка", "Кедровский"), ("Тополиное", "Тополинский"),
    ("Черёмушки", "Черёмуховский"), ("Новоселье", "Новосельский"),
    ("Покровское", "Покровский"), ("Троицк", "Троицкий"), ("Никольское", "Никольский"),
    ("Высокогорье", "Высокогорский"), ("Ключи", "Ключевской"), ("Родники", "Родниковский"),
    ("Малиновка", "Малиновский"), ("Калиновка", "Калиновский"), ("Вишнёвка", "Вишнёвский"),
    ("Боровое", "Боровской"), ("Липовка", "Липовский"), ("Ракитное", "Ракитянский"),
    ("Медведево", "Медведевский"), ("Лосиное", "Лосинский"), ("Орловка", "Орловский"),
    ("Соколовка", "Соколовский"), ("Журавлёвка", "Журавлёвский"),
    ("Лебяжье", "Лебяжьевский"), ("Гусиное", "Гусиноозёрский"), ("Бобровка", "Бобровский"),
    ("Песчаное", "Песчанский"), ("Глинка", "Глинковский"), ("Каменный Брод", "Бродовский"),
    ("Верхние Поляны", "Верхнеполянский"), ("Нижняя Тура", "Нижнетуринский"),
    ("Старица", "Старицкий"), ("Новогорск", "Новогорский"), ("Солнечное", "Солнечный"),
    ("Ветлуга", "Ветлужский"), ("Уральское", "Уральский"), ("Таёжный", "Таёжный"),
    ("Полевое", "Полевской"), ("Степное", "Степновский"), ("Яровое", "Яровской"),
    ("Мирный", "Мирнинский"), ("Заозёрье", "Заозёрский"), ("Приволье", "Привольский"),
    ("Дивногорье", "Дивногорский"), ("Красный Яр", "Красноярский"),
    ("Берёзовка", "Берёзовский"),
]
# The named municipalities' towns, for the further organizations' short names there.
NAMED_TOWNS = {"prirechensk": "Приреченск", "zarechinsk": "Заречинск",
               "ishimovsky": "Ишимово", "berezovsky": "Берёзово", "sosnovsky": "Сосновка"}
# How each sector's further organizations are named: (short, full) with № n.
FURTHER_NAMES = {
    "school": ("СОШ № {n}", "МАОУ «Средняя общеобразовательная школа № {n}»"),
    "kindergarten": ("Детский сад № {n}", "МАДОУ «Детский сад № {n}»"),
    "supplementary": ("ЦДО № {n}", "МАУ ДО «Центр дополнительного образования № {n}»"),
    "sport": ("СШ № {n}", "МАУ ДО «Спортивная школа № {n}»"),
    "culture": ("ДК № {n}", "МАУК «Дом культуры № {n}»"),
    "youth": ("МЦ № {n}", "МАУ «Молодёжный центр № {n}»"),
    "college": ("Колледж № {n}", "ГАПОУ «Колледж № {n}»"),
}


@dataclass(frozen=True)
class Territory:
    """The demo region's units for ``total`` people: municipalities as (code, name,
    kind), organizations as (municipality code, code, short name, full name, sector),
    the people of each organization, and the organizations whose initial round is still
    open and those with a final round (for the further ones; the named ones' are
    tandem.demo.services')."""

    municipalities: list[tuple[str, str, str]]
    organizations: list[tuple[str, str, str, str, str]]
    sizes: dict[str, int]
    still_open: frozenset[str]
    with_final: frozenset[str]


def territory(total: int) -> Territory:
    """The territory of a demo region of ``total`` people — the same for the same total
    (its draws are its own, not the seed's: every seed of a size gives the same units).
    Up to ``NAMED_CAPACITY`` people: the five named municipalities and 19 named
    organizations, split as they always were; past it, the named ones full and further
    organizations of realistic sizes, in the named municipalities and further ones."""
    municipalities = [(code, name, kind) for code, name, kind, _w in MUNICIPALITIES]
    organizations = [(m, code, short, full, sector)
                     for m, code, short, full, sector, _s in ORGANIZATIONS]
    if total < NAMED_CAPACITY + FURTHER_SECTORS[0][2]:
        return Territory(municipalities, organizations, _named_sizes(total),
                         frozenset(), frozenset())
    sizes = {code: STAFF_PER_SIZE * size for _m, code, *_r, size in ORGANIZATIONS}
    rng = random.Random(f"territory {total}")
    rest = total - NAMED_CAPACITY
    # Draw organizations until their staff covers the rest, then scale to it exactly.
    drawn: list[tuple[str, float]] = []
    covered = 0.0
    shares = [s[1] for s in FURTHER_SECTORS]
    while covered < rest:
        sector, _share, low, high, mode = rng.choices(FURTHER_SECTORS, weights=shares)[0]
        staff = rng.triangular(low, high, mode)
        if drawn and covered + staff / 2 > rest:
            break  # nearer the rest without it: the others take up what is left
        drawn.append((sector, staff))
        covered += staff
    scale = rest / covered
    staff_of = [max(5, int(staff * scale)) for _sector, staff in drawn]
    left = rest - sum(staff_of)
    for i in itertools.cycle(range(len(staff_of))):  # what rounding left, one by one
        if left == 0:
            break
        step = 1 if left > 0 else -1
        if staff_of[i] + step >= 5:
            staff_of[i] += step
            left -= step
    count = max(len(MUNICIPALITIES),
                round((len(drawn) + len(ORGANIZATIONS)) / ORGANIZATIONS_PER_MUNICIPALITY))
    # Further municipalities: a district, an okrug or a town, each its own weight (how
    # many of the further organizations it has); the capital has the most.
    weights = [3.0 if kind == "city" else 1.0 for _c, _n, kind in municipalities]
    towns: dict[str, str] = {}
    for k in range(count - len(MUNICIPALITIES)):
        town, adjective = PLACES[k % len(PLACES)]
        lap = k // len(PLACES)
        number = f" {lap + 1}" if lap else ""
        kind = rng.choices(["district", "okrug", "city"], weights=[0.6, 0.3, 0.1])[0]
        name = (f"город {town}{number}" if kind == "city" else
                f"{adjective} муниципальный {'район' if kind == 'district' else 'округ'}"
                f"{number}")
        municipalities.append((f"m{k + 1:02d}", name, kind))
        towns[f"m{k + 1:02d}"] = f"{town}{number}"
        weights.append(rng.uniform(0.5, 1.5) * (1.6 if kind == "city" else 1.0))
    numbers: dict[tuple[str, str], int] = {}
    still_open, with_final = set(), set()
    for (sector, _staff), staff in zip(drawn, staff_of, strict=True):
        mun = rng.choices(municipalities, weights=weights)[0][0]
        # Numbered from 1 in a further municipality, after the named ones' numbers (№ 41
        # at most) in a named one.
        first = 0 if mun not in NAMED_TOWNS else 50
        n = numbers[(mun, sector)] = numbers.get((mun, sector), first) + 1
        code = f"{mun}-{sector}-{n}"
        short, full = (x.format(n=n) for x in FURTHER_NAMES[sector])
        organizations.append((mun, code, f"{short}, {towns.get(mun, NAMED_TOWNS.get(mun))}",
                              full, sector))
        sizes[code] = staff
        stage = rng.random()
        if stage < FURTHER_STILL_OPEN:
            still_open.add(code)
        elif stage < FURTHER_STILL_OPEN + FURTHER_WITH_FINAL:
            with_final.add(code)
    return Territory(municipalities, organizations, sizes, frozenset(still_open),
                     frozenset(with_final))


def people(total: int, seed: int, domain: str = "example.org") -> Iterator[DemoPerson]:
    """Yields ``total`` people spread over the organizations, the same for the same seed;
    e-mails under ``domain`` (each demo region its own, as e-mails are unique)."""
    rng = random.Random(seed)
    land = territory(total)
    sectors = {code: sector for _m, code, _s, _n, sector in land.organizations}
    emails: set[str] = set()
    for org_code, size in land.sizes.items():
        sector = sectors[org_code]
        for index in range(size):
            female = rng.random() < FEMALE_SHARE[sector]
            surname = rng.choice(SURNAMES)
            if female:
                surname = feminine_surname(surname)
            name = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
            patronymic = rng.choice(PATRONYMICS)[1 if female else 0]
            band, low, high, _share = rng.choices(AGE_BANDS, weights=[b[3] for b in AGE_BANDS])[0]
            age = rng.randint(low, high)
            # Most start teaching at 20–25; some come later from another career.
            start = min(age, rng.choice([20, 21, 22, 22, 23, 24, 25, 27, 30, 35]))
            experience = max(0, min(60, age - start - rng.choice([0, 0, 0, 1, 2, 5])))
            is_deputy = index == 0
            if is_deputy:
                position, subject = DEPUTY
                experience = max(experience, 12)
                band = band if band not in ("u25", "25-34") else "45-54"
            else:
                position, subject = _weighted(rng, POSITIONS[sector])
            initials = transliterate(name[0]) + transliterate(patronymic[0])
            base = f"{transliterate(surname)}.{initials}"
            email, n = f"{base}@{domain}", 1
            while email in emails:
                n += 1
                email = f"{base}{n}@{domain}"
            emails.add(email)
            consent = rng.random() < 0.88
            yield DemoPerson(
                organization_code=org_code, surname=surname, name=name, patronymic=patronymic,
                female=female, position=position, subject=subject, experience_years=experience,
                age_band=band, email=email, has_mentoring_consent=consent,
                has_pd_consent=consent or rng.random() < 0.5, is_deputy=is_deputy,
            )


# -- diagnostics ---------------------------------------------------------------------
YOUNG_BANDS = {"u25", "25-34"}
SENIOR_BANDS = {"45-54", "55-64", "65+"}


class DemoAnswer(NamedTuple):
    # A tuple, not a frozen dataclass: seed-demo makes millions of them.
    code: str
    level: int
    can_teach: bool
    wants_to_learn: bool
    priority: int | None


def _cumulative(weights: list[int]) -> tuple[list[int], float]:
    return list(itertools.accumulate(weights)), float(sum(weights))


# (cumulative weights, total) of levels 0–3 by (young, senior, direction): what
# ``rng.choices(range(4), weights=…)`` computes on every call, computed once.
_LEVEL_WEIGHTS = {
    (young, senior, direction): _cumulative(
        ([1, 2, 4, 4] if young else ([5, 4, 2, 1] if senior else [2, 3, 3, 2]))
        if direction == "young_to_experienced" else
        ([5, 4, 2, 1] if young else ([1, 2, 4, 4] if senior else [2, 3, 3, 2]))
        if direction == "experienced_to_young" else [2, 3, 3, 2])
    for young in (False, True) for senior in (False, True)
    for direction in ("young_to_experienced", "experienced_to_young", "both")}


# The same sums by band and direction, as the three thresholds a draw is compared with
# (``bisect`` over the first three sums is counting the sums the draw reached) and the
# total; an unknown direction draws like "both" of a middle-aged person, as above.
_THRESHOLDS = {
    (young, senior): {direction: (*_LEVEL_WEIGHTS[(young, senior, direction)][0][:3],
                                  _LEVEL_WEIGHTS[(young, senior, direction)][1])
                      for direction in ("young_to_experienced", "experienced_to_young", "both")}
    for young in (False, True) for senior in (False, True)}
_UNKNOWN_DIRECTION = _THRESHOLDS[(False, False)]["both"]


def answers_for(band: str, competencies: list[tuple[str, str]], seed: int) -> list[DemoAnswer]:
    """A plausible self-assessment: ``competencies`` are (code, typical_direction).

    Called for every questionnaire of seed-demo (millions of answers), so the draws
    of the level (young people lean strong in digital, experienced ones in methodology)
    and of the can-teach / wants-to-learn coins are written out here: the same calls of
    ``rng.random()`` in the same order as ``rng.choices(range(4), weights=…)`` and the
    coins would make, hence the same answers for the same seed
    (tandem/demo/tests/test_seed_demo.py compares with that plain version)."""
    rng = random.Random(seed)
    draw = rng.random
    thresholds = _THRESHOLDS[(band in YOUNG_BANDS, band in SENIOR_BANDS)]
    raw = []
    for code, direction in competencies:
        first, second, third, total = thresholds.get(direction, _UNKNOWN_DIRECTION)
        x = draw() * total
        if x >= third:
            raw.append((code, 3, True, False))
        elif x >= second:  # level 2: may teach; a few want to grow further
            can = draw() < 0.4
            raw.append((code, 2, can, draw() < 0.15))
        else:
            raw.append((code, 1 if x >= first else 0, False, draw() < 0.7))
    wishes = [code for code, level, _c, want in raw if want and level < 3]
    rng.shuffle(wishes)
    priority = {code: i + 1 for i, code in enumerate(sorted(wishes[:3]))}
    return [DemoAnswer(code, level, can, want, priority.get(code))
            for code, level, can, want in raw]


def improved(answers: list[DemoAnswer], seed: int) -> list[DemoAnswer]:
    """The same person at the final round: most deficits grew by one or two levels."""
    rng = random.Random(seed)
    result = []
    for a in answers:
        level = a.level
        if a.wants_to_learn or a.level <= 1:
            level = min(3, level + rng.choice([0, 1, 1, 2]))
        elif rng.random() < 0.1:
            level = min(3, level + 1)
        result.append(DemoAnswer(a.code, level, level == 3 or a.can_teach,
                                 a.wants_to_learn and level < 2, None))
    return result


# -- resource catalogue (every name and link here is made up) -------------------------
# (level, owner code: region / municipality / organization, kind, title, format,
#  competency codes, description)
RESOURCES = [
    ("federal", "demo", "platform", "Платформа цифровых образовательных ресурсов (пример)",
     "online", ["ict.edu_platforms", "ict.online_tests"],
     "Каталог интерактивных заданий и курсов; личный кабинет педагога."),
    ("federal", "demo", "course", "КПК «Искусственный интеллект в работе педагога» (пример)",
     "online", ["ict.ai_lessons", "ict.info_security"], "36 часов, дистанционно."),
    ("federal", "demo", "webinar", "Цикл вебинаров «Наставничество: от модели к практике»",
     "online", ["comm.mentoring", "comm.feedback", "legal.labour_law"],
     "Ежемесячно; записи доступны после эфира."),
    ("federal", "demo", "material", "Методические рекомендации по разработке ДООП (пример)",
     "online", ["method.program_docs", "legal.education_law"],
     "Структура программы, планируемые результаты, оценочные материалы."),
    ("region", "demo", "event", "Областная школа наставников (демо)", "mixed",
     ["comm.mentoring", "comm.feedback", "research.experience_sharing"],
     "Семинары, проектные сессии и практикумы для пар и кураторов."),
    ("region", "demo", "course", "КПК «Реверсивное наставничество в образовательной "
     "организации»", "mixed", ["comm.mentoring", "method.technologies"],
     "24 часа; практикум по составлению индивидуальной карты наставничества."),
    ("region", "demo", "internship", "Стажировочная площадка «Цифровая мастерская» "
     "(ДТиС «Орбита»)", "offline",
     ["ict.video_content", "ict.gamification", "ict.subject_digital"],
     "Открытые занятия и стажировки по цифровым инструментам допобразования."),
    ("region", "demo", "community", "Региональное сообщество педагогов доп. образования",
     "online", ["research.experience_sharing", "comm.partnership", "subject.trends"],
     "Чат и ежеквартальные встречи; обмен разработками."),
    ("region", "demo", "webinar", "Вебинар «Работа с родителями в мессенджерах»", "online",
     ["comm.parents", "ict.social_media", "ict.info_security"], "Запись и памятка."),
    ("region", "demo", "course", "КПК «Инклюзивное дополнительное образование»", "mixed",
     ["psych.inclusion", "legal.child_rights"], "48 часов, очно-заочно."),
    ("region", "demo", "material", "Банк кейсов по профилактике выгорания", "online",
     ["psych.burnout"], "Кейсы, упражнения, чек-листы самодиагностики."),
    ("region", "demo", "event", "Конкурс методических разработок (демо)", "mixed",
     ["research.experience_sharing", "method.materials"], "Ежегодно, весной."),
    ("municipality", "prirechensk", "association", "ГМО педагогов дополнительного "
     "образования г. Приреченска", "offline",
     ["method.lesson_design", "method.assessment", "legal.certification"],
     "Заседания раз в четверть; открытые занятия."),
    ("municipality", "prirechensk", "webinar", "Городской марафон «Геймификация на занятии»",
     "online", ["ict.gamification", "psych.motivation"], "Пять встреч по 45 минут."),
    ("municipality", "prirechensk", "event", "Городской фестиваль открытых занятий",
     "offline", ["method.lesson_design", "research.experience_sharing"], "Ноябрь."),
    ("municipality", "zarechinsk", "association", "Методическое объединение классных "
     "руководителей г. Заречинска", "offline", ["psych.upbringing", "comm.parents"],
     "Раз в месяц."),
    ("municipality", "zarechinsk", "course", "Практикум «Видео для кружка за один вечер»",
     "offline", ["ict.video_content", "ict.social_media"], "Три встречи по два часа."),
    ("municipality", "ishimovsky", "community", "Сетевое сообщество сельских педагогов",
     "online", ["comm.partnership", "ict.edu_platforms"], "Онлайн-встречи по субботам."),
    ("municipality", "berezovsky", "association", "РМО педагогов культуры и досуга",
     "offline", ["method.leisure", "subject.competitions"], "Раз в квартал."),
    ("municipality", "sosnovsky", "webinar", "Правовой час: безопасность детей на выездах",
     "online", ["legal.safety", "legal.child_rights"], "Запись и шаблоны документов."),
    ("organization", "orbita", "material", "Методическая копилка «Орбиты»", "online",
     ["method.materials", "method.lesson_design"], "Сценарии занятий и раздаточные материалы."),
    ("organization", "orbita", "event", "Педагогическая мастерская: обмен опытом пар",
     "offline", ["comm.mentoring", "research.practice_analysis"], "Раз в месяц, по средам."),
    ("organization", "school-5", "association", "ШМО «Цифровая школа»", "offline",
     ["ict.office_cloud", "ict.online_tests"], "Практические занятия после уроков."),
    ("organization", "gymnasium-12", "material", "Памятка для родителей: цифровая "
     "безопасность", "online", ["ict.info_security", "comm.parents"], "PDF на одну страницу."),
    ("organization", "sshor-3", "event", "Тренерский совет: подготовка к соревнованиям",
     "offline", ["subject.competitions", "legal.safety"], "Перед каждым стартом сезона."),
]
