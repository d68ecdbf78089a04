//! W8, the compiler workload: build, clone the root of, evaluate and drop a
//! deterministic expression tree of 1,000,000 nodes, per contestant.
//!
//! ```text
//! cargo bench --bench ast                 # 1,000,000 nodes, 15 rounds
//! cargo bench --bench ast -- --quick      # or ARENA_BENCH_QUICK=1: 200,000 nodes, 3 rounds
//! cargo bench --bench ast -- --only ours,multitude,Box
//! cargo bench --bench ast -- --child ours --repeat 20   # one contestant, in this process (for perf)
//! cargo bench --bench ast -- --clock cpu  # or ARENA_BENCH_CLOCK=cpu: thread CPU time, for a busy machine
//! cargo bench --bench ast -- --only bumpalo,bumpalo-fat   # opt-in experiments: `contestants::EXTRA`
//! ```
//!
//! The tree (`ast/tree.rs`) is a postfix program generated from a fixed seed
//! before anything is timed; each contestant's builder (`ast/contestants.rs`)
//! interprets it bottom-up. Phases, each timed on its own:
//!
//! - **build**: making the arena and the tree, on a worker thread (timed
//!   inside it), except for `Rc`, bumpalo and typed-arena, whose trees can't
//!   leave the thread that owns them: those build on the main thread.
//! - **clone**: 1000 clones of the root handle (not for `Box`, whose clone
//!   copies the tree).
//! - **eval**: the main thread evaluates the tree (wrapping `i64`); every
//!   contestant must find the value computed from the program without a
//!   tree, or the bench fails.
//! - **drop**: the main thread drops the root while the worker still holds
//!   the arena; then the worker drops the arena and ends (timed inside it).
//!   The two are added.
//!
//! **Every run is a process of its own** (this binary, started again with
//! `--child NAME`): the parent runs the rounds round-robin, each round in a
//! rotated order, and takes medians. A fresh process per run makes peak RSS
//! exact (`VmHWM`, reset with `/proc/self/clear_refs` once the program is
//! generated, minus `VmRSS` then) and keeps one contestant's garbage in
//! glibc's free lists from flattering or penalising the next one (the W1
//! numbers moved by up to 25 % with the order of contestants in one
//! process). It is also what a compiler does: build one tree in a fresh
//! process.
//!
//! The heap is measured by a counting global allocator, switched on only in
//! one extra run per contestant (its atomic bookkeeping would slow the
//! contestants that call `malloc` per node): peak bytes in use, bytes left
//! once the root is dropped (the arena still alive on its thread), and once
//! the arena is dropped and its thread has ended.
//!
//! Prints a markdown table and writes `target/bench-report/ast.json`, which
//! `scripts/bench-report` renders.

#[path = "ast/contestants.rs"]
mod contestants;
#[path = "ast/measure.rs"]
mod measure;
#[path = "ast/run.rs"]
mod run;
#[path = "ast/tree.rs"]
mod tree;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::Ordering;

use contestants::{ALL, Entry};
use measure::{fmt, heap, median};
use run::Sample;

// ----- configuration -----------------------------------------------------------

struct Config {
    nodes: usize,
    rounds: usize,
    quick: bool,
    only: Option<Vec<String>>,
    child: Option<String>,
    count: bool,
    repeat: usize,
    cpu_clock: bool,
}

fn config() -> Config {
    let mut args = std::env::args().skip(1);
    let mut quick = std::env::var_os("ARENA_BENCH_QUICK").is_some_and(|v| v != "0");
    let mut cpu_clock = std::env::var("ARENA_BENCH_CLOCK").is_ok_and(|v| v == "cpu");
    let (mut nodes, mut rounds, mut only, mut child, mut count, mut repeat) =
        (None, None, None, None, false, 1);
    while let Some(arg) = args.next() {
        let mut value = |what: &str| {
            args.next()
                .unwrap_or_else(|| panic!("ast: {arg} needs {what}"))
        };
        match arg.as_str() {
            "--quick" => quick = true,
            "--nodes" => nodes = Some(value("a number").parse().expect("--nodes")),
            "--rounds" => rounds = Some(value("a number").parse().expect("--rounds")),
            "--repeat" => repeat = value("a number").parse().expect("--repeat"),
            "--only" => {
                only = Some(
                    value("contestant names")
                        .split(',')
                        .map(str::to_string)
                        .collect::<Vec<_>>(),
                );
            }
            "--child" => child = Some(value("a contestant name")),
            "--count" => count = true,
            "--clock" => cpu_clock = value("cpu or wall") == "cpu",
            // `cargo bench` passes `--bench`; criterion-style filters and
            // the rest are ignored.
            _ => {}
        }
    }
    Config {
        nodes: nodes.unwrap_or(if quick { 200_000 } else { 1_000_000 }),
        rounds: rounds.unwrap_or(if quick { 3 } else { 15 }),
        quick,
        only,
        child,
        count,
        repeat,
        cpu_clock,
    }
}

// ----- a child: one contestant, one run ------------------------------------------

fn child(cfg: &Config, name: &str) {
    let entry = contestants::find(name).unwrap_or_else(|| panic!("ast: no contestant {name}"));
    let ops = tree::generate(cfg.nodes, tree::SEED);
    let expected = tree::eval_ops(&ops);
    heap::COUNTING.store(cfg.count, Ordering::Relaxed);
    measure::CPU_CLOCK.store(cfg.cpu_clock, Ordering::Relaxed);
    for _ in 0..cfg.repeat {
        let s = (entry.run)(&ops);
        assert_eq!(
            s.value, expected,
            "ast: {name} evaluated the tree to {}, not {expected}",
            s.value
        );
        println!("{}", encode(name, &s));
    }
}

fn encode(name: &str, s: &Sample) -> String {
    format!(
        "W8 name={name} thread={} nodes={} build={} clone={} eval={} drop_tree={} drop_arena={} value={} \
         heap_peak={} left_after_drop={} left_after_end={} rss_peak={} rss_after_drop={} node_size={} link_size={}",
        s.thread,
        s.nodes,
        s.build,
        s.clone.map_or(-1, |c| c as i64),
        s.eval,
        s.drop_tree,
        s.drop_arena,
        s.value,
        s.heap_peak,
        s.left_after_drop,
        s.left_after_end,
        s.rss_peak,
        s.rss_after_drop,
        s.node_size,
        s.link_size,
    )
}

type Fields = BTreeMap<String, String>;

fn run_child(cfg: &Config, name: &str, count: bool) -> Fields {
    let exe = std::env::current_exe().expect("ast: current_exe");
    let mut cmd = Command::new(exe);
    cmd.args(["--child", name, "--nodes", &cfg.nodes.to_string()]);
    cmd.args(["--clock", if cfg.cpu_clock { "cpu" } else { "wall" }]);
    if count {
        cmd.arg("--count");
    }
    let out = cmd.output().expect("ast: could not start a child");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        panic!("ast: the run of {name} failed ({})", out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("W8 "))
        .unwrap_or_else(|| panic!("ast: {name} printed no result"));
    line[3..]
        .split(' ')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

// ----- the parent: rounds, medians, table, JSON -------------------------------------

/// One contestant's results: per-run samples and the counting run.
struct Results {
    entry: &'static Entry,
    runs: Vec<Fields>,
    counted: Fields,
}

impl Results {
    fn num(f: &Fields, key: &str) -> f64 {
        f[key].parse().unwrap()
    }
    /// Per-run values of `key`, in ns per node when `per_node`.
    fn series(&self, key: &str) -> Vec<f64> {
        self.runs
            .iter()
            .map(|f| {
                let nodes = Self::num(f, "nodes");
                match key {
                    "drop" => (Self::num(f, "drop_tree") + Self::num(f, "drop_arena")) / nodes,
                    "total" => {
                        (Self::num(f, "build")
                            + Self::num(f, "eval")
                            + Self::num(f, "drop_tree")
                            + Self::num(f, "drop_arena"))
                            / nodes
                    }
                    "clone" => Self::num(f, "clone") / run::CLONES as f64,
                    "rss_peak" => Self::num(f, "rss_peak") / nodes,
                    k => Self::num(f, k) / nodes,
                }
            })
            .collect()
    }
    fn med(&self, key: &str) -> f64 {
        median(self.series(key))
    }
    fn counted(&self, key: &str) -> f64 {
        Self::num(&self.counted, key)
    }
    fn shared(&self) -> bool {
        self.runs.iter().all(|f| f["clone"] != "-1")
    }
}

fn bytes_left(v: f64, peak: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v < 100_000.0 {
        format!("{v:.0} B")
    } else {
        format!("{:.1} MB ({:.0} %)", v / 1e6, 100.0 * v / peak.max(1.0))
    }
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
            .map(|n| contestants::find(n).unwrap_or_else(|| panic!("ast: no contestant {n}")))
            .collect(),
    };
    let ops = tree::generate(cfg.nodes, tree::SEED);
    let expected = tree::eval_ops(&ops);
    drop(ops);
    eprintln!(
        "W8: {} nodes, {} rounds over {} contestants, one process per run, {} time{}",
        cfg.nodes,
        cfg.rounds,
        entries.len(),
        if cfg.cpu_clock { "thread CPU" } else { "wall" },
        if cfg.quick { " (quick)" } else { "" }
    );
    let mut runs: Vec<Vec<Fields>> = vec![Vec::new(); entries.len()];
    for round in 0..cfg.rounds {
        // Rotate the order, so that no contestant always follows another.
        for k in 0..entries.len() {
            let i = (k + round) % entries.len();
            let f = run_child(&cfg, entries[i].name, false);
            eprintln!(
                "  round {} {:>16}: total {:.1} ns/node",
                round + 1,
                entries[i].name,
                {
                    let n: f64 = f["nodes"].parse().unwrap();
                    ["build", "eval", "drop_tree", "drop_arena"]
                        .iter()
                        .map(|k| f[*k].parse::<f64>().unwrap())
                        .sum::<f64>()
                        / n
                }
            );
            runs[i].push(f);
        }
    }
    let results: Vec<Results> = entries
        .iter()
        .zip(runs)
        .map(|(&entry, runs)| Results {
            entry,
            runs,
            counted: run_child(&cfg, entry.name, true),
        })
        .collect();
    for r in &results {
        for f in r.runs.iter().chain([&r.counted]) {
            assert_eq!(
                f["value"].parse::<i64>().unwrap(),
                expected,
                "ast: {} found another value",
                r.entry.name
            );
        }
    }

    let total_of = |name: &str| {
        results
            .iter()
            .find(|r| r.entry.name == name)
            .map_or(f64::NAN, |r| r.med("total"))
    };
    let (box_total, multi_total) = (total_of("Box"), total_of("multitude"));

    // The table.
    let mut md = String::new();
    writeln!(
        md,
        "W8: {} nodes, medians of {} runs (one process each), ns per node ({} time); value {expected}.\n",
        cfg.nodes,
        cfg.rounds,
        if cfg.cpu_clock { "thread CPU" } else { "wall" },
    )
    .unwrap();
    md.push_str(
        "| contestant | build | eval | drop | total | × Box | × multitude | clone (ns) | peak RSS (B/node) | RSS after the drop (B/node) | peak heap (B/node) | left after drop | left after thread end | node (B) | link (B) |\n",
    );
    md.push_str("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
    for r in &results {
        let peak = r.counted("heap_peak");
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.entry.label,
            fmt(r.med("build")),
            fmt(r.med("eval")),
            fmt(r.med("drop")),
            fmt(r.med("total")),
            fmt(r.med("total") / box_total),
            fmt(r.med("total") / multi_total),
            if r.shared() {
                fmt(r.med("clone"))
            } else {
                "n/a".into()
            },
            fmt(r.med("rss_peak")),
            fmt(r.med("rss_after_drop")),
            fmt(peak / cfg.nodes as f64),
            bytes_left(r.counted("left_after_drop"), peak),
            bytes_left(r.counted("left_after_end"), peak),
            r.counted("node_size"),
            r.counted("link_size"),
        )
        .unwrap();
    }
    let find = |name: &str| results.iter().find(|r| r.entry.name == name);
    if let (Some(a), Some(l)) = (find("ours"), find("ours-leaking")) {
        writeln!(
            md,
            "\nThe acyclic build against the leaking one (same run): build {:.2}×, total {:.2}× (target: build ≤ 1.10×).",
            a.med("build") / l.med("build"),
            a.med("total") / l.med("total"),
        )
        .unwrap();
    }
    print!("{md}");

    // The JSON.
    let mut js = String::new();
    writeln!(
        js,
        "{{\n  \"unix_time\": {},\n  \"nodes\": {},\n  \"rounds\": {},\n  \"quick\": {},\n  \"clock\": \"{}\",\n  \"value\": {expected},\n  \"clones\": {},\n  \"contestants\": [",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        cfg.nodes,
        cfg.rounds,
        cfg.quick,
        if cfg.cpu_clock { "cpu" } else { "wall" },
        run::CLONES
    )
    .unwrap();
    let list = |v: Vec<f64>| {
        v.iter()
            .map(|x| format!("{x:.3}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (i, r) in results.iter().enumerate() {
        let thread = &r.runs[0]["thread"];
        write!(
            js,
            "    {{\"name\": \"{}\", \"label\": \"{}\", \"thread\": \"{thread}\", \"shared\": {}, \
             \"build\": {:.3}, \"eval\": {:.3}, \"drop\": {:.3}, \"total\": {:.3}, \"clone\": {:.3}, \
             \"rss_peak_per_node\": {:.3}, \"rss_after_drop_per_node\": {:.3}, \"heap_peak\": {}, \"left_after_drop\": {}, \"left_after_end\": {}, \
             \"node_size\": {}, \"link_size\": {}, \
             \"samples\": {{\"build\": [{}], \"eval\": [{}], \"drop\": [{}], \"total\": [{}]}}}}",
            r.entry.name,
            r.entry.label.replace('"', "\\\""),
            r.shared(),
            r.med("build"),
            r.med("eval"),
            r.med("drop"),
            r.med("total"),
            if r.shared() { r.med("clone") } else { -1.0 },
            r.med("rss_peak"),
            r.med("rss_after_drop"),
            r.counted["heap_peak"],
            r.counted["left_after_drop"],
            r.counted["left_after_end"],
            r.counted["node_size"],
            r.counted["link_size"],
            list(r.series("build")),
            list(r.series("eval")),
            list(r.series("drop")),
            list(r.series("total")),
        )
        .unwrap();
        js.push_str(if i + 1 < results.len() { ",\n" } else { "\n" });
    }
    js.push_str("  ]\n}\n");
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("bench-report");
    std::fs::create_dir_all(&dir).expect("ast: create target/bench-report");
    let path = dir.join("ast.json");
    std::fs::write(&path, js).expect("ast: write ast.json");
    eprintln!("wrote {}", path.display());
}
