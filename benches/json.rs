//! W10, a JSON DOM: parse with serde_json, walk and drop three generated
//! documents of about 2 MB, per contestant (issue 20, item 3).
//!
//! ```text
//! cargo bench --bench json                  # 15 rounds of 10 repetitions per document
//! cargo bench --bench json -- --quick       # or ARENA_BENCH_QUICK=1: 3 rounds of 3
//! cargo bench --bench json -- --only ours,serde_json --rounds 3 --reps 5
//! cargo bench --bench json -- --child ours --reps 200 --doc catalogue   # one contestant, in this process (for perf)
//! cargo bench --bench json -- --clock cpu   # or ARENA_BENCH_CLOCK=cpu: thread CPU time, for a busy machine
//! ```
//!
//! The documents (`json/docs.rs`, from a fixed seed, made before anything
//! is timed): **geo**, number-heavy GeoJSON coordinates; **catalogue**, an
//! object-heavy event catalogue of nested maps; **timeline**, a
//! string-heavy social-media timeline with unicode and long ids. The
//! contestants (`json/contestants.rs`): `serde_json::Value`, a DOM of
//! `Arc<str>`/`Arc<[_]>`, one of multitude's `Arc`s, each read with a `Vec`
//! per container (the natural way) and with this crate's per-document
//! stacks, and this crate's `Value`/`Member` from `examples/json.rs`. All
//! read numbers as `f64` but `serde_json::Value` (`u64`/`i64`/`f64`).
//!
//! Phases, each timed on its own, on one thread: **parse** (from a `&str`
//! in memory; making the contestant's arena included), **walk** (a
//! checksum of every value, string and key; it must equal the one of
//! `serde_json::Value` on every document, or the bench fails) and
//! **drop** (the document, then what its arena holds: multitude's `Arena`
//! is dropped, this crate calls `arena_arc::recycle_thread()`, which frees
//! the document and keeps its chunks for the next one).
//!
//! Every run is a process of its own (this binary with `--child NAME`),
//! which parses, walks and drops the three documents in turn `--reps`
//! times and reports each phase's median per document; the parent runs the
//! rounds round-robin, each in a rotated order, and takes the medians of
//! the rounds. The heap is counted (`ast/measure.rs`) in one extra process
//! per contestant and document, so that the counting does not slow the
//! timed runs: the peak of the bytes in use above what was in use before
//! the parse (the document text excluded), and what is left after the drop
//! phase.
//!
//! Prints markdown tables and writes `target/bench-report/json.json`.

#[path = "json/contestants.rs"]
mod contestants;
#[path = "json/docs.rs"]
mod docs;
#[allow(dead_code)]
#[path = "../examples/json.rs"]
mod example;
#[path = "ast/measure.rs"]
mod measure;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::Ordering;

use contestants::{ALL, Entry, Sample};
use measure::{fmt, heap, median};

// ----- configuration -----------------------------------------------------------

struct Config {
    rounds: usize,
    reps: usize,
    quick: bool,
    only: Option<Vec<String>>,
    docs: Vec<String>,
    child: Option<String>,
    count: bool,
    cpu_clock: bool,
}

fn config() -> Config {
    let mut args = std::env::args().skip(1);
    let mut quick = std::env::var_os("ARENA_BENCH_QUICK").is_some_and(|v| v != "0");
    let mut cpu_clock = std::env::var("ARENA_BENCH_CLOCK").is_ok_and(|v| v == "cpu");
    let (mut rounds, mut reps, mut only, mut docs, mut child, mut count) =
        (None, None, None, None, None, false);
    let list = |v: String| v.split(',').map(str::to_string).collect::<Vec<_>>();
    while let Some(arg) = args.next() {
        let mut value = |what: &str| {
            args.next()
                .unwrap_or_else(|| panic!("json: {arg} needs {what}"))
        };
        let number = |v: String| v.parse::<usize>().expect("json: a number");
        match arg.as_str() {
            "--quick" => quick = true,
            "--rounds" => rounds = Some(number(value("a number")).max(1)),
            "--reps" => reps = Some(number(value("a number")).max(1)),
            "--only" => only = Some(list(value("contestant names"))),
            "--doc" => docs = Some(list(value("geo, catalogue and/or timeline"))),
            "--child" => child = Some(value("a contestant name")),
            "--count" => count = true,
            "--clock" => cpu_clock = value("cpu or wall") == "cpu",
            // `cargo bench` passes `--bench`; the rest is ignored.
            _ => {}
        }
    }
    let docs = docs.unwrap_or_else(|| docs::NAMES.map(str::to_string).to_vec());
    for d in &docs {
        assert!(docs::NAMES.contains(&d.as_str()), "json: no document {d}");
    }
    Config {
        rounds: rounds.unwrap_or(if quick { 3 } else { 15 }),
        reps: reps.unwrap_or(if quick { 3 } else { 10 }),
        quick,
        only,
        docs,
        child,
        count,
        cpu_clock,
    }
}

// ----- a child: one contestant, its documents, `reps` times --------------------------

fn child(cfg: &Config, name: &str) {
    let entry = contestants::find(name).unwrap_or_else(|| panic!("json: no contestant {name}"));
    let docs: Vec<docs::Doc> = docs::all()
        .into_iter()
        .filter(|d| cfg.docs.iter().any(|n| n == d.name))
        .collect();
    heap::COUNTING.store(cfg.count, Ordering::Relaxed);
    measure::CPU_CLOCK.store(cfg.cpu_clock, Ordering::Relaxed);
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); docs.len()];
    for _ in 0..cfg.reps {
        for (d, doc) in docs.iter().enumerate() {
            samples[d].push((entry.run)(&doc.text));
        }
    }
    for (doc, s) in docs.iter().zip(&samples) {
        let sum = s[0].sum;
        assert!(
            s.iter().all(|x| x.sum == sum),
            "json: {name} walked {} differently from one repetition to the next",
            doc.name
        );
        let med = |f: &dyn Fn(&Sample) -> u64| median(s.iter().map(|x| f(x) as f64).collect());
        println!(
            "W10 doc={} bytes={} values={} digest={} parse={} walk={} drop={} total={} heap_peak={} left={}",
            doc.name,
            doc.text.len(),
            sum.values,
            sum.digest(),
            med(&|x| x.parse),
            med(&|x| x.walk),
            med(&|x| x.drop),
            med(&|x| x.parse + x.walk + x.drop),
            s.iter().map(|x| x.heap_peak).max().unwrap_or(0),
            s.last().map_or(0, |x| x.left),
        );
    }
}

/// A child's report: the fields of one document's line.
type Fields = BTreeMap<String, f64>;

fn run_child(cfg: &Config, name: &str, docs: &[String], count: bool) -> BTreeMap<String, Fields> {
    let exe = std::env::current_exe().expect("json: current_exe");
    let mut cmd = Command::new(exe);
    cmd.args(["--child", name, "--doc", &docs.join(",")]);
    cmd.args(["--reps", &if count { 1 } else { cfg.reps }.to_string()]);
    cmd.args(["--clock", if cfg.cpu_clock { "cpu" } else { "wall" }]);
    if count {
        cmd.arg("--count");
    }
    let out = cmd.output().expect("json: could not start a child");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        panic!("json: the run of {name} failed ({})", out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut by_doc = BTreeMap::new();
    for line in text.lines().filter_map(|l| l.strip_prefix("W10 ")) {
        let mut doc = String::new();
        let mut fields = Fields::new();
        for (k, v) in line.split(' ').filter_map(|kv| kv.split_once('=')) {
            if k == "doc" {
                doc = v.to_string();
            } else {
                fields.insert(k.to_string(), v.parse().expect("json: a number"));
            }
        }
        by_doc.insert(doc, fields);
    }
    assert_eq!(by_doc.len(), docs.len(), "json: {name} missed a document");
    by_doc
}

// ----- the parent: rounds, medians, tables, JSON ---------------------------------------

struct Results {
    entry: &'static Entry,
    /// Per document: the runs' fields.
    runs: BTreeMap<String, Vec<Fields>>,
    /// Per document: the counted run's fields.
    counted: BTreeMap<String, Fields>,
}

impl Results {
    /// The median over the rounds of `key` on `doc`, in milliseconds for
    /// times.
    fn ms(&self, doc: &str, key: &str) -> f64 {
        median(self.runs[doc].iter().map(|f| f[key] / 1e6).collect())
    }
    fn heap(&self, doc: &str) -> f64 {
        self.counted[doc]["heap_peak"]
    }
}

fn mb(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v < 100_000.0 {
        format!("{:.1} KB", v / 1e3)
    } else {
        format!("{:.2} MB", v / 1e6)
    }
}

fn geomean(v: &[f64]) -> f64 {
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp()
}

fn main() {
    let cfg = config();
    if let Some(name) = cfg.child.clone() {
        child(&cfg, &name);
        return;
    }
    let entries: Vec<&'static Entry> = match &cfg.only {
        None => ALL.iter().collect(),
        Some(names) => names
            .iter()
            .map(|n| contestants::find(n).unwrap_or_else(|| panic!("json: no contestant {n}")))
            .collect(),
    };
    let all_docs: Vec<docs::Doc> = docs::all()
        .into_iter()
        .filter(|d| cfg.docs.iter().any(|n| n == d.name))
        .collect();
    // In the order of `docs::NAMES`: number-, object-, then string-heavy.
    let expected: Vec<(&str, usize, docs::Sum)> = all_docs
        .iter()
        .map(|d| (d.name, d.text.len(), contestants::expected(&d.text)))
        .collect();
    drop(all_docs);
    eprintln!(
        "W10: {} documents, {} rounds of {} repetitions over {} contestants, one process per run, {} time{}",
        cfg.docs.len(),
        cfg.rounds,
        cfg.reps,
        entries.len(),
        if cfg.cpu_clock { "thread CPU" } else { "wall" },
        if cfg.quick { " (quick)" } else { "" }
    );
    let mut runs: Vec<BTreeMap<String, Vec<Fields>>> = vec![BTreeMap::new(); entries.len()];
    for round in 0..cfg.rounds {
        // Rotate the order, so that no contestant always follows another.
        for k in 0..entries.len() {
            let i = (k + round) % entries.len();
            let by_doc = run_child(&cfg, entries[i].name, &cfg.docs, false);
            let total: f64 = by_doc.values().map(|f| f["total"] / 1e6).sum();
            eprintln!(
                "  round {} {:>16}: {total:.2} ms for the {} documents",
                round + 1,
                entries[i].name,
                by_doc.len()
            );
            for (doc, f) in by_doc {
                runs[i].entry(doc).or_default().push(f);
            }
        }
    }
    let results: Vec<Results> = entries
        .iter()
        .zip(runs)
        .map(|(&entry, runs)| {
            // One process per document: its peak is that document's alone.
            let counted = cfg
                .docs
                .iter()
                .flat_map(|d| run_child(&cfg, entry.name, std::slice::from_ref(d), true))
                .collect();
            Results {
                entry,
                runs,
                counted,
            }
        })
        .collect();
    for r in &results {
        for (doc, _, sum) in &expected {
            for f in r.runs[*doc].iter().chain([&r.counted[*doc]]) {
                assert_eq!(
                    f["digest"],
                    sum.digest() as f64,
                    "json: {} walked {doc} to another checksum than serde_json::Value",
                    r.entry.name
                );
            }
        }
    }

    let find = |name: &str| results.iter().find(|r| r.entry.name == name);
    let base = find("serde_json");
    let ratio = |r: &Results, doc: &str, f: &dyn Fn(&Results, &str) -> f64| {
        base.map_or(f64::NAN, |b| f(r, doc) / f(b, doc))
    };
    let total = |r: &Results, doc: &str| r.ms(doc, "total");
    let heap_of = |r: &Results, doc: &str| r.heap(doc);

    // The tables: one per document, then the ratios.
    let mut md = String::new();
    writeln!(
        md,
        "W10: medians of {} runs (one process each) of the median of {} repetitions, ms ({} time); heap from one counted run per document.\n",
        cfg.rounds,
        cfg.reps,
        if cfg.cpu_clock { "thread CPU" } else { "wall" },
    )
    .unwrap();
    for (doc, bytes, sum) in &expected {
        writeln!(
            md,
            "**{doc}**: {:.2} MB of JSON, {} values ({} numbers, {} strings, {} arrays, {} objects of {} members).\n",
            *bytes as f64 / 1e6,
            sum.values,
            sum.numbers,
            sum.strings,
            sum.arrays,
            sum.objects,
            sum.members,
        )
        .unwrap();
        md.push_str(
            "| contestant | parse | walk | drop | total | × serde_json | peak heap | × serde_json | left after drop |\n\
             |---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
        );
        for r in &results {
            writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                r.entry.label,
                fmt(r.ms(doc, "parse")),
                fmt(r.ms(doc, "walk")),
                fmt(r.ms(doc, "drop")),
                fmt(r.ms(doc, "total")),
                fmt(ratio(r, doc, &total)),
                mb(r.heap(doc)),
                fmt(ratio(r, doc, &heap_of)),
                mb(r.counted[*doc]["left"]),
            )
            .unwrap();
        }
        md.push('\n');
    }
    let docs: Vec<&str> = expected.iter().map(|e| e.0).collect();
    if base.is_some() {
        write!(md, "Ratios to `serde_json::Value`: total time").unwrap();
        md.push_str(
            " per document, its geometric mean, and the same for the peak heap.\n\n| contestant |",
        );
        for d in &docs {
            write!(md, " {d} |").unwrap();
        }
        md.push_str(" geomean |");
        for d in &docs {
            write!(md, " heap {d} |").unwrap();
        }
        md.push_str(" heap geomean |\n|---|");
        md.push_str(&"--:|".repeat(2 * docs.len() + 2));
        md.push('\n');
        for r in &results {
            let t: Vec<f64> = docs.iter().map(|d| ratio(r, d, &total)).collect();
            let h: Vec<f64> = docs.iter().map(|d| ratio(r, d, &heap_of)).collect();
            write!(md, "| {} |", r.entry.label).unwrap();
            for x in &t {
                write!(md, " {} |", fmt(*x)).unwrap();
            }
            write!(md, " {} |", fmt(geomean(&t))).unwrap();
            for x in &h {
                write!(md, " {} |", fmt(*x)).unwrap();
            }
            writeln!(md, " {} |", fmt(geomean(&h))).unwrap();
        }
        if let Some(ours) = find("ours") {
            let t: Vec<f64> = docs.iter().map(|d| ratio(ours, d, &total)).collect();
            let h: Vec<f64> = docs.iter().map(|d| ratio(ours, d, &heap_of)).collect();
            let met = |ok: bool| if ok { "met" } else { "**not met**" };
            writeln!(md, "\nTargets for this crate:\n").unwrap();
            writeln!(
                md,
                "- total ≤ 0.70 × serde_json, geometric mean: {} ({})",
                fmt(geomean(&t)),
                met(geomean(&t) <= 0.70)
            )
            .unwrap();
            writeln!(
                md,
                "- total ≤ 0.90 × serde_json on each document: {} ({})",
                t.iter().map(|x| fmt(*x)).collect::<Vec<_>>().join(", "),
                met(t.iter().all(|x| *x <= 0.90))
            )
            .unwrap();
            for rival in ["Arc", "Arc-stack", "multitude", "multitude-stack"] {
                if let Some(other) = find(rival) {
                    let ahead: Vec<f64> = docs
                        .iter()
                        .map(|d| total(ours, d) / total(other, d))
                        .collect();
                    writeln!(
                        md,
                        "- ahead of {rival} on each document: {} × its total ({})",
                        ahead.iter().map(|x| fmt(*x)).collect::<Vec<_>>().join(", "),
                        met(ahead.iter().all(|x| *x < 1.0))
                    )
                    .unwrap();
                }
            }
            writeln!(
                md,
                "- peak heap ≤ 0.60 × serde_json: {} per document, {} geometric mean ({} on each, {} on the mean)",
                h.iter().map(|x| fmt(*x)).collect::<Vec<_>>().join(", "),
                fmt(geomean(&h)),
                met(h.iter().all(|x| *x <= 0.60)),
                met(geomean(&h) <= 0.60),
            )
            .unwrap();
        }
    }
    print!("{md}");

    // The JSON.
    let mut js = String::new();
    writeln!(
        js,
        "{{\n  \"unix_time\": {},\n  \"rounds\": {},\n  \"reps\": {},\n  \"quick\": {},\n  \"clock\": \"{}\",\n  \"documents\": [{}],\n  \"contestants\": [",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        cfg.rounds,
        cfg.reps,
        cfg.quick,
        if cfg.cpu_clock { "cpu" } else { "wall" },
        expected
            .iter()
            .map(|(d, bytes, sum)| format!(
                "{{\"name\": \"{d}\", \"bytes\": {bytes}, \"values\": {}, \"numbers\": {}, \"strings\": {}, \
                 \"arrays\": {}, \"objects\": {}, \"members\": {}}}",
                sum.values, sum.numbers, sum.strings, sum.arrays, sum.objects, sum.members
            ))
            .collect::<Vec<_>>()
            .join(", "),
    )
    .unwrap();
    for (i, r) in results.iter().enumerate() {
        write!(
            js,
            "    {{\"name\": \"{}\", \"label\": \"{}\", \"documents\": {{",
            r.entry.name,
            r.entry.label.replace('"', "\\\""),
        )
        .unwrap();
        for (k, d) in docs.iter().enumerate() {
            let samples = r.runs[*d]
                .iter()
                .map(|f| format!("{:.4}", f["total"] / 1e6))
                .collect::<Vec<_>>()
                .join(", ");
            write!(
                js,
                "{}\"{d}\": {{\"parse_ms\": {:.4}, \"walk_ms\": {:.4}, \"drop_ms\": {:.4}, \"total_ms\": {:.4}, \
                 \"total_vs_serde_json\": {:.4}, \"heap_peak\": {}, \"heap_vs_serde_json\": {:.4}, \"left_after_drop\": {}, \
                 \"total_samples_ms\": [{samples}]}}",
                if k > 0 { ", " } else { "" },
                r.ms(d, "parse"),
                r.ms(d, "walk"),
                r.ms(d, "drop"),
                r.ms(d, "total"),
                ratio(r, d, &total),
                r.heap(d),
                ratio(r, d, &heap_of),
                r.counted[*d]["left"],
            )
            .unwrap();
        }
        js.push_str("}}");
        js.push_str(if i + 1 < results.len() { ",\n" } else { "\n" });
    }
    js.push_str("  ]\n}\n");
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("bench-report");
    std::fs::create_dir_all(&dir).expect("json: create target/bench-report");
    let path = dir.join("json.json");
    std::fs::write(&path, js.replace("NaN", "null")).expect("json: write json.json");
    eprintln!("wrote {}", path.display());
}
