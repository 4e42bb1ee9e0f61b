"""Vectorised spelling and format noise.

Each function takes a pandas Series (or a slice of the joined business/record
view) plus a numpy Generator and returns a new Series in which a random share
of the rows have been rewritten the way real exports do: case changes, typos,
legal forms and shop words added or dropped, platform decoration, phone and
address formats, kabupaten/kota spellings.  No Python loop runs per row:
loops only go over a handful of styles.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from umkm.demo import vocabulary as vocab
from umkm.demo.geography import AMBIGUOUS_BARE_NAMES, city_form_lookup
from umkm.demo.randomness import choose, choose_text, digit_strings, flags
from umkm.demo.textops import mask_text, select_text, where_text

TYPO_LETTERS = np.array([ord(c) for c in "aeioumnrstklg"], dtype=np.uint32)


def pick_styles(rng: np.random.Generator, size: int, weights: Mapping[str, float]) -> np.ndarray:
    """One style name per row, drawn from a {style: weight} mapping."""
    return choose(rng, list(weights), size, list(weights.values()))


def blank_some(
    values: pd.Series, rng: np.random.Generator, rate: float, blank: str = ""
) -> pd.Series:
    """Replace a share of the values by a blank."""
    return mask_text(values, flags(rng, len(values), rate), blank)


def _letter_positions(codes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A random position p >= 1 per row where both p and p+1 are letters; and whether one exists."""
    letters = ((codes >= 65) & (codes <= 90)) | ((codes >= 97) & (codes <= 122)) | (codes >= 192)
    candidates = letters[:, :-1] & letters[:, 1:]
    candidates[:, 0] = False
    scores = np.where(candidates, rng.random(candidates.shape), -1.0)
    return scores.argmax(axis=1), np.asarray(candidates.any(axis=1))


def _typo_matrix(codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Apply one edit (delete, duplicate, swap, replace) inside a word, per row of a UCS-4 code matrix."""
    rows, width = codes.shape
    padded = np.concatenate([codes, np.zeros((rows, 2), dtype=np.uint32)], axis=1)
    position, editable = _letter_positions(padded, rng)
    operation = np.where(editable, rng.integers(0, 4, size=rows), -1)
    columns = np.arange(width + 1)[None, :]
    at = position[:, None]
    source = np.broadcast_to(columns, (rows, width + 1)).copy()
    source = np.where((operation == 0)[:, None] & (columns >= at), columns + 1, source)
    source = np.where((operation == 1)[:, None] & (columns > at), columns - 1, source)
    source = np.where((operation == 2)[:, None] & (columns == at), columns + 1, source)
    source = np.where((operation == 2)[:, None] & (columns == at + 1), columns - 1, source)
    edited = np.take_along_axis(padded, source, axis=1)
    replace = np.flatnonzero(operation == 3)
    original = edited[replace, position[replace]]
    letter = TYPO_LETTERS[rng.integers(0, len(TYPO_LETTERS), size=len(replace))]
    is_upper = (original >= 65) & (original <= 90)
    edited[replace, position[replace]] = np.where(is_upper, letter - 32, letter)
    return np.ascontiguousarray(edited)


def _edit_rows(values: pd.Series, mask: np.ndarray, rng: np.random.Generator) -> pd.Series:
    """One random character edit in each masked value."""
    if not mask.any():
        return values
    texts = values[mask].to_numpy(dtype=str)
    width = texts.dtype.itemsize // 4
    codes = np.ascontiguousarray(texts).view(np.uint32).reshape(len(texts), width)
    edited = _typo_matrix(codes, rng).view(f"<U{width + 1}").ravel()
    result = values.copy()
    result[mask] = edited
    return result


def inject_typos(values: pd.Series, rng: np.random.Generator, rate: float) -> pd.Series:
    """1-2 character typos (delete, duplicate, swap, replace) in a share of the values."""
    hit = flags(rng, len(values), rate) & (values.str.len() >= 4).to_numpy()
    twice = hit & flags(rng, len(values), 0.25)
    return _edit_rows(_edit_rows(values, hit, rng), twice, rng)


def vary_case(
    values: pd.Series,
    rng: np.random.Generator,
    upper: float = 0.0,
    lower: float = 0.0,
    title: float = 0.0,
) -> pd.Series:
    """Upper-, lower- or title-case a share of the values."""
    draw = rng.random(len(values))
    result = mask_text(values, draw < upper, values.str.upper())
    result = mask_text(result, (draw >= upper) & (draw < upper + lower), values.str.lower())
    return mask_text(
        result, (draw >= upper + lower) & (draw < upper + lower + title), values.str.title()
    )


def add_legal_form(values: pd.Series, rng: np.random.Generator, rate: float) -> pd.Series:
    """Prefix `CV `, `PT ` or `UD ` to a share of the names."""
    form = choose_text(
        rng, vocab.LEGAL_FORMS_IN_NAMES, len(values), (0.4, 0.2, 0.4), index=values.index
    )
    return mask_text(values, flags(rng, len(values), rate), form + " " + values)


def toggle_shop_word(
    values: pd.Series, rng: np.random.Generator, add_rate: float, drop_rate: float
) -> pd.Series:
    """Drop a leading shop word (`Toko`, `Warung`, ...) or add one."""
    pattern = r"(?i)^(?:" + "|".join(vocab.SHOP_WORDS) + r") +"
    has_word = values.str.contains(pattern, regex=True).to_numpy()
    draw = rng.random(len(values))
    word = choose_text(
        rng, ("Toko", "Warung", "Kedai", "Toko", "Kios"), len(values), index=values.index
    )
    result = mask_text(
        values, has_word & (draw < drop_rate), values.str.replace(pattern, "", regex=True)
    )
    return mask_text(result, ~has_word & (draw < add_rate), word + " " + values)


def swap_last_two_words(values: pd.Series, rng: np.random.Generator, rate: float) -> pd.Series:
    """Swap the last two words of a share of the names (`Mahmud Pak`, `Rejeki Sumber`)."""
    swapped = values.str.replace(r"([^ ]+) ([^ ]+)$", r"\2 \1", regex=True)
    return mask_text(values, flags(rng, len(values), rate), swapped)


def decorate_for_platform(
    values: pd.Series,
    rng: np.random.Generator,
    suffix: float = 0.15,
    emoji: float = 0.05,
    underscore_official: float = 0.01,
) -> pd.Series:
    """Marketplace decoration: `Official`, `Store`, emoji, `Name_official`."""
    size = len(values)
    suffixes = choose_text(rng, vocab.PLATFORM_SUFFIXES, size, index=values.index)
    icons = choose_text(rng, vocab.EMOJI, size, index=values.index)
    result = mask_text(values, flags(rng, size, suffix), values + suffixes)
    emoji_style = rng.random(size)
    with_emoji = flags(rng, size, emoji)
    result = mask_text(result, with_emoji & (emoji_style < 0.4), result + " " + icons)
    result = mask_text(
        result, with_emoji & (emoji_style >= 0.4) & (emoji_style < 0.7), icons + " " + result
    )
    result = mask_text(
        result, with_emoji & (emoji_style >= 0.7), icons + " " + result + " " + icons
    )
    joined = values.str.replace(" ", "", regex=False) + "_official"
    return mask_text(result, flags(rng, size, underscore_official), joined)


def slugify(
    values: pd.Series,
    rng: np.random.Generator,
    separators: Mapping[str, float],
    max_length: int = 24,
    digits_rate: float = 0.05,
) -> pd.Series:
    """URL slugs of names: `keripikbuani`, `lele-ciputat-timur`, `laundry_jaya235`."""
    words = (
        values.str.lower()
        .str.replace(r"[^a-z0-9 ]", "", regex=True)
        .str.strip()
        .str.replace(r" +", " ", regex=True)
    )
    separator = pick_styles(rng, len(values), separators)
    slug = words.str.replace(" ", "", regex=False)
    for symbol in ("-", "_"):
        slug = mask_text(slug, separator == symbol, words.str.replace(" ", symbol, regex=False))
    number = pd.Series(rng.integers(1, 999, size=len(values)), index=values.index).astype("str")
    slug = slug.str.slice(0, max_length)
    return mask_text(
        slug, flags(rng, len(values), digits_rate), slug.str.slice(0, max_length - 3) + number
    )


def _group_phone(national: pd.Series, first: str, separator: str) -> pd.Series:
    """`0812-3456-7890` style groupings; `first` replaces the leading 0 (e.g. `+62 `)."""
    return (
        first
        + national.str.slice(1, 4)
        + separator
        + national.str.slice(4, 8)
        + separator
        + national.str.slice(8)
    )


def landline_numbers(rng: np.random.Generator, kab_codes: pd.Series) -> pd.Series:
    """Fixed-line numbers like `(0252) 201234` / `(021) 50145176`."""
    area = kab_codes.map(vocab.AREA_CODES).fillna("021").astype("str")
    local = digit_strings(rng, len(kab_codes), 8)
    local.index = kab_codes.index
    short = local.str.slice(0, 6).str.replace(r"^0", "2", regex=True)
    long = local.str.replace(r"^0", "5", regex=True)
    return "(" + area + ") " + where_text(short, area != "021", long)


def format_phone(
    national: pd.Series,
    other: pd.Series,
    kab_codes: pd.Series,
    rng: np.random.Generator,
    weights: Mapping[str, float],
) -> pd.Series:
    """Render national `08..` numbers in the formats named by `weights`."""
    style = pick_styles(rng, len(national), weights)
    renderings = {
        "plain": lambda: national,
        "intl": lambda: "62" + national.str.slice(1),
        "plus": lambda: "+62" + national.str.slice(1),
        "plus_spaced": lambda: _group_phone(national, "+62 ", " "),
        "plus_dashed": lambda: _group_phone(national, "+62 ", "-"),
        "dashed": lambda: _group_phone(national, "0", "-"),
        "spaced": lambda: _group_phone(national, "0", " "),
        "masked": lambda: national.str.slice(0, 4) + "****" + national.str.slice(-4),
        "two": lambda: (
            national
            + choose_text(rng, (" / ", " - ", ", "), len(national), index=national.index)
            + other
        ),
        "landline": lambda: landline_numbers(rng, kab_codes),
        "blank": lambda: pd.Series("", index=national.index, dtype="str"),
    }
    return select_text(style, {name: renderings[name] for name in weights}, national.index)


def _honorifics(rng: np.random.Generator, gender: pd.Series) -> pd.Series:
    """A gender-appropriate honorific per row (`Ibu`, `Hj.`, `Pak`, `H.`)."""
    size = len(gender)
    female = choose(rng, vocab.FEMALE_HONORIFICS, size)
    male = choose(rng, vocab.MALE_HONORIFICS, size)
    return pd.Series(
        np.where(gender.to_numpy() == "P", female, male), index=gender.index, dtype="str"
    )


def _last_initial(rest: pd.Series) -> pd.Series:
    """Initial of the last name with a dot: `Rizka Suartini` -> `S.`."""
    return rest.str.replace(r"^.*?([^ ])[^ ]*$", r"\1.", regex=True)


def render_owner(
    view: pd.DataFrame,
    rng: np.random.Generator,
    weights: Mapping[str, float],
    typo_rate: float = 0.04,
) -> pd.Series:
    """Owner names with honorifics, initials, first names only, titles, case changes."""
    full = view["owner_name"]
    first = view["owner_first"]
    rest = view["owner_rest"]
    has_rest = (rest != "").to_numpy()
    renderings = {
        "full": lambda: full,
        "upper": lambda: full.str.upper(),
        "lower": lambda: full.str.lower(),
        "honorific": lambda: _honorifics(rng, view["gender"]) + " " + full,
        "honorific_first": lambda: (_honorifics(rng, view["gender"]) + " " + first).str.upper(),
        "initial_first": lambda: where_text((first.str.slice(0, 1) + ". " + rest), has_rest, full),
        "first_only": lambda: first,
        "first_lower": lambda: first.str.lower(),
        "first_last_initial": lambda: where_text(first + " " + _last_initial(rest), has_rest, full),
        "titled": lambda: (
            full + choose_text(rng, vocab.ACADEMIC_TITLES, len(full), index=full.index)
        ),
        "titled_upper": lambda: (
            full + choose_text(rng, vocab.ACADEMIC_TITLES, len(full), index=full.index)
        ).str.upper(),
        "blank": lambda: pd.Series("", index=full.index, dtype="str"),
    }
    style = pick_styles(rng, len(full), weights)
    result = select_text(style, {name: renderings[name] for name in weights}, full.index)
    return inject_typos(result, rng, typo_rate)


STREET_PREFIXES = {
    "jl": (("Jl. ", "Jl ", "Jln. ", "Jalan ", "JL. ", "Jl."), (0.45, 0.15, 0.12, 0.12, 0.12, 0.04)),
    "gg": (("Gg. ", "Gang ", "GG. ", "Gg "), (0.5, 0.25, 0.15, 0.1)),
    "kp": (("Kp. ", "Kp ", "Kmp. ", "Kampung ", "KP. "), (0.4, 0.2, 0.1, 0.2, 0.1)),
    "perum": (("Perum ", "Perum. ", "Perumahan ", "PERUM "), (0.4, 0.2, 0.3, 0.1)),
    "link": (("Link. ", "Lingk. ", "Lingkungan "), (0.5, 0.2, 0.3)),
}
HOUSE_NUMBER_FORMS = (" No. ", " No ", " no. ", " Nomor ", " NO. ")
RT_RW_FORMS = (
    "RT {rt2}/{rw2}",
    "RT {rt3} RW {rw3}",
    "RT.{rt3} RW.{rw3}",
    "RT.{rt2}/RW.{rw2}",
    "RT {rt}/{rw}",
    "RT. {rt2} RW. {rw2}",
    "Rt {rt} Rw {rw}",
    "RT{rt2}/RW{rw2}",
    "RT.{rt3}/RW.{rw3}",
)


def render_rt_rw(view: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """RT/RW in one of the usual spellings (`RT 02/03`, `RT.002 RW.003`, ...)."""
    rt = view["rt"].astype("str")
    rw = view["rw"].astype("str")
    fields = {
        "rt": rt,
        "rw": rw,
        "rt2": rt.str.zfill(2),
        "rw2": rw.str.zfill(2),
        "rt3": rt.str.zfill(3),
        "rw3": rw.str.zfill(3),
    }
    form = rng.integers(0, len(RT_RW_FORMS), size=len(view)).astype(str)

    def fill(template: str) -> pd.Series:
        """The template filled for every row."""
        text = pd.Series("", index=view.index, dtype="str")
        for literal, field in _split_template(template):
            text = text + literal + (fields[field] if field else "")
        return text

    renderings = {
        str(number): (lambda template=template: fill(template))
        for number, template in enumerate(RT_RW_FORMS)
    }
    return select_text(form, renderings, view.index)


def _split_template(template: str) -> list[tuple[str, str]]:
    """'RT {rt}/{rw}' -> [('RT ', 'rt'), ('/', 'rw')]."""
    pieces, rest = [], template
    while "{" in rest:
        literal, rest = rest.split("{", 1)
        field, rest = rest.split("}", 1)
        pieces.append((literal, field))
    pieces.append((rest, ""))
    return pieces


def render_street(view: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """The street part of an address with abbreviation variants (`Jl.`/`Jln.`/`Jalan`, ...)."""
    size = len(view)
    kind = view["addr_kind"].to_numpy()
    renderings = {
        name: (
            lambda options=options, weights=weights: choose_text(
                rng, options, size, weights, index=view.index
            )
        )
        for name, (options, weights) in STREET_PREFIXES.items()
    }
    prefix = select_text(kind, renderings, view.index)
    number_word = choose_text(
        rng, HOUSE_NUMBER_FORMS, size, (0.5, 0.25, 0.1, 0.05, 0.1), index=view.index
    )
    number = view["house_no"].astype("str")
    street = prefix + view["addr_street"]
    text = where_text(street, ~np.isin(kind, ("jl", "gg")), street + number_word + number)
    compact = flags(rng, size, 0.3)
    perum_number = where_text(
        (" Blok " + view["blok"] + number_word + number),
        ~compact,
        " " + view["blok"] + "/" + number,
    )
    return mask_text(text, kind == "perum", street + perum_number)


def render_address(
    view: pd.DataFrame,
    rng: np.random.Generator,
    rt_rw_rate: float = 0.4,
    upper: float = 0.05,
    lower: float = 0.02,
    typo_rate: float = 0.03,
) -> pd.Series:
    """A full street address; RT/RW appended to a share of the rows."""
    street = render_street(view, rng)
    rt_rw = render_rt_rw(view, rng)
    text = mask_text(street, flags(rng, len(view), rt_rw_rate), street + " " + rt_rw)
    return inject_typos(vary_case(text, rng, upper=upper, lower=lower), rng, typo_rate)


def render_kecamatan(
    values: pd.Series,
    rng: np.random.Generator,
    prefix: float = 0.1,
    upper: float = 0.15,
    lower: float = 0.03,
    typo_rate: float = 0.03,
) -> pd.Series:
    """Kecamatan names with `Kec. ` prefixes, case changes and typos."""
    result = vary_case(values, rng, upper=upper, lower=lower)
    with_prefix = choose_text(
        rng, ("Kec. ", "KEC. ", "Kecamatan ", "Kec "), len(values), index=values.index
    )
    result = mask_text(result, flags(rng, len(values), prefix), with_prefix + result)
    return inject_typos(result, rng, typo_rate)


def render_city(
    kab_codes: pd.Series, rng: np.random.Generator, weights: Mapping[str, float]
) -> pd.Series:
    """Kabupaten/kota names in the forms named by `weights` (`Kab. Tangerang`, `Tangsel`, ...)."""
    form = pick_styles(rng, len(kab_codes), weights)
    keys = kab_codes + "|" + pd.Series(form, index=kab_codes.index, dtype="str")
    return keys.map(city_form_lookup()).astype("str")


def is_ambiguous_city(city: pd.Series) -> np.ndarray:
    """True where a city text is a bare `Tangerang`/`Serang` (kabupaten or kota?)."""
    head = city.str.replace(r" - .*$", "", regex=True).str.strip().str.lower()
    return head.isin(AMBIGUOUS_BARE_NAMES).to_numpy()


def garbage_names(rng: np.random.Generator, index: pd.Index) -> pd.Series:
    """Placeholders for a missing name: blank, `-`, `N/A`, `n/a`, `.`."""
    return choose_text(rng, vocab.GARBAGE_NAMES, len(index), index=index)


def render_business_name(
    view: pd.DataFrame,
    rng: np.random.Generator,
    *,
    legal: float = 0.05,
    shop_add: float = 0.05,
    shop_drop: float = 0.05,
    swap: float = 0.02,
    upper: float = 0.15,
    lower: float = 0.05,
    title: float = 0.0,
    typo_rate: float = 0.12,
) -> pd.Series:
    """The business name as a source spells it; second shops get a branch word."""
    name = view["name"]
    branch = choose_text(rng, vocab.BRANCH_WORDS, len(view), index=view.index)
    name = mask_text(name, view["shop_no"].to_numpy() > 0, name + " " + branch)
    name = toggle_shop_word(name, rng, shop_add, shop_drop)
    name = add_legal_form(name, rng, legal)
    name = swap_last_two_words(name, rng, swap)
    name = vary_case(name, rng, upper=upper, lower=lower, title=title)
    return inject_typos(name, rng, typo_rate)


def postal_or_blank(view: pd.DataFrame, rng: np.random.Generator, blank_rate: float) -> pd.Series:
    """Postal code, missing for a share of the rows."""
    return blank_some(view["postal_code"], rng, blank_rate)
