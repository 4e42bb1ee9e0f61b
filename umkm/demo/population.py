"""The true businesses behind every source row.

`build_population` draws N Banten businesses (or out-of-province sellers) with
all their true attributes in one vectorised pass; `plant_hard_cases` then
rewrites a few of them into the situations entity resolution finds hard:
shared generic names, a shared family phone, one owner with two businesses.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from umkm.demo import vocabulary as vocab
from umkm.demo.geography import KAB_SHARES
from umkm.demo.randomness import choose, choose_text, digit_strings, flags, unique_digit_strings

LEGAL_FORMS = ("Orang Perseorangan", "PT Perorangan", "CV", "PT", "Koperasi", "Firma")
LEGAL_FORM_WEIGHTS = (0.86, 0.045, 0.05, 0.025, 0.015, 0.005)
SIZE_CLASSES = ("Usaha Mikro", "Usaha Kecil", "Usaha Menengah", "Usaha Besar")
SIZE_WEIGHTS = (0.90, 0.08, 0.017, 0.003)
ADDRESS_KINDS = ("jl", "gg", "kp", "perum")
ADDRESS_KIND_WEIGHTS = (0.40, 0.15, 0.22, 0.23)
NAME_PATTERNS = (
    "product_honorific_owner",
    "product_adjective",
    "shopword_adjective",
    "product_place",
    "product_owner",
)
NAME_PATTERN_WEIGHTS = (0.35, 0.30, 0.15, 0.08, 0.12)


def _pick_villages(
    rng: np.random.Generator, villages: pd.DataFrame, size: int, kab_shares: dict[str, float] | None
) -> pd.DataFrame:
    """Villages for `size` businesses, kabupaten drawn by share, village uniform within it."""
    if kab_shares is None:
        rows = rng.integers(0, len(villages), size=size)
        return villages.iloc[rows].reset_index(drop=True)
    kab_codes = choose(rng, list(kab_shares), size, list(kab_shares.values()))
    grouped = villages.groupby("kab_code").indices
    rows = np.empty(size, dtype=np.int64)
    for kab_code, members in grouped.items():
        mask = kab_codes == kab_code
        rows[mask] = members[rng.integers(0, len(members), size=int(mask.sum()))]
    return villages.iloc[rows].reset_index(drop=True)


def _owner_names(rng: np.random.Generator, size: int) -> pd.DataFrame:
    """Gender, first/middle/last names and the full name of each owner."""
    female = flags(rng, size, 0.52)
    first = np.where(
        female,
        choose(rng, vocab.FEMALE_FIRST_NAMES, size),
        choose(rng, vocab.MALE_FIRST_NAMES, size),
    )
    middle = np.where(
        female,
        choose(rng, vocab.FEMALE_FIRST_NAMES, size),
        choose(rng, vocab.MALE_FIRST_NAMES, size),
    )
    last = np.where(
        female, choose(rng, vocab.FEMALE_LAST_NAMES, size), choose(rng, vocab.MALE_LAST_NAMES, size)
    )
    shape = rng.random(size)
    middle = np.where(shape < 0.22, middle, "")
    last = np.where(shape < 0.82, last, "")
    frame = pd.DataFrame(
        {
            "gender": np.where(female, "P", "L"),
            "owner_first": pd.Series(first, dtype="str"),
            "owner_middle": pd.Series(middle, dtype="str"),
            "owner_last": pd.Series(last, dtype="str"),
        }
    )
    frame["owner_name"] = (
        (frame["owner_first"] + " " + frame["owner_middle"] + " " + frame["owner_last"])
        .str.replace(r" +", " ", regex=True)
        .str.strip()
    )
    frame["owner_rest"] = frame["owner_name"].str.replace(r"^[^ ]+ ?", "", regex=True)
    return frame


def _birth_dates(rng: np.random.Generator, size: int) -> np.ndarray:
    """Birth dates between 1955 and 2004."""
    start = np.datetime64("1955-01-01")
    span = (np.datetime64("2004-12-31") - start).astype(int)
    return start + rng.integers(0, span, size=size).astype("timedelta64[D]")


def _nik(
    rng: np.random.Generator, kec_codes: pd.Series, births: np.ndarray, gender: pd.Series
) -> pd.Series:
    """16-digit NIK: kecamatan code, DDMMYY (+40 on DD for women), 4-digit serial."""
    dates = pd.DatetimeIndex(births)
    day = (
        pd.Series(dates.day + np.where(gender.to_numpy() == "P", 40, 0)).astype("str").str.zfill(2)
    )
    month = pd.Series(dates.month).astype("str").str.zfill(2)
    year = pd.Series(dates.year % 100).astype("str").str.zfill(2)
    serial = pd.Series(rng.integers(1, 3000, size=len(kec_codes))).astype("str").str.zfill(4)
    return kec_codes.reset_index(drop=True) + day + month + year + serial


def mobile_numbers(rng: np.random.Generator, size: int) -> pd.Series:
    """Indonesian mobile numbers in national form (08..), 10 to 13 digits long."""
    prefixes = choose_text(rng, vocab.MOBILE_PREFIXES, size)
    lengths = choose(rng, (10, 11, 12, 13), size, (0.05, 0.25, 0.55, 0.15)).astype(int)
    tails = digit_strings(rng, size, 9)
    result = pd.Series("", index=range(size), dtype="str")
    for length in (10, 11, 12, 13):
        mask = lengths == length
        result[mask] = prefixes[mask] + tails[mask].str.slice(0, length - 4)
    return result


def _emails(rng: np.random.Generator, owners: pd.DataFrame, names: pd.Series) -> pd.Series:
    """About 30% of businesses have an e-mail, owner-based or business-based."""
    size = len(owners)
    domains = choose_text(rng, vocab.EMAIL_DOMAINS, size)
    digits = pd.Series(rng.integers(10, 100, size=size)).astype("str")
    owner_part = (owners["owner_first"] + "." + owners["owner_last"]).str.lower().str.rstrip(".")
    owner_mail = owner_part.str.replace(r"[^a-z.]", "", regex=True) + digits + "@" + domains
    business_mail = (
        names.str.lower().str.replace(r"[^a-z0-9]", "", regex=True).str.slice(0, 20) + "@gmail.com"
    )
    style = rng.random(size)
    email = owner_mail.where(style < 0.6, business_mail)
    return email.where(flags(rng, size, 0.30), "")


def _address_parts(rng: np.random.Generator, places: pd.DataFrame) -> pd.DataFrame:
    """Street kind and name, house number, block, RT/RW, and the canonical address."""
    size = len(places)
    kind = choose(rng, ADDRESS_KINDS, size, ADDRESS_KIND_WEIGHTS)
    in_cilegon = places["kab_code"].to_numpy() == "3672"
    kind = np.where(in_cilegon & flags(rng, size, 0.35), "link", kind)
    kampung = np.where(
        flags(rng, size, 0.5), choose(rng, vocab.KAMPUNG_NAMES, size), places["village"].to_numpy()
    )
    street = np.select(
        [kind == "jl", kind == "gg", kind == "kp", kind == "perum"],
        [
            choose(rng, vocab.JALAN_NAMES, size),
            choose(rng, vocab.GANG_NAMES, size),
            kampung,
            choose(rng, vocab.PERUM_NAMES, size),
        ],
        default=choose(rng, vocab.CILEGON_LINGKUNGAN, size),
    )
    parts = pd.DataFrame(
        {
            "addr_kind": pd.Series(kind, dtype="str"),
            "addr_street": pd.Series(street, dtype="str"),
            "house_no": rng.integers(1, 250, size=size),
            "blok": pd.Series(choose(rng, tuple("ABCDEFGHJK"), size), dtype="str")
            + pd.Series(rng.integers(1, 30, size=size)).astype("str"),
            "rt": rng.integers(1, 16, size=size),
            "rw": rng.integers(1, 13, size=size),
        }
    )
    parts["address"] = canonical_address(parts)
    return parts


def canonical_address(parts: pd.DataFrame) -> pd.Series:
    """The clean street address (without RT/RW) for each business."""
    number = parts["house_no"].astype("str")
    kind = parts["addr_kind"]
    street = parts["addr_street"]
    text = pd.Series("Link. ", index=parts.index, dtype="str") + street
    text = text.mask(kind == "jl", "Jl. " + street + " No. " + number)
    text = text.mask(kind == "gg", "Gg. " + street + " No. " + number)
    text = text.mask(kind == "kp", "Kp. " + street)
    text = text.mask(
        kind == "perum", "Perum " + street + " Blok " + parts["blok"] + " No. " + number
    )
    return text


def _products(rng: np.random.Generator, size: int) -> pd.DataFrame:
    """Product words, sector and KBLI codes for each business."""
    weights = [
        1.6 if sector in ("makanan", "minuman") else 1.0 for _, sector, _, _ in vocab.PRODUCTS
    ]
    index = rng.choice(len(vocab.PRODUCTS), size=size, p=np.asarray(weights) / sum(weights))
    table = pd.DataFrame(
        [
            (product, sector, kbli, related[0] if related else "")
            for product, sector, kbli, related in vocab.PRODUCTS
        ],
        columns=["product", "sector", "kbli", "related"],
    )
    chosen = table.iloc[index].reset_index(drop=True)
    related = chosen["related"]
    other = pd.Series(choose(rng, [p[2] for p in vocab.PRODUCTS], size), dtype="str")
    extra = related.astype("str").where(related != "", other)
    has_extra = flags(rng, size, 0.35) & (extra != chosen["kbli"]).to_numpy()
    chosen["kbli_all"] = chosen["kbli"].where(~has_extra, chosen["kbli"] + "|" + extra)
    return chosen.drop(columns=["related"])


def _shop_words(rng: np.random.Generator, sectors: pd.Series) -> pd.Series:
    """A shop word fitting each business's sector (Warung for food, Toko for trade, ...)."""
    pick = rng.integers(0, 12, size=len(sectors))
    words = pd.Series("Toko", index=sectors.index, dtype="str")
    for sector, labels in vocab.SECTORS.items():
        mask = (sectors == sector).to_numpy()
        options = np.asarray(labels[4], dtype=object)
        words[mask] = options[pick[mask] % len(options)]
    return words


def _business_names(rng: np.random.Generator, frame: pd.DataFrame) -> pd.Series:
    """Indonesian small-business names built from products, owners and adjectives."""
    size = len(frame)
    pattern = choose(rng, NAME_PATTERNS, size, NAME_PATTERN_WEIGHTS)
    female = frame["gender"].to_numpy() == "P"
    honorific = pd.Series(
        np.where(
            female,
            choose(rng, vocab.FEMALE_HONORIFICS_IN_SHOP_NAMES, size),
            choose(rng, vocab.MALE_HONORIFICS_IN_SHOP_NAMES, size),
        ),
        dtype="str",
    )
    adjective = choose_text(rng, vocab.ADJECTIVES, size)
    second = choose_text(rng, vocab.ADJECTIVES, size)
    adjectives = adjective.where(
        ~flags(rng, size, 0.3) | (adjective == second), adjective + " " + second
    )
    shop_word = _shop_words(rng, frame["sector"])
    product = frame["product"]
    place = frame["kecamatan"].where(flags(rng, size, 0.6), "Khas " + frame["kecamatan"])
    names = product + " " + adjectives
    names = names.mask(
        pattern == "product_honorific_owner", product + " " + honorific + " " + frame["owner_first"]
    )
    names = names.mask(pattern == "shopword_adjective", shop_word + " " + adjectives)
    names = names.mask(pattern == "product_place", product + " " + place)
    names = names.mask(pattern == "product_owner", product + " " + frame["owner_first"])
    return names


def _turnover(rng: np.random.Generator, size_class: np.ndarray) -> np.ndarray:
    """Yearly turnover in rupiah, rounded to Rp 100.000, consistent with the size class."""
    micro = np.clip(rng.lognormal(np.log(70e6), 0.9, size=len(size_class)), 5e6, 1.9e9)
    small = rng.uniform(2e9, 15e9, size=len(size_class))
    medium = rng.uniform(15e9, 50e9, size=len(size_class))
    large = rng.uniform(50e9, 200e9, size=len(size_class))
    value = np.select(
        [
            size_class == SIZE_CLASSES[0],
            size_class == SIZE_CLASSES[1],
            size_class == SIZE_CLASSES[2],
        ],
        [micro, small, medium],
        default=large,
    )
    return (np.round(value / 1e5) * 1e5).astype(np.int64)


def _registration_dates(rng: np.random.Generator, size: int, before: date) -> np.ndarray:
    """Dates the business registered with the Dinas, 2015 until the day before `before`."""
    start = np.datetime64("2015-01-01")
    span = (np.datetime64(before) - start).astype(int)
    return start + rng.integers(0, span, size=size).astype("timedelta64[D]")


def _licences(
    rng: np.random.Generator, legal_form: np.ndarray, taken_nibs: set[str]
) -> pd.DataFrame:
    """NIB (13 digits, ~37%) and NPWP (15 digits, ~20%); companies have them more often."""
    size = len(legal_form)
    company = legal_form != "Orang Perseorangan"
    has_nib = np.where(company, flags(rng, size, 0.9), flags(rng, size, 0.30))
    nib = unique_digit_strings(rng, size, 13, prefix="9", taken=taken_nibs).where(has_nib, "")
    has_npwp = np.where(company, flags(rng, size, 0.7), flags(rng, size, 0.17))
    npwp = ("0" + digit_strings(rng, size, 14)).where(has_npwp, "")
    return pd.DataFrame({"nib": nib, "npwp": npwp})


def _status(rng: np.random.Generator, size: int) -> pd.Series:
    """Registry status: AKTIF, TIDAK AKTIF, or TUTUP for closed businesses."""
    return pd.Series(
        choose(rng, ("AKTIF", "TIDAK AKTIF", "TUTUP"), size, (0.92, 0.05, 0.03)), dtype="str"
    )


def build_population(
    rng: np.random.Generator,
    size: int,
    villages: pd.DataFrame,
    id_prefix: str,
    first_number: int,
    start_date: date,
    day: int = 0,
    kab_shares: dict[str, float] | None = KAB_SHARES,
    taken_nibs: set[str] | None = None,
) -> pd.DataFrame:
    """`size` true businesses with ids `<prefix><number:07d>` starting at `first_number`."""
    places = _pick_villages(rng, villages, size, kab_shares)
    owners = _owner_names(rng, size)
    births = _birth_dates(rng, size)
    frame = pd.concat([places, owners, _products(rng, size)], axis=1)
    numbers = pd.Series(np.arange(first_number, first_number + size)).astype("str").str.zfill(7)
    frame.insert(0, "business_id", id_prefix + numbers)
    frame["in_banten"] = id_prefix == "B"
    frame["birth_date"] = births
    frame["nik"] = _nik(rng, places["kec_code"], births, owners["gender"])
    frame["phone"] = mobile_numbers(rng, size)
    frame["phone_other"] = mobile_numbers(rng, size)
    frame["name"] = _business_names(rng, frame)
    frame["email"] = _emails(rng, owners, frame["name"])
    frame = pd.concat([frame, _address_parts(rng, places)], axis=1)
    legal_form = choose(rng, LEGAL_FORMS, size, LEGAL_FORM_WEIGHTS)
    size_class = choose(rng, SIZE_CLASSES, size, SIZE_WEIGHTS)
    frame["legal_form"] = pd.Series(legal_form, dtype="str")
    frame["size_class"] = pd.Series(size_class, dtype="str")
    frame["turnover"] = _turnover(rng, size_class)
    frame["registered"] = _registration_dates(rng, size, start_date)
    frame = pd.concat([frame, _licences(rng, legal_form, taken_nibs or set())], axis=1)
    frame["status"] = _status(rng, size)
    frame["hard_case"] = ""
    frame["first_day"] = day
    return frame


def _select_disjoint(
    rng: np.random.Generator, candidates: np.ndarray, shares: list[float]
) -> list[np.ndarray]:
    """Split a random permutation of candidate rows into disjoint groups of given shares."""
    order = rng.permutation(candidates)
    groups, start = [], 0
    for share in shares:
        count = int(round(share * len(candidates)))
        count = max(count, 4 if len(candidates) >= 100 else 0)
        count -= count % 2
        groups.append(order[start : start + count])
        start += count
    return groups


def _pairs_in_same_kab(frame: pd.DataFrame, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair rows up (sorted by kabupaten so that most pairs share one) -> (firsts, seconds)."""
    ordered = rows[np.argsort(frame["kab_code"].to_numpy()[rows], kind="stable")]
    return ordered[0::2], ordered[1::2]


def _tag(frame: pd.DataFrame, rows: np.ndarray, tag: str) -> None:
    """Append a hard-case tag to the given rows."""
    column = frame.columns.get_loc("hard_case")
    current = frame.iloc[rows, column]
    frame.iloc[rows, column] = (current + "|" + tag).str.lstrip("|")


def _plant_generic_names(rng: np.random.Generator, frame: pd.DataFrame, rows: np.ndarray) -> None:
    """Give rows generic names so that each name repeats within one kabupaten."""
    if not len(rows):  # a population too small to hold any
        return
    ordered = rows[np.argsort(frame["kab_code"].to_numpy()[rows], kind="stable")]
    kab = frame["kab_code"].to_numpy()[ordered]
    rank = pd.Series(kab).groupby(kab).cumcount().to_numpy()
    per_kab = pd.Series(kab).map(pd.Series(kab).value_counts()).to_numpy()
    distinct = np.clip(per_kab // 3, 1, len(vocab.GENERIC_SHOP_NAMES))
    offset = rng.integers(0, len(vocab.GENERIC_SHOP_NAMES))
    names = np.asarray(vocab.GENERIC_SHOP_NAMES, dtype=object)[
        (rank % distinct + offset) % len(vocab.GENERIC_SHOP_NAMES)
    ]
    frame.iloc[ordered, frame.columns.get_loc("name")] = names
    _tag(frame, ordered, "generic_name")


def _plant_shared_phones(frame: pd.DataFrame, rows: np.ndarray) -> None:
    """Family members: pairs of businesses with one phone and one home address."""
    firsts, seconds = _pairs_in_same_kab(frame, rows)
    same_kab = frame["kab_code"].to_numpy()[firsts] == frame["kab_code"].to_numpy()[seconds]
    firsts, seconds = firsts[same_kab], seconds[same_kab]
    columns = [
        "phone",
        "village_code",
        "village",
        "kec_code",
        "kecamatan",
        "postal_code",
        "addr_kind",
        "addr_street",
        "house_no",
        "blok",
        "rt",
        "rw",
        "address",
    ]
    for column in columns:
        position = frame.columns.get_loc(column)
        frame.iloc[seconds, position] = frame.iloc[firsts, position].to_numpy()
    owner_last = frame.columns.get_loc("owner_last")
    frame.iloc[seconds, owner_last] = frame.iloc[firsts, owner_last].to_numpy()
    _refresh_owner_name(frame, seconds)
    _tag(frame, np.concatenate([firsts, seconds]), "shared_phone")


def _refresh_owner_name(frame: pd.DataFrame, rows: np.ndarray) -> None:
    """Recompute owner_name/owner_rest after the name parts changed."""
    part = frame.iloc[rows]
    full = (
        (part["owner_first"] + " " + part["owner_middle"] + " " + part["owner_last"])
        .str.replace(r" +", " ", regex=True)
        .str.strip()
    )
    frame.iloc[rows, frame.columns.get_loc("owner_name")] = full.to_numpy()
    frame.iloc[rows, frame.columns.get_loc("owner_rest")] = full.str.replace(
        r"^[^ ]+ ?", "", regex=True
    ).to_numpy()


def _plant_same_owner(rng: np.random.Generator, frame: pd.DataFrame, rows: np.ndarray) -> None:
    """One person (one NIK) running two distinct businesses; the second is named without the owner."""
    firsts, seconds = _pairs_in_same_kab(frame, rows)
    columns = [
        "gender",
        "owner_first",
        "owner_middle",
        "owner_last",
        "owner_name",
        "owner_rest",
        "birth_date",
        "nik",
        "phone",
        "phone_other",
    ]
    for column in columns:
        position = frame.columns.get_loc(column)
        frame.iloc[seconds, position] = frame.iloc[firsts, position].to_numpy()
    adjective = choose_text(rng, vocab.ADJECTIVES, len(seconds))
    renamed = frame["product"].iloc[seconds].reset_index(drop=True) + " " + adjective
    frame.iloc[seconds, frame.columns.get_loc("name")] = renamed.to_numpy()
    _tag(frame, np.concatenate([firsts, seconds]), "same_owner")


def plant_hard_cases(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Rewrite ~1.5% / 1% / 1% of Banten businesses into generic-name, shared-phone, same-owner cases."""
    frame = frame.copy()
    candidates = np.flatnonzero(frame["in_banten"].to_numpy())
    generic, shared_phone, same_owner = _select_disjoint(rng, candidates, [0.015, 0.01, 0.01])
    _plant_generic_names(rng, frame, generic)
    _plant_shared_phones(frame, shared_phone)
    _plant_same_owner(rng, frame, same_owner)
    return frame
