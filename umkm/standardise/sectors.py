"""What a business does, in two honest columns: the KBLI 2020 section of its KBLI code, and a
small declared sector vocabulary that the sources' own categories are mapped onto.

- ``kbli_section``: the section letter (A-U) of KBLI 2020, from the code's first two digits
  (the division), with the section's name (``KBLI_SECTIONS``). Only where a KBLI code exists.
- ``sector``: one of ``SECTORS``, from the category a registry or marketplace gave
  (``BIDANG USAHA``, ``bidang_usaha``, ``kategori``: 'Makanan', 'Kuliner', 'Makanan &
  Minuman' are all 'Makanan & Minuman'), else from the KBLI section where that says enough;
  a category the vocabulary does not know is 'Lainnya'. The category as the source wrote it
  stays in ``category``.
"""

from __future__ import annotations

import pandas as pd

#: KBLI 2020 sections: letter, name, and the divisions (first two digits) they hold
KBLI_SECTIONS: tuple[tuple[str, str, range], ...] = (
    ("A", "Pertanian, Kehutanan dan Perikanan", range(1, 4)),
    ("B", "Pertambangan dan Penggalian", range(5, 10)),
    ("C", "Industri Pengolahan", range(10, 34)),
    ("D", "Pengadaan Listrik, Gas, Uap/Air Panas dan Udara Dingin", range(35, 36)),
    ("E", "Pengelolaan Air, Air Limbah, Sampah dan Remediasi", range(36, 40)),
    ("F", "Konstruksi", range(41, 44)),
    ("G", "Perdagangan Besar dan Eceran; Reparasi Mobil dan Sepeda Motor", range(45, 48)),
    ("H", "Pengangkutan dan Pergudangan", range(49, 54)),
    ("I", "Penyediaan Akomodasi dan Makan Minum", range(55, 57)),
    ("J", "Informasi dan Komunikasi", range(58, 64)),
    ("K", "Aktivitas Keuangan dan Asuransi", range(64, 67)),
    ("L", "Real Estat", range(68, 69)),
    ("M", "Aktivitas Profesional, Ilmiah dan Teknis", range(69, 76)),
    (
        "N",
        "Aktivitas Penyewaan, Ketenagakerjaan, Agen Perjalanan dan Penunjang Usaha",
        range(77, 83),
    ),
    ("O", "Administrasi Pemerintahan, Pertahanan dan Jaminan Sosial Wajib", range(84, 85)),
    ("P", "Pendidikan", range(85, 86)),
    ("Q", "Aktivitas Kesehatan Manusia dan Aktivitas Sosial", range(86, 89)),
    ("R", "Kesenian, Hiburan dan Rekreasi", range(90, 94)),
    ("S", "Aktivitas Jasa Lainnya", range(94, 97)),
    ("T", "Aktivitas Rumah Tangga sebagai Pemberi Kerja", range(97, 99)),
    ("U", "Aktivitas Badan Internasional dan Badan Ekstra Internasional", range(99, 100)),
)

#: the sector vocabulary, and the words of source categories that mean each sector
SECTORS: dict[str, tuple[str, ...]] = {
    "Makanan & Minuman": (
        "makanan",
        "minuman",
        "kuliner",
        "catering",
        "katering",
        "kue",
        "snack",
        "jajanan",
    ),
    "Fashion & Tekstil": ("fashion", "konveksi", "pakaian", "busana", "batik", "tekstil"),
    "Kerajinan": ("kerajinan", "handicraft", "souvenir"),
    "Perdagangan": (
        "perdagangan",
        "dagang",
        "kebutuhan harian",
        "sembako",
        "kelontong",
        "grosir",
        "retail",
    ),
    "Jasa": ("jasa", "bengkel", "salon", "laundry", "servis", "service", "pertukangan"),
    "Pertanian, Peternakan & Perikanan": ("pertanian", "peternakan", "perikanan", "perkebunan"),
    "Industri Pengolahan": ("industri", "manufaktur"),
    "Kecantikan & Kesehatan": ("kecantikan", "kesehatan", "kosmetik", "herbal", "jamu"),
    "Rumah Tangga": ("rumah tangga", "perabot", "mebel", "furnitur"),
}
#: a category the vocabulary does not know
OTHER_SECTOR = "Lainnya"
#: the sector a KBLI section says, where the source gave no category
SECTOR_OF_SECTION = {
    "A": "Pertanian, Peternakan & Perikanan",
    "C": "Industri Pengolahan",
    "G": "Perdagangan",
    "I": "Makanan & Minuman",
    "S": "Jasa",
}


def kbli_sections(kbli: pd.Series) -> pd.DataFrame:
    """``kbli_section`` (A-U) and ``kbli_section_name`` of 5-digit KBLI codes (NA without)."""
    division = pd.to_numeric(kbli.astype("string").str[:2], errors="coerce")
    letters = {d: letter for letter, _, divisions in KBLI_SECTIONS for d in divisions}
    names = {letter: name for letter, name, _ in KBLI_SECTIONS}
    section = division.map(letters).astype("string")
    return pd.DataFrame(
        {"kbli_section": section, "kbli_section_name": section.map(names).astype("string")},
        index=kbli.index,
    )


def sectors(category: pd.Series, kbli_section: pd.Series) -> pd.Series:
    """The sector of each business: from its category (the first sector whose words it
    holds, checked in the vocabulary's order), else from its KBLI section; NA when neither
    says anything."""
    text = category.astype("string").str.lower()
    result = pd.Series(pd.NA, index=category.index, dtype="string")
    for sector, words in SECTORS.items():
        pattern = "|".join(words)
        result = result.mask(
            result.isna() & text.str.contains(pattern, regex=True).fillna(False).astype(bool),
            sector,
        )
    result = result.mask(result.isna() & text.notna(), OTHER_SECTOR)
    return result.fillna(kbli_section.astype("string").map(SECTOR_OF_SECTION)).astype("string")
