//! The three documents of W10, generated from a fixed seed before anything is
//! timed, each shaped like a well-known real file, and the walk's checksum.
//!
//! - **geo** (number-heavy, like `canada.json`): a GeoJSON
//!   `FeatureCollection` of polygons whose rings are arrays of
//!   `[lon, lat]` pairs.
//! - **catalogue** (object-heavy, like `citm_catalog.json`): an event
//!   catalogue whose events, names, prices and sessions are maps keyed by
//!   id, nested three and four deep.
//! - **timeline** (string-heavy, like `twitter.json`): a social-media
//!   search result of statuses with users and entities, long numeric ids
//!   given twice (`"id"` and `"id_str"`), text in Japanese, Greek,
//!   Cyrillic, accented Latin and emoji; a third of the statuses escape
//!   every non-ASCII character as `\uXXXX` (surrogate pairs for emoji), as
//!   the Twitter API did.
//!
//! Every object's keys are distinct (`serde_json::Value`'s map would merge
//! duplicates and change the checksum).

use std::fmt::Write as _;

pub const SEED: u64 = 0x0057_1020_2026_0003;

/// xorshift64*: small, fast and deterministic.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// One generated document.
pub struct Doc {
    pub name: &'static str,
    pub text: String,
}

pub const NAMES: [&str; 3] = ["geo", "catalogue", "timeline"];

/// The three documents, 1-3 MB each.
pub fn all() -> Vec<Doc> {
    vec![
        Doc {
            name: NAMES[0],
            text: geo(&mut Rng::new(SEED)),
        },
        Doc {
            name: NAMES[1],
            text: catalogue(&mut Rng::new(SEED ^ 1)),
        },
        Doc {
            name: NAMES[2],
            text: timeline(&mut Rng::new(SEED ^ 2)),
        },
    ]
}

/// Writes `s` as a JSON string literal; with `ascii`, every non-ASCII
/// character as `\uXXXX` (a surrogate pair above U+FFFF).
fn string(out: &mut String, s: &str, ascii: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '/' => out.push_str("\\/"),
            c if ascii && !c.is_ascii() => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    write!(out, "\\u{u:04x}").unwrap();
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ----- geo: number-heavy ------------------------------------------------------------

fn geo(rng: &mut Rng) -> String {
    const KINDS: [&str; 5] = ["forest", "lake", "parcel", "wetland", "park"];
    let mut s = String::with_capacity(2_300_000);
    s.push_str("{\"type\":\"FeatureCollection\",\"features\":[");
    let mut feature = 0;
    while s.len() < 2_000_000 {
        if feature > 0 {
            s.push(',');
        }
        let (lon0, lat0) = (-140.0 + rng.unit() * 80.0, 42.0 + rng.unit() * 30.0);
        write!(
            s,
            "{{\"type\":\"Feature\",\"id\":{feature},\"properties\":{{\"name\":\"{} {feature}\",\
             \"admin_level\":{},\"area_km2\":{:.3}}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[",
            rng.pick(&KINDS),
            4 + rng.below(6),
            rng.unit() * 5000.0,
        )
        .unwrap();
        // An outer ring, sometimes a hole; closed (last point = first).
        let rings = 1 + usize::from(rng.below(4) == 0);
        for ring in 0..rings {
            if ring > 0 {
                s.push(',');
            }
            s.push('[');
            let points = 8 + rng.below(120) as usize;
            let (mut lon, mut lat) = (lon0 + ring as f64 * 0.01, lat0);
            let first = (lon, lat);
            for p in 0..points {
                if p > 0 {
                    s.push(',');
                }
                let (x, y) = if p + 1 == points { first } else { (lon, lat) };
                // Digits as real files carry them: some with 6, most with
                // the full double.
                if rng.below(3) == 0 {
                    write!(s, "[{x:.6},{y:.6}]").unwrap();
                } else {
                    write!(s, "[{x},{y}]").unwrap();
                }
                lon += (rng.unit() - 0.5) * 0.02;
                lat += (rng.unit() - 0.5) * 0.02;
            }
            s.push(']');
        }
        s.push_str("]}}");
        feature += 1;
    }
    s.push_str("]}");
    s
}

// ----- catalogue: object-heavy ------------------------------------------------------

fn catalogue(rng: &mut Rng) -> String {
    const WORDS: [&str; 12] = [
        "Orchestre",
        "symphonique",
        "Récital",
        "piano",
        "Opéra",
        "Traviata",
        "Jazz",
        "Villette",
        "Ballet",
        "Quatuor",
        "cordes",
        "Philharmonie",
    ];
    const CATEGORIES: [&str; 5] = ["adult", "child", "senior", "student", "group"];
    let mut s = String::with_capacity(2_300_000);
    let name = |rng: &mut Rng, s: &mut String| {
        let words = 1 + rng.below(4);
        let mut text = String::new();
        for w in 0..words {
            if w > 0 {
                text.push(' ');
            }
            text.push_str(rng.pick(&WORDS));
        }
        string(s, &text, false);
    };
    // Maps of names by id.
    s.push('{');
    for (k, (map, n, base)) in [
        ("areaNames", 200, 205_705_993_u64),
        ("audienceSubCategoryNames", 40, 337_100_890),
        ("seatCategoryNames", 300, 338_937_235),
        ("topicNames", 120, 107_888_604),
    ]
    .into_iter()
    .enumerate()
    {
        if k > 0 {
            s.push(',');
        }
        write!(s, "\"{map}\":{{").unwrap();
        for i in 0..n {
            if i > 0 {
                s.push(',');
            }
            write!(s, "\"{}\":", base + i).unwrap();
            name(rng, &mut s);
        }
        s.push('}');
    }
    // The events, keyed by id.
    s.push_str(",\"events\":{");
    let mut e = 0u64;
    while s.len() < 1_900_000 {
        let id = 138_586_341 + e * 7;
        if e > 0 {
            s.push(',');
        }
        write!(s, "\"{id}\":{{\"id\":{id},\"name\":").unwrap();
        name(rng, &mut s);
        write!(
            s,
            ",\"description\":null,\"logo\":\"/images/UE0AAAAACEKo{:06X}AAAAZDSVRN\",\
             \"subjectCode\":null,\"subtitle\":null,\"topicIds\":[{},{}],\"venue\":{{\"name\":",
            rng.below(1 << 24),
            324_846_099 + rng.below(40),
            107_888_604 + rng.below(120),
        )
        .unwrap();
        name(rng, &mut s);
        write!(
            s,
            ",\"address\":{{\"street\":\"{} rue de la Paix\",\"city\":\"Paris\",\"zip\":\"750{:02}\"}},\
             \"geo\":{{\"lat\":{:.6},\"lon\":{:.6}}}}},\"prices\":{{",
            1 + rng.below(200),
            1 + rng.below(20),
            48.8 + rng.unit() * 0.1,
            2.3 + rng.unit() * 0.1,
        )
        .unwrap();
        let categories = 1 + rng.below(CATEGORIES.len() as u64) as usize;
        for (k, category) in CATEGORIES[..categories].iter().enumerate() {
            let sep = if k > 0 { "," } else { "" };
            write!(
                s,
                "{sep}\"{category}\":{{\"amount\":{},\"currency\":\"EUR\",\"seatCategoryId\":{}}}",
                10_000 + rng.below(90_000),
                338_937_235 + rng.below(300),
            )
            .unwrap();
        }
        s.push_str("},\"sessions\":{");
        for k in 0..1 + rng.below(4) {
            let sep = if k > 0 { "," } else { "" };
            write!(
                s,
                "{sep}\"{}\":{{\"start\":{},\"seats\":{{\"available\":{},\"total\":{}}},\
                 \"soldOut\":{},\"areas\":{{\"{}\":{{\"blockIds\":[]}}}}}}",
                339_420_802 + e * 10 + k,
                1_372_701_600_000 + rng.below(1_000_000) * 1000,
                rng.below(121),
                120 + rng.below(2000),
                rng.below(5) == 0,
                205_705_993 + rng.below(200),
            )
            .unwrap();
        }
        s.push_str("}}");
        e += 1;
    }
    s.push_str("}}");
    s
}

// ----- timeline: string-heavy -------------------------------------------------------

fn timeline(rng: &mut Rng) -> String {
    const WORDS: [&str; 36] = [
        "今日は",
        "東京",
        "ラーメン",
        "美味しい",
        "新宿で",
        "友達と",
        "映画を見た",
        "雨",
        "ありがとう",
        "😀",
        "🎉",
        "🔥",
        "❤\u{fe0f}",
        "👍🏽",
        "café",
        "naïve",
        "Zürich",
        "São Paulo",
        "Ελλάδα",
        "καλημέρα",
        "Москва",
        "привет",
        "the",
        "new",
        "release",
        "is",
        "out",
        "check",
        "this",
        "thread",
        "amazing",
        "weekend",
        "coffee",
        "with",
        "friends",
        "tonight",
    ];
    const LANGS: [&str; 5] = ["ja", "en", "fr", "el", "ru"];
    const SOURCES: [&str; 3] = [
        "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
        "<a href=\"http://twitter.com/download/android\" rel=\"nofollow\">Twitter for Android</a>",
        "<a href=\"https://about.twitter.com/products/tweetdeck\" rel=\"nofollow\">TweetDeck</a>",
    ];
    let text = |rng: &mut Rng, words: u64| {
        let mut t = String::new();
        for w in 0..words {
            if w > 0 {
                t.push(' ');
            }
            t.push_str(rng.pick(&WORDS));
        }
        t
    };
    let mut s = String::with_capacity(2_300_000);
    s.push_str("{\"statuses\":[");
    let mut n = 0u64;
    while s.len() < 2_000_000 {
        if n > 0 {
            s.push(',');
        }
        let ascii = rng.below(3) == 0;
        let id = 505_874_924_095_815_681 + n * 1_000_003 + rng.below(1000);
        let user = 1_186_275_104 + rng.below(100_000_000);
        let lang = rng.pick(&LANGS);
        write!(
            s,
            "{{\"metadata\":{{\"result_type\":\"recent\",\"iso_language_code\":\"{lang}\"}},\
             \"created_at\":\"Sun Aug 31 00:{:02}:{:02} +0000 2014\",\"id\":{id},\"id_str\":\"{id}\",\"text\":",
            rng.below(60),
            rng.below(60),
        )
        .unwrap();
        let words = 4 + rng.below(20);
        string(&mut s, &text(rng, words), ascii);
        s.push_str(",\"source\":");
        string(&mut s, rng.pick(&SOURCES), ascii);
        let reply = rng.below(4) == 0;
        if reply {
            let to = id - 1 - rng.below(1_000_000);
            write!(
                s,
                ",\"truncated\":false,\"in_reply_to_status_id\":{to},\"in_reply_to_status_id_str\":\"{to}\",\
                 \"in_reply_to_user_id\":{user},\"in_reply_to_user_id_str\":\"{user}\",\
                 \"in_reply_to_screen_name\":\"user_{user:x}\""
            )
            .unwrap();
        } else {
            s.push_str(
                ",\"truncated\":false,\"in_reply_to_status_id\":null,\"in_reply_to_status_id_str\":null,\
                 \"in_reply_to_user_id\":null,\"in_reply_to_user_id_str\":null,\"in_reply_to_screen_name\":null",
            );
        }
        write!(
            s,
            ",\"user\":{{\"id\":{user},\"id_str\":\"{user}\",\"name\":"
        )
        .unwrap();
        let words = 1 + rng.below(2);
        let name = text(rng, words);
        string(&mut s, &name, ascii);
        write!(s, ",\"screen_name\":\"user_{user:x}\",\"location\":").unwrap();
        let location = text(rng, 1);
        string(&mut s, &location, ascii);
        s.push_str(",\"description\":");
        let words = 5 + rng.below(25);
        let description = text(rng, words);
        string(&mut s, &description, ascii);
        write!(
            s,
            ",\"url\":null,\"entities\":{{\"description\":{{\"urls\":[]}}}},\"protected\":false,\
             \"followers_count\":{},\"friends_count\":{},\"listed_count\":{},\
             \"created_at\":\"Fri Feb 01 07:{:02}:{:02} +0000 2013\",\"favourites_count\":{},\
             \"utc_offset\":null,\"time_zone\":null,\"geo_enabled\":{},\"verified\":{},\
             \"statuses_count\":{},\"lang\":\"{lang}\",\"profile_background_color\":\"C0DEED\",\
             \"profile_image_url_https\":\"https://pbs.twimg.com/profile_images/{}/{:016x}_normal.jpeg\",\
             \"default_profile\":{},\"following\":false,\"notifications\":false}}",
            rng.below(100_000),
            rng.below(5_000),
            rng.below(100),
            rng.below(60),
            rng.below(60),
            rng.below(10_000),
            rng.below(2) == 0,
            rng.below(50) == 0,
            rng.below(100_000),
            500_000_000_000_000_000 + rng.below(1 << 40),
            rng.next(),
            rng.below(2) == 0,
        )
        .unwrap();
        s.push_str(
            ",\"geo\":null,\"coordinates\":null,\"place\":null,\"contributors\":null,\
             \"retweet_count\":",
        );
        write!(
            s,
            "{},\"favorite_count\":{},\"entities\":{{\"hashtags\":[",
            rng.below(1000),
            rng.below(1000)
        )
        .unwrap();
        for h in 0..rng.below(3) {
            if h > 0 {
                s.push(',');
            }
            s.push_str("{\"text\":");
            let tag = text(rng, 1);
            string(&mut s, &tag, ascii);
            let at = rng.below(100);
            write!(s, ",\"indices\":[{at},{}]}}", at + 1 + rng.below(10)).unwrap();
        }
        s.push_str("],\"symbols\":[],\"urls\":[");
        if rng.below(3) == 0 {
            let code = rng.next();
            write!(
                s,
                "{{\"url\":\"http:\\/\\/t.co\\/{code:010x}\",\"expanded_url\":\"https:\\/\\/example.com\\/{}\\/{code:x}\",\
                 \"display_url\":\"example.com\\/{}\u{2026}\",\"indices\":[{},{}]}}",
                rng.below(1000),
                rng.below(1000),
                rng.below(50),
                50 + rng.below(50),
            )
            .unwrap();
        }
        s.push_str("],\"user_mentions\":[]}");
        write!(
            s,
            ",\"favorited\":false,\"retweeted\":false,\"lang\":\"{lang}\"}}"
        )
        .unwrap();
        n += 1;
    }
    write!(
        s,
        "],\"search_metadata\":{{\"completed_in\":0.087,\"max_id\":505874924095815681,\
         \"max_id_str\":\"505874924095815681\",\"query\":\"%E4%B8%80\",\"count\":{n},\"since_id\":0}}}}"
    )
    .unwrap();
    s
}

// ----- the walk's checksum -----------------------------------------------------------

/// What a walk adds up: the same for every contestant, or the bench fails.
/// Order-independent (`serde_json::Value`'s map sorts its keys).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sum {
    pub values: u64,
    pub nulls: u64,
    pub trues: u64,
    pub numbers: u64,
    /// The numbers' `f64` bit patterns, added (wrapping).
    pub number_bits: u64,
    pub strings: u64,
    pub arrays: u64,
    pub objects: u64,
    pub members: u64,
    /// Bytes of strings and keys.
    pub bytes: u64,
    /// The first and last byte of every string and key, added: the walk
    /// reads the text, not only its length.
    pub ends: u64,
}

impl Sum {
    #[inline]
    pub fn text(&mut self, s: &str) {
        let b = s.as_bytes();
        self.bytes += b.len() as u64;
        if let (Some(&first), Some(&last)) = (b.first(), b.last()) {
            self.ends += u64::from(first) + u64::from(last);
        }
    }
    #[inline]
    pub fn number(&mut self, x: f64) {
        self.numbers += 1;
        self.number_bits = self.number_bits.wrapping_add(x.to_bits());
    }
    /// All fields folded into one number, for the child's report line.
    pub fn digest(&self) -> u64 {
        [
            self.values,
            self.nulls,
            self.trues,
            self.numbers,
            self.number_bits,
            self.strings,
            self.arrays,
            self.objects,
            self.members,
            self.bytes,
            self.ends,
        ]
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, &x| {
            (h ^ x).wrapping_mul(0x0100_0000_01b3)
        })
    }
}
