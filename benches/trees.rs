//! Several node types and streams of documents (issue 19), per contestant:
//! this crate's derived types, `Box`, `Arc` and multitude.
//!
//! ```text
//! cargo bench --bench trees                    # AST of 1,000,000 nodes; 40 documents of 50,000 values; 15 rounds
//! cargo bench --bench trees -- --quick         # or ARENA_BENCH_QUICK=1: 200,000 nodes, 10,000 values, 3 rounds
//! cargo bench --bench trees -- --only ours,Box --workload keep
//! cargo bench --bench trees -- --nodes 50000 --values 5000 --docs 20 --rounds 1
//! cargo bench --bench trees -- --clock cpu     # or ARENA_BENCH_CLOCK=cpu: thread CPU time
//! ```
//!
//! Workloads (`--workload ast,drop,keep`, all by default):
//!
//! - **ast**: the five-type AST of `trees/model.rs` (`Item`, `Stmt`, `Expr`,
//!   `Pat`, `Ty`, linked in every direction, `Stmt::Let` holding a `Pat`
//!   and an `Expr` by value), built on a worker thread from a postfix
//!   program, walked and dropped on the main thread, then the worker drops
//!   its arena (this crate: `trim_thread()`) and ends; as W8 (`ast.rs`).
//! - **drop**: drop-before-next. One thread builds, walks and drops
//!   `--docs` JSON-like documents (`Value`, `Member`) in a row.
//! - **keep**: keep-latest. The thread builds and walks the next document
//!   while the previous one lives, then replaces it.
//!
//! In the streams, the live heap is read after every document's turn, at
//! the end once the last document is dropped (no other call), and after one
//! `arena_arc::trim_thread()`. `ours-trim` is this crate with
//! `trim_thread()` after every document and `ours-recycle` with
//! `recycle_thread()` (streams only); `ours-thin` the AST with 8-byte
//! `ArcThin` singles (the AST only).
//!
//! Every run is a process of its own (this binary with `--child NAME
//! --workload W`), run round-robin in a rotated order; medians of the
//! rounds. The heap is counted (`ast/measure.rs`) in one extra run per
//! contestant and workload, so that the counting does not slow the timed
//! runs.
//!
//! Prints markdown tables and writes `target/bench-report/trees.json`
//! (W9), which `scripts/bench-report` renders.

#[path = "trees/contestants.rs"]
mod contestants;
#[path = "ast/measure.rs"]
mod measure;
#[path = "trees/model.rs"]
mod model;
#[path = "trees/run.rs"]
mod run;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::Ordering;

use contestants::{ALL, Entry};
use measure::{fmt, median};

const WORKLOADS: [&str; 3] = ["ast", "drop", "keep"];

struct Config {
    nodes: usize,
    values: usize,
    docs: usize,
    rounds: usize,
    quick: bool,
    only: Option<Vec<String>>,
    workloads: Vec<String>,
    child: Option<String>,
    count: bool,
    cpu_clock: bool,
}

fn config() -> Config {
    let mut args = std::env::args().skip(1);
    let mut quick = std::env::var_os("ARENA_BENCH_QUICK").is_some_and(|v| v != "0");
    let mut cpu_clock = std::env::var("ARENA_BENCH_CLOCK").is_ok_and(|v| v == "cpu");
    let (mut nodes, mut values, mut docs, mut rounds) = (None, None, 40, None);
    let (mut only, mut workloads, mut child, mut count) = (None, None, None, false);
    let list = |v: String| v.split(',').map(str::to_string).collect::<Vec<_>>();
    while let Some(arg) = args.next() {
        let mut value = |what: &str| {
            args.next()
                .unwrap_or_else(|| panic!("trees: {arg} needs {what}"))
        };
        let number = |v: String| v.parse::<usize>().expect("trees: a number");
        match arg.as_str() {
            "--quick" => quick = true,
            "--nodes" => nodes = Some(number(value("a number"))),
            "--values" => values = Some(number(value("a number"))),
            "--docs" => docs = number(value("a number")).max(1),
            "--rounds" => rounds = Some(number(value("a number"))),
            "--only" => only = Some(list(value("contestant names"))),
            "--workload" => workloads = Some(list(value("ast, drop and/or keep"))),
            "--child" => child = Some(value("a contestant name")),
            "--count" => count = true,
            "--clock" => cpu_clock = value("cpu or wall") == "cpu",
            // `cargo bench` passes `--bench`; the rest is ignored.
            _ => {}
        }
    }
    let workloads = workloads.unwrap_or_else(|| WORKLOADS.map(str::to_string).to_vec());
    for w in &workloads {
        assert!(WORKLOADS.contains(&w.as_str()), "trees: no workload {w}");
    }
    Config {
        nodes: nodes.unwrap_or(if quick { 200_000 } else { 1_000_000 }),
        values: values.unwrap_or(if quick { 10_000 } else { 50_000 }),
        docs,
        rounds: rounds.unwrap_or(if quick { 3 } else { 15 }).max(1),
        quick,
        only,
        workloads,
        child,
        count,
        cpu_clock,
    }
}

// ----- a child: one contestant, one workload, one run ------------------------------

fn child(cfg: &Config, name: &str) {
    let entry = contestants::find(name).unwrap_or_else(|| panic!("trees: no contestant {name}"));
    let workload = cfg.workloads[0].as_str();
    let line = if workload == "ast" {
        let program = model::ast_program(cfg.nodes, model::SEED);
        measure::heap::COUNTING.store(cfg.count, Ordering::Relaxed);
        measure::CPU_CLOCK.store(cfg.cpu_clock, Ordering::Relaxed);
        let s = (entry.ast)(&program);
        format!(
            "nodes={} build={} walk={} drop_tree={} drop_arena={} heap_peak={} left_after_drop={} \
             left_after_end={} rss_peak={} expr={} stmt={}",
            s.nodes,
            s.build,
            s.walk,
            s.drop_tree,
            s.drop_arena,
            s.heap_peak,
            s.left_after_drop,
            s.left_after_end,
            s.rss_peak,
            s.sizes[0],
            s.sizes[1],
        )
    } else {
        let program = model::json_program(cfg.values, model::SEED);
        measure::heap::COUNTING.store(cfg.count, Ordering::Relaxed);
        measure::CPU_CLOCK.store(cfg.cpu_clock, Ordering::Relaxed);
        let s = (entry.stream)(&program, cfg.docs, workload == "keep");
        format!(
            "docs={} values={} members={} time={} heap_peak={} live_first={} live_last={} live_max={} \
             end={} end_trimmed={} rss_peak={}",
            s.docs,
            s.values,
            model::json_expected(&program).members,
            s.time,
            s.heap_peak,
            s.live_first,
            s.live_last,
            s.live_max,
            s.end,
            s.end_trimmed,
            s.rss_peak,
        )
    };
    println!("TREES {line}");
}

type Fields = BTreeMap<String, f64>;

fn run_child(cfg: &Config, name: &str, workload: &str, count: bool) -> Fields {
    let exe = std::env::current_exe().expect("trees: current_exe");
    let mut cmd = Command::new(exe);
    cmd.args(["--child", name, "--workload", workload]);
    cmd.args(["--nodes", &cfg.nodes.to_string()]);
    cmd.args(["--values", &cfg.values.to_string()]);
    cmd.args(["--docs", &cfg.docs.to_string()]);
    cmd.args(["--clock", if cfg.cpu_clock { "cpu" } else { "wall" }]);
    if count {
        cmd.arg("--count");
    }
    let out = cmd.output().expect("trees: could not start a child");
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        panic!(
            "trees: the {workload} run of {name} failed ({})",
            out.status
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("TREES "))
        .unwrap_or_else(|| panic!("trees: {name} printed no result"));
    line.split(' ')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.parse().expect("trees: a number")))
        .collect()
}

// ----- the parent: rounds, medians, tables --------------------------------------------

struct Results {
    entry: &'static Entry,
    runs: Vec<Fields>,
    counted: Fields,
}

impl Results {
    fn med(&self, f: impl Fn(&Fields) -> f64) -> f64 {
        median(self.runs.iter().map(f).collect())
    }
}

/// Bytes, in KiB or MiB.
fn bytes(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v < 1024.0 * 1024.0 {
        format!("{:.0} KiB", v / 1024.0)
    } else {
        format!("{:.1} MiB", v / (1024.0 * 1024.0))
    }
}

fn ratio(results: &[Results], r: &Results, to: &str, f: &dyn Fn(&Fields) -> f64) -> String {
    results
        .iter()
        .find(|b| b.entry.name == to)
        .map_or(String::new(), |b| fmt(r.med(f) / b.med(f)))
}

fn ast_table(cfg: &Config, results: &[Results], md: &mut String) {
    let total =
        |f: &Fields| (f["build"] + f["walk"] + f["drop_tree"] + f["drop_arena"]) / f["nodes"];
    writeln!(
        md,
        "Five-type AST: {} nodes, medians of {} runs (one process each), ns per node ({} time).\n",
        results[0].runs[0]["nodes"],
        cfg.rounds,
        if cfg.cpu_clock { "thread CPU" } else { "wall" },
    )
    .unwrap();
    md.push_str(
        "| contestant | build | walk | drop | total | × Box | × multitude | peak heap (B/node) | peak RSS (B/node) | left, worker idle | left, worker ended | `Expr`, `Stmt` (B) |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for r in results {
        let c = &r.counted;
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}, {} |",
            r.entry.label,
            fmt(r.med(|f| f["build"] / f["nodes"])),
            fmt(r.med(|f| f["walk"] / f["nodes"])),
            fmt(r.med(|f| (f["drop_tree"] + f["drop_arena"]) / f["nodes"])),
            fmt(r.med(total)),
            ratio(results, r, "Box", &total),
            ratio(results, r, "multitude", &total),
            // Per node of the tree built (the program has about `--nodes`).
            fmt(c["heap_peak"] / c["nodes"]),
            fmt(r.med(|f| f["rss_peak"] / f["nodes"])),
            bytes(c["left_after_drop"]),
            bytes(c["left_after_end"]),
            c["expr"],
            c["stmt"],
        )
        .unwrap();
    }
}

fn stream_table(cfg: &Config, workload: &str, results: &[Results], md: &mut String) {
    let first = &results[0].counted;
    writeln!(
        md,
        "\n{}: {} documents of {} values and {} members each, medians of {} runs, ms per document ({} time); live heap from the counted run.\n",
        if workload == "keep" {
            "Keep-latest (build the next while the previous lives, then replace it)"
        } else {
            "Drop-before-next (build, walk, drop, then the next)"
        },
        cfg.docs,
        first["values"],
        first["members"],
        cfg.rounds,
        if cfg.cpu_clock { "thread CPU" } else { "wall" },
    )
    .unwrap();
    md.push_str(
        "| contestant | time | × Box | × multitude | peak heap | live after doc 1 | live after the last | max live | end, no document | end + `trim_thread()` |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    let per_doc = |f: &Fields| f["time"] / f["docs"] / 1e6;
    for r in results {
        let c = &r.counted;
        let ours = r.entry.name.starts_with("ours");
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.entry.label,
            fmt(r.med(per_doc)),
            ratio(results, r, "Box", &per_doc),
            ratio(results, r, "multitude", &per_doc),
            bytes(c["heap_peak"]),
            bytes(c["live_first"]),
            bytes(c["live_last"]),
            bytes(c["live_max"]),
            bytes(c["end"]),
            if ours {
                bytes(c["end_trimmed"])
            } else {
                "n/a".into()
            },
        )
        .unwrap();
    }
}

// ----- the JSON for `scripts/bench-report` ------------------------------------------

fn json_list(v: Vec<f64>) -> String {
    v.iter()
        .map(|x| format!("{x:.4}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn json_label(e: &Entry) -> String {
    e.label.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The AST workload's object: per contestant, the medians in ns per node
/// (and each run's total), the counted run's heap in bytes, the node sizes.
fn ast_json(results: &[Results], js: &mut String) {
    let total =
        |f: &Fields| (f["build"] + f["walk"] + f["drop_tree"] + f["drop_arena"]) / f["nodes"];
    writeln!(
        js,
        "    \"ast\": {{\"nodes\": {}, \"contestants\": [",
        results[0].counted["nodes"]
    )
    .unwrap();
    for (i, r) in results.iter().enumerate() {
        let c = &r.counted;
        write!(
            js,
            "      {{\"name\": \"{}\", \"label\": \"{}\", \"build\": {:.4}, \"walk\": {:.4}, \"drop\": {:.4}, \
             \"total\": {:.4}, \"rss_peak_per_node\": {:.4}, \"heap_peak\": {}, \"left_after_drop\": {}, \
             \"left_after_end\": {}, \"expr_size\": {}, \"stmt_size\": {}, \"samples\": {{\"total\": [{}]}}}}",
            r.entry.name,
            json_label(r.entry),
            r.med(|f| f["build"] / f["nodes"]),
            r.med(|f| f["walk"] / f["nodes"]),
            r.med(|f| (f["drop_tree"] + f["drop_arena"]) / f["nodes"]),
            r.med(total),
            r.med(|f| f["rss_peak"] / f["nodes"]),
            c["heap_peak"],
            c["left_after_drop"],
            c["left_after_end"],
            c["expr"],
            c["stmt"],
            json_list(r.runs.iter().map(total).collect()),
        )
        .unwrap();
        js.push_str(if i + 1 < results.len() { ",\n" } else { "\n" });
    }
    js.push_str("    ]}");
}

/// A stream workload's object: per contestant, the median time in ms per
/// document (and each run's), the counted run's heap figures in bytes.
fn stream_json(workload: &str, results: &[Results], js: &mut String) {
    let first = &results[0].counted;
    let per_doc = |f: &Fields| f["time"] / f["docs"] / 1e6;
    writeln!(
        js,
        "    \"{workload}\": {{\"docs\": {}, \"values\": {}, \"members\": {}, \"contestants\": [",
        first["docs"], first["values"], first["members"]
    )
    .unwrap();
    for (i, r) in results.iter().enumerate() {
        let c = &r.counted;
        write!(
            js,
            "      {{\"name\": \"{}\", \"label\": \"{}\", \"time_ms\": {:.4}, \"rss_peak\": {:.0}, \"heap_peak\": {}, \
             \"live_first\": {}, \"live_last\": {}, \"live_max\": {}, \"end\": {}, \"end_trimmed\": {}, \
             \"samples\": {{\"time_ms\": [{}]}}}}",
            r.entry.name,
            json_label(r.entry),
            r.med(per_doc),
            r.med(|f| f["rss_peak"]),
            c["heap_peak"],
            c["live_first"],
            c["live_last"],
            c["live_max"],
            c["end"],
            c["end_trimmed"],
            json_list(r.runs.iter().map(per_doc).collect()),
        )
        .unwrap();
        js.push_str(if i + 1 < results.len() { ",\n" } else { "\n" });
    }
    js.push_str("    ]}");
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
            .map(|n| contestants::find(n).unwrap_or_else(|| panic!("trees: no contestant {n}")))
            .collect(),
    };
    eprintln!(
        "trees: {} AST nodes, {} documents of {} values, {} rounds, one process per run{}",
        cfg.nodes,
        cfg.docs,
        cfg.values,
        cfg.rounds,
        if cfg.quick { " (quick)" } else { "" }
    );
    let mut md = String::new();
    let mut js = String::new();
    writeln!(
        js,
        "{{\n  \"unix_time\": {},\n  \"nodes\": {},\n  \"values\": {},\n  \"docs\": {},\n  \"rounds\": {},\n  \"quick\": {},\n  \"clock\": \"{}\",\n  \"workloads\": {{",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        cfg.nodes,
        cfg.values,
        cfg.docs,
        cfg.rounds,
        cfg.quick,
        if cfg.cpu_clock { "cpu" } else { "wall" },
    )
    .unwrap();
    let mut first_workload = true;
    for workload in &cfg.workloads {
        let these: Vec<&'static Entry> = entries
            .iter()
            .copied()
            .filter(|e| {
                if workload == "ast" {
                    e.in_ast
                } else {
                    e.in_streams
                }
            })
            .collect();
        if these.is_empty() {
            continue;
        }
        let mut runs: Vec<Vec<Fields>> = vec![Vec::new(); these.len()];
        for round in 0..cfg.rounds {
            for k in 0..these.len() {
                let i = (k + round) % these.len();
                runs[i].push(run_child(&cfg, these[i].name, workload, false));
            }
            eprintln!("  {workload}: round {} done", round + 1);
        }
        let results: Vec<Results> = these
            .iter()
            .zip(runs)
            .map(|(&entry, runs)| Results {
                entry,
                runs,
                counted: run_child(&cfg, entry.name, workload, true),
            })
            .collect();
        if !first_workload {
            js.push_str(",\n");
        }
        first_workload = false;
        if workload == "ast" {
            ast_table(&cfg, &results, &mut md);
            ast_json(&results, &mut js);
        } else {
            stream_table(&cfg, workload, &results, &mut md);
            stream_json(workload, &results, &mut js);
        }
    }
    print!("{md}");
    js.push_str("\n  }\n}\n");
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("bench-report");
    std::fs::create_dir_all(&dir).expect("trees: create target/bench-report");
    let path = dir.join("trees.json");
    std::fs::write(&path, js.replace("NaN", "null")).expect("trees: write trees.json");
    eprintln!("wrote {}", path.display());
}
