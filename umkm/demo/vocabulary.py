"""Word lists the demo generator draws from.

Everything here is plain data: Indonesian person names, the products and
adjectives small businesses are named after, street and housing-estate names,
and the labels each source uses for a business sector.  Keeping the lists in
one module lets the other modules stay purely about logic.
"""

from __future__ import annotations

FEMALE_FIRST_NAMES = (
    "Siti", "Nur", "Nurhayati", "Sri", "Dewi", "Rina", "Yuli", "Yeni", "Wati", "Titin",
    "Euis", "Neneng", "Juleha", "Halima", "Aminah", "Farhunnisa", "Septi", "Cindy",
    "Novi", "Fitri", "Lilis", "Dede", "Eni", "Ani", "Ratna", "Sumiati", "Suwarni",
    "Kartini", "Ida", "Iis", "Imas", "Entin", "Enung", "Popon", "Ayu", "Putri", "Rizka",
    "Dian", "Wulan", "Maya", "Nining", "Yanti", "Mulyani", "Susanti", "Heni", "Nia",
    "Ika", "Rosita", "Umi", "Khadijah", "Fatimah", "Zahra", "Nabila", "Aisyah",
    "Salsabila", "Indah", "Tuti", "Sulastri", "Ernawati", "Mimin", "Cucu", "Atikah",
    "Komariah", "Mariam", "Masitoh", "Eha", "Yayah", "Oom", "Acih", "Uun", "Tini",
    "Rohayati", "Nurlela", "Jubaedah", "Sopiah", "Hasanah", "Rahmah", "Laela",
    "Mega", "Anisa", "Desi", "Rini", "Lina", "Winda", "Vina", "Yuyun", "Teti",
)

MALE_FIRST_NAMES = (
    "Ahmad", "Muhammad", "Mahmud", "Tasnim", "Halim", "Jajang", "Asep", "Dadang",
    "Ujang", "Agus", "Budi", "Dedi", "Deden", "Hendra", "Iwan", "Rudi", "Eko", "Joko",
    "Slamet", "Bambang", "Hasan", "Husein", "Imam", "Mustofa", "Jaenudin", "Gambira",
    "Gadang", "Teddy", "Irfan", "Lukman", "Bakianto", "Dimas", "Raihan", "Daliono",
    "Supriadi", "Sukarna", "Saepul", "Encep", "Rohman", "Abdul", "Arif", "Fajar",
    "Rizki", "Yusuf", "Ismail", "Sholeh", "Nana", "Maman", "Odin", "Jaka", "Tatang",
    "Wawan", "Yayan", "Haris", "Ridwan", "Firman", "Komarudin", "Samsudin", "Mulyadi",
    "Sunarya", "Hamdan", "Zaenal", "Ade", "Aep", "Cecep", "Engkos", "Udin", "Oding",
    "Syarif", "Fauzi", "Hidayat", "Rahmat", "Sahroni", "Jamal", "Kusnadi", "Amin",
    "Nurdin", "Sobri", "Ujang", "Wahyu", "Andi", "Andre", "Rendi", "Fikri", "Ilham",
)

FEMALE_LAST_NAMES = (
    "Rahmawati", "Herawati", "Sumarni", "Yuliani", "Fitriani", "Marlina", "Suartini",
    "Zulaika", "Rahayu", "Lestari", "Nasyiah", "Safitri", "Handayani", "Wahyuni",
    "Purnamasari", "Anggraini", "Rosmawati", "Nurjanah", "Kusumawati", "Maryani",
    "Sulastri", "Komalasari", "Hasanah", "Apriyani", "Rostika", "Juwita",
)

MALE_LAST_NAMES = (
    "Susanto", "Prasetyo", "Santoso", "Widodo", "Setiawan", "Hidayat", "Saputra",
    "Kurniawan", "Suherman", "Gunarto", "Natsir", "Saptono", "Prakasa", "Rohendi",
    "Hermawan", "Firmansyah", "Maulana", "Ramadhan", "Nugraha", "Permana", "Sudrajat",
    "Supriatna", "Hasanudin", "Mulyana", "Rusdiana", "Wijaya", "Gunawan", "Effendi",
    "Pratama", "Syahputra", "Hakim", "Sobari", "Juhaeni", "Sihotang", "Siregar",
    "Nasution", "Harahap", "Suganda", "Sunandar", "Rukmana",
)

FEMALE_HONORIFICS_IN_SHOP_NAMES = ("Bu", "Mak", "Teh", "Mpok", "Ceu", "Hj.", "Bunda")
MALE_HONORIFICS_IN_SHOP_NAMES = ("Pak", "Mas", "Cak", "Abah", "H.", "Bang", "Kang", "Mang")

FEMALE_HONORIFICS = ("Ibu", "Bu", "Hj.", "IBU", "Ny.")
MALE_HONORIFICS = ("Pak", "Bapak", "H.", "Bpk.", "PAK")

ACADEMIC_TITLES = (", S.Sos", ", S.T.", ", A.md", ", S.E.", ", S.Pd", ", S.Kom", ", S.H.", ", A.Md.")

# Sector key -> (R1 label variants, R2 label, Cilegon label, BBI kategori, shop words)
SECTORS = {
    "makanan": (("KULINER", "Kuliner", "MAKANAN", "Makanan"), "Makanan", "Makanan",
                "Makanan & Minuman", ("Warung", "Kedai", "RM", "Depot", "Dapur")),
    "minuman": (("KULINER", "MINUMAN", "Kuliner"), "Minuman", "Minuman",
                "Makanan & Minuman", ("Kedai", "Warung", "Depot")),
    "perdagangan": (("PERDAGANGAN", "Perdagangan", "DAGANG"), "Perdagangan", "Perdagangan",
                    "Kebutuhan Harian", ("Toko", "Kios", "Warung", "Grosir")),
    "fashion": (("FASHION", "KONVEKSI", "Fashion"), "Fashion", "Fashion",
                "Fashion", ("Toko", "Butik", "Galeri")),
    "jasa": (("JASA", "Jasa"), "Jasa", "Jasa", "Jasa", ("Toko", "Kios", "Gerai")),
    "kerajinan": (("KERAJINAN", "Kerajinan", "INDUSTRI KECIL"), "Kerajinan", "Kerajinan",
                  "Rumah Tangga", ("Galeri", "Toko", "Sanggar")),
    "peternakan": (("PETERNAKAN", "PERIKANAN", "Pertanian"), "Peternakan/Perikanan",
                   "Pertanian", "Pertanian", ("Toko", "Kios")),
    "kecantikan": (("KECANTIKAN", "Kecantikan", "PERDAGANGAN"), "Kecantikan", "Kecantikan",
                   "Kecantikan", ("Toko", "Gerai")),
    "pertukangan": (("INDUSTRI", "BENGKEL", "Industri"), "Industri", "Industri",
                    "Pertukangan", ("Bengkel", "Toko")),
}

# (product words, sector key, primary KBLI 2020 code, related KBLI codes)
PRODUCTS = (
    ("Keripik Emping", "makanan", "10794", ("10799", "47241")),
    ("Keripik Talas", "makanan", "10794", ("10799",)),
    ("Keripik Pisang", "makanan", "10794", ("47241",)),
    ("Emping Melinjo", "makanan", "10794", ("46319",)),
    ("Kerupuk", "makanan", "10794", ("47241",)),
    ("Kue Basah", "makanan", "10710", ("56290",)),
    ("Kue Kering", "makanan", "10710", ("47241",)),
    ("Roti", "makanan", "10710", ("47241",)),
    ("Frozen Food", "makanan", "10750", ("47219",)),
    ("Sambal", "makanan", "10779", ("47241",)),
    ("Dodol", "makanan", "10739", ("47241",)),
    ("Sate Bandeng", "makanan", "10213", ("56102",)),
    ("Otak-Otak", "makanan", "10219", ("56102",)),
    ("Abon", "makanan", "10130", ("47241",)),
    ("Catering", "makanan", "56210", ("56290",)),
    ("Nasi Uduk", "makanan", "56102", ()),
    ("Bakso", "makanan", "56102", ()),
    ("Seblak", "makanan", "56102", ()),
    ("Ayam Geprek", "makanan", "56102", ()),
    ("Sate", "makanan", "56102", ()),
    ("Warung Makan", "makanan", "56102", ()),
    ("Rumah Makan", "makanan", "56101", ()),
    ("Kedai Kopi", "minuman", "56303", ()),
    ("Es Teh", "minuman", "56303", ()),
    ("Jus Buah", "minuman", "56303", ()),
    ("Kopi Bubuk", "minuman", "10761", ("47241",)),
    ("Kelontong", "perdagangan", "47111", ()),
    ("Sembako", "perdagangan", "47111", ("46311",)),
    ("Grosir Sembako", "perdagangan", "46311", ("47111",)),
    ("Pulsa", "perdagangan", "47413", ()),
    ("Sayur", "perdagangan", "47211", ()),
    ("Buah", "perdagangan", "47212", ()),
    ("Bahan Bangunan", "perdagangan", "47524", ()),
    ("Sparepart Motor", "perdagangan", "45403", ()),
    ("ATK", "perdagangan", "47612", ("82190",)),
    ("Plastik", "perdagangan", "47599", ()),
    ("Pakan Ternak", "perdagangan", "46206", ()),
    ("Bahan Kue", "perdagangan", "47219", ()),
    ("Fashion", "fashion", "47711", ()),
    ("Hijab", "fashion", "47711", ("14111",)),
    ("Konveksi", "fashion", "14111", ()),
    ("Batik", "fashion", "13134", ("47711",)),
    ("Sepatu", "fashion", "15201", ()),
    ("Taylor", "fashion", "14120", ()),
    ("Jahit", "fashion", "14120", ()),
    ("Kaos Sablon", "fashion", "14111", ()),
    ("Tas", "fashion", "15121", ()),
    ("Laundry", "jasa", "96200", ()),
    ("Salon", "jasa", "96111", ()),
    ("Pangkas Rambut", "jasa", "96112", ()),
    ("Bengkel Motor", "jasa", "45405", ("45403",)),
    ("Service HP", "jasa", "95120", ("47413",)),
    ("Fotokopi", "jasa", "82190", ("47612",)),
    ("Rental Mobil", "jasa", "77100", ()),
    ("Percetakan", "jasa", "18111", ()),
    ("Kerajinan Tangan", "kerajinan", "32909", ()),
    ("Anyaman Pandan", "kerajinan", "16292", ()),
    ("Anyaman Bambu", "kerajinan", "16291", ()),
    ("Gerabah", "kerajinan", "23931", ()),
    ("Golok", "kerajinan", "25931", ()),
    ("Mebel", "kerajinan", "31001", ()),
    ("Souvenir", "kerajinan", "32909", ()),
    ("Lele", "peternakan", "03222", ()),
    ("Ternak Ayam", "peternakan", "01462", ()),
    ("Ternak Kambing", "peternakan", "01442", ()),
    ("Ikan Hias", "peternakan", "03226", ()),
    ("Bibit Tanaman", "peternakan", "01301", ()),
    ("Madu", "peternakan", "01497", ()),
    ("Skincare", "kecantikan", "47722", ()),
    ("Kosmetik", "kecantikan", "47722", ()),
    ("Jamu", "kecantikan", "21022", ()),
    ("Las", "pertukangan", "25119", ()),
    ("Kusen", "pertukangan", "16221", ()),
    ("Teralis", "pertukangan", "25119", ()),
)

ADJECTIVES = (
    "Berkah", "Barokah", "Jaya", "Makmur", "Sentosa", "Abadi", "Mandiri", "Indah",
    "Sukses", "Mulia", "Amanah", "Utama", "Sejahtera", "Rejeki", "Sinar", "Mekar",
    "Baru", "Lestari", "Sejati", "Maju", "Bersama", "Family", "Putra", "Putri",
    "Sakinah", "Mutiara", "Cahaya", "Harapan", "Karya", "Bintang", "Sederhana",
    "Murah", "Sehat", "Nikmat", "Lezat", "Asli", "Rizki", "Hikmah", "Annisa",
    "Kencana", "Permata", "Sumber Rejeki", "Sumber Makmur", "Sri Rejeki", "Al-Ikhlas",
    "Khas Banten", "Mandala", "Pelangi", "Nusantara", "Anugrah",
)

GENERIC_SHOP_NAMES = (
    "Toko Berkah", "Warung Barokah", "Toko Sumber Rejeki", "Warung Makmur", "Toko Jaya",
    "Toko Sinar Jaya", "Warung Berkah", "Toko Barokah", "Kedai Sederhana", "Toko Mandiri",
    "Warung Sederhana", "Toko Rizki", "Toko Amanah", "Warung Sejahtera", "Toko Sejahtera",
    "Toko Makmur Jaya", "Warung Bu Siti", "Toko Maju Jaya",
)

SHOP_WORDS = ("Toko", "Warung", "Kedai", "Kios", "RM", "UD", "Depot", "Grosir")
LEGAL_FORMS_IN_NAMES = ("CV", "PT", "UD")
PLATFORM_SUFFIXES = (" Official", " Store", " Shop", " Official Shop", " ID", " Official Store", " Olshop")
EMOJI = ("⭐", "🛒", "☕", "🌶️", "🔥", "✨", "💯", "🍜", "🎁", "✅")
BRANCH_WORDS = ("2", "Grosir", "Official", "Store", "Outlet", "Cabang", "Online", "Jaya")

JALAN_NAMES = (
    "Raya Serang", "Raya Labuan", "Ahmad Yani", "Diponegoro", "Sudirman",
    "Syekh Nawawi Al Bantani", "Otista", "Siliwangi", "Veteran", "Kisamaun",
    "Raya Balaraja", "Raya Cilegon", "Raya Puspiptek", "KH. Abdul Fatah Hasan",
    "Raya Pandeglang", "Maulana Hasanudin", "Sultan Ageng Tirtayasa", "Raya Rangkasbitung",
    "Multatuli", "Trip Jamaksari", "Raya Pasar Kemis", "Raya Curug", "Raya Legok",
    "Pahlawan Seribu", "Raya Ciputat", "Raya Serpong", "Merdeka", "Imam Bonjol",
    "Gatot Subroto", "Kartini", "Pemuda", "Raya Mauk", "Raya Tigaraksa", "Raya Anyer",
    "Raya Merak", "Kapten Tendean", "Raya Cikande", "Raya Malingping", "Raya Saketi",
    "Pangeran Jayakarta", "Raya Jakarta", "Cut Mutia", "Dr. Soetomo", "Raya Petir",
)

GANG_NAMES = (
    "Kenanga", "Sawo", "Melati", "Mawar", "Masjid", "Haji Naim", "Damai", "Rambutan",
    "Mangga", "Kelapa", "Delima", "Anggrek", "Cempaka", "H. Dul", "Swadaya", "Musholla",
    "Nangka", "Jambu", "Bhakti", "Sukun",
)

KAMPUNG_NAMES = (
    "Kramat Wetan", "Tegalbaru", "Sukamaju", "Pasir Gadung", "Cikupa Hilir", "Babakan",
    "Pabuaran", "Leuwidahu", "Cipare", "Kebon Jahe", "Sukasari", "Gunung Sari", "Kaloran",
    "Cigadung", "Pasir Kupa", "Kadu Gede", "Cilaku", "Kebon Kelapa", "Pasir Angin",
    "Tanjung Sari", "Sindang Laut", "Bojong", "Cibeber", "Kaum",
)

PERUM_NAMES = (
    "Bumi Serpong", "Puri Permata", "Villa Pamulang", "Griya Rangkas Indah",
    "Mustika Tigaraksa", "Villa Mutiara", "Pamulang Permai", "Bumi Indah", "Taman Krakatau",
    "Citra Raya", "Griya Serang Asri", "Bumi Ciruas Permai", "Taman Banten Lestari",
    "Puri Anggrek Serang", "Pondok Cilegon Indah", "Graha Walantaka", "Villa Balaraja",
    "Permata Tangerang", "Bumi Puspiptek Asri", "Griya Pandeglang Asri",
)

EMAIL_DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "yahoo.co.id", "yahoo.com", "ymail.com")

MOBILE_PREFIXES = (
    "0811", "0812", "0813", "0821", "0822", "0823", "0852", "0853", "0851", "0855",
    "0856", "0857", "0858", "0814", "0815", "0816", "0817", "0818", "0819", "0859",
    "0877", "0878", "0881", "0882", "0883", "0887", "0888", "0895", "0896", "0897",
    "0898", "0899", "0831", "0832", "0838",
)

# Landline area codes per kabupaten/kota code.
AREA_CODES = {
    "3601": "0253", "3602": "0252", "3603": "021", "3604": "0254",
    "3671": "021", "3672": "0254", "3673": "0254", "3674": "021",
}

GARBAGE_NAMES = ("", "-", "N/A", "n/a", ".", "-", "")

INDONESIAN_MONTHS = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
    "September", "Oktober", "November", "Desember",
)

HEAD_OF_OFFICE_NAMES = (
    "Dr. Tb. Fuad Hasan, M.Pd", "Hj. Euis Komalasari, S.E., M.M.", "Drs. H. Ahmad Sobari, M.Si",
    "Ir. Rudi Hermawan, M.T.", "H. Dadang Sudrajat, S.Sos, M.Si",
)

CILEGON_LINGKUNGAN = ("Cibeber", "Kalitimbang", "Citangkil", "Kubangsari", "Ciwedus", "Jombang Wetan")
