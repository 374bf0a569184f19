//! The profiler shoot-out: one job (exercise 5's std pipeline, see
//! [`crate::job`]), the same input for every tool, and for each tool what
//! it reports, what that run cost, and whether its totals agree with the
//! tracker's exact count of the same work.
//!
//! | tool | runs | agreement checked |
//! |---|---|---|
//! | dhat-rs | `ex8` built with `dhat-heap` | blocks and bytes under the job's frame = the tracker's |
//! | valgrind's DHAT | `ex8-untracked` under `valgrind --tool=dhat` | the same |
//! | heaptrack | `ex8-untracked` under `heaptrack` | allocation calls under the job's frame = the tracker's |
//! | massif | `ex8-untracked` under `valgrind --tool=massif` | peak heap = the tracker's peak, within massif's peak inaccuracy |
//! | jemalloc's profiler | `ex8-jeprof` (own build, `_RJEM_MALLOC_CONF=prof:true,...`) | sampled live bytes at a dump = the tracker's, within the sampling error, at two rates |
//!
//! The tools run on the untracked binary (the system allocator alone), so
//! each tool's slowdown and memory overhead is its own, against the same
//! binary run without it. The exact counts come from `ex8 job --json`, the
//! tracked binary, in a process of its own.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use kit::machine::Machine;
use kit::output::Table;
use kit::timing::Summary;
use serde::{Deserialize, Serialize};

use crate::job::{Counted, is_job_frame};

/// The tools, in the order the chapter presents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tool {
    /// dhat-rs: the global allocator records every block.
    DhatRs,
    /// valgrind's DHAT: the program runs on valgrind's synthetic CPU.
    ValgrindDhat,
    /// heaptrack: malloc and free intercepted by a preloaded library.
    Heaptrack,
    /// valgrind's massif: heap snapshots over time.
    Massif,
    /// jemalloc's own sampling heap profiler.
    Jemalloc,
}

impl Tool {
    /// Every tool, in the chapter's order.
    pub const ALL: [Tool; 5] = [
        Tool::DhatRs,
        Tool::ValgrindDhat,
        Tool::Heaptrack,
        Tool::Massif,
        Tool::Jemalloc,
    ];

    /// The name tables show.
    pub fn name(self) -> &'static str {
        match self {
            Tool::DhatRs => "dhat-rs",
            Tool::ValgrindDhat => "valgrind DHAT",
            Tool::Heaptrack => "heaptrack",
            Tool::Massif => "massif",
            Tool::Jemalloc => "jemalloc prof",
        }
    }

    /// The question it answers best.
    pub fn question(self) -> &'static str {
        match self {
            Tool::DhatRs => "which call stacks allocate most, in a test or CI (no valgrind)",
            Tool::ValgrindDhat => {
                "which blocks are short-lived or barely read and written (access counts)"
            }
            Tool::Heaptrack => {
                "where the temporary allocations are; an allocation flame graph; any allocator"
            }
            Tool::Massif => "what is live at the peak, and how the heap grew over time",
            Tool::Jemalloc => {
                "what is live now in a long-running process under jemalloc, cheaply (sampled)"
            }
        }
    }

    /// Whether it sees allocations jemalloc serves.
    pub fn sees_jemalloc(self) -> &'static str {
        match self {
            Tool::DhatRs => "no (it is the global allocator: System underneath)",
            Tool::ValgrindDhat | Tool::Massif => {
                "no (valgrind replaces malloc; a Rust global allocator bypasses it)"
            }
            Tool::Heaptrack => {
                "no for tikv-jemallocator (prefixed symbols): it hooks malloc and friends"
            }
            Tool::Jemalloc => "only those",
        }
    }

    /// Its viewer.
    pub fn viewer(self) -> &'static str {
        match self {
            Tool::DhatRs | Tool::ValgrindDhat => "dh_view.html (a web page)",
            Tool::Heaptrack => "heaptrack_print (text, flame graph stacks); heaptrack_gui",
            Tool::Massif => "ms_print (text chart); massif-visualizer",
            Tool::Jemalloc => "jeprof (text, SVG); pprof via jemalloc_pprof",
        }
    }
}

/// One tool's run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolRun {
    /// Which tool.
    pub tool: Tool,
    /// Wall time of the whole command (the tool's own start and end
    /// included), seconds.
    pub wall_s: f64,
    /// Peak RSS of the largest process of the command, KiB.
    pub max_rss_kib: u64,
    /// The baseline it is compared with (the same binary without the tool).
    pub base_wall_s: f64,
    /// Its peak RSS, KiB.
    pub base_rss_kib: u64,
    /// What was compared with the tracker, and how it came out.
    pub agreement: String,
    /// The tool's totals matched the tracker's.
    pub agrees: bool,
}

impl ToolRun {
    /// Wall time under the tool over the baseline's.
    pub fn slowdown(&self) -> f64 {
        self.wall_s / self.base_wall_s
    }

    /// Peak RSS under the tool over the baseline's.
    pub fn memory(&self) -> f64 {
        self.max_rss_kib as f64 / self.base_rss_kib as f64
    }
}

/// One jemalloc dump checked against the tracker.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JemallocSample {
    /// `lg_prof_sample`: one sample per 2^lg bytes allocated, on average.
    pub lg_sample: u32,
    /// Stacks and sampled objects in the dump.
    pub samples: u64,
    /// Live bytes the dump estimates (un-sampled as jeprof does).
    pub estimated: u64,
    /// Live bytes the tracker counted in the same process at the dump.
    pub tracker: u64,
    /// What jemalloc's size classes add to the blocks held: the estimate
    /// is compared with `tracker + rounding`.
    pub rounding: u64,
    /// The bound the estimate must be within (bytes).
    pub bound: u64,
    /// Run with `disable_large_size_classes:false`: large blocks rounded to
    /// size classes (as before 5.3.1) instead of whole pages, so that the
    /// block held and the class the profiler counts are the same size. An
    /// experiment beside the default, not part of the check.
    #[serde(default)]
    pub large_classes: bool,
}

/// The shoot-out's result: one labelled run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Where the run was made.
    pub machine: Machine,
    /// Records the job handled.
    pub records: u64,
    /// The tracker's counts every tool is checked against.
    pub counted: Counted,
    /// One run per tool, in [`Tool::ALL`]'s order.
    pub tools: Vec<ToolRun>,
    /// jemalloc's heap-profile samples.
    pub jemalloc: Vec<JemallocSample>,
    /// The std pipeline's allocation stacks (dhat-rs's program points, in
    /// blocks), folded, from the job's frame down: the flame graph's input.
    pub folded: Vec<String>,
    /// The hottest allocation site heaptrack names in the naive tally.
    #[serde(default)]
    pub naive_top: String,
    /// What each tool costs per record, from runs at two lengths; absent in
    /// runs recorded before it was measured (their slowdown is one whole
    /// command's wall time).
    #[serde(default)]
    pub timing: Option<Timing>,
}

/// Each tool timed at two job lengths, several runs each: the cost a tool
/// adds per record is the difference between the lengths, in which what it
/// pays once per run (its start-up, writing its profile) cancels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timing {
    /// Records of the shorter job.
    pub short_records: u64,
    /// Records of the longer job.
    pub long_records: u64,
    /// Runs of every tool and baseline at each length.
    pub runs: usize,
    /// One entry per tool, in [`Tool::ALL`]'s order.
    pub tools: Vec<ToolTiming>,
}

/// One tool's timings against its baseline.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolTiming {
    /// Which tool.
    pub tool: Tool,
    /// What it is compared with.
    pub baseline: String,
    /// Per run: (tool at the long length − tool at the short) over (the
    /// same for the baseline): the slowdown of the work per record.
    pub per_record: Summary,
    /// Per run: the tool's whole short command over the baseline's, start-up
    /// and profile writing included: what one run of a small job costs.
    pub whole: Summary,
}

/// Timed runs of each tool at each length, by default.
pub const TIMING_RUNS: usize = 5;
/// The longer job has this many times the records of the shorter.
pub const LONGER: u64 = 4;

/// The command that runs `tool` on `records` records, writing its profile
/// to `out` (dhat-rs: a folder; heaptrack: the name it starts its file
/// with; the valgrind tools: a file; jemalloc's is not written).
fn tool_command(s: &Setup, tool: Tool, records: u64, out: &Path) -> Command {
    let recs = format!("--records={records}");
    let valgrind = |tool: &str, flag: &str| {
        let mut cmd = kit::child::command("valgrind");
        cmd.args([format!("--tool={tool}"), "--quiet".to_string()])
            .arg(format!("{flag}={}", out.display()))
            .arg(&s.untracked)
            .args(["job", &recs]);
        cmd
    };
    match tool {
        Tool::DhatRs => {
            let mut cmd = kit::child::command(&s.dhat_rs);
            cmd.args(["job", &recs]).env("DHAT_OUT_DIR", out);
            cmd
        }
        Tool::ValgrindDhat => valgrind("dhat", "--dhat-out-file"),
        Tool::Massif => valgrind("massif", "--massif-out-file"),
        Tool::Heaptrack => {
            let mut cmd = kit::child::command("heaptrack");
            cmd.arg("-o")
                .arg(out)
                .arg(&s.untracked)
                .args(["job", &recs]);
            cmd
        }
        Tool::Jemalloc => jeprof_job(
            s,
            &recs,
            &format!("prof:true,lg_prof_sample:{JEMALLOC_DEFAULT_RATE}"),
        ),
    }
}

/// The command `tool` is compared with: the same job without the tool
/// (jemalloc: the same binary with profiling off, so that the pair differs
/// in profiling alone; [`baseline_name`] says which).
fn baseline_command(s: &Setup, tool: Tool, records: u64) -> Command {
    let recs = format!("--records={records}");
    match tool {
        Tool::Jemalloc => jeprof_job(s, &recs, "prof:false"),
        _ => {
            let mut cmd = kit::child::command(&s.untracked);
            cmd.args(["job", &recs]);
            cmd
        }
    }
}

/// What [`baseline_command`] runs for `tool`, in words.
fn baseline_name(tool: Tool) -> &'static str {
    match tool {
        Tool::Jemalloc => "the same jemalloc binary, profiling off",
        _ => "the untracked binary alone",
    }
}

/// `ex8-jeprof job` with jemalloc's options `conf`.
fn jeprof_job(s: &Setup, recs: &str, conf: &str) -> Command {
    let mut cmd = kit::child::command(&s.jeprof);
    cmd.args(["job", recs]).env("_RJEM_MALLOC_CONF", conf);
    cmd
}

// ANCHOR: time_tools
/// Times every tool and its baseline at `records` and [`LONGER`] times as
/// many, `runs` times, the tools in an order rotated run by run; each run's
/// four commands of a tool go back to back.
pub fn time_tools(s: &Setup, records: u64, runs: usize, tick: &dyn Fn()) -> Result<Timing, String> {
    let long = records * LONGER;
    let n = Tool::ALL.len();
    // per[tool]: (per-record ratios, whole-command ratios), in run order.
    let mut per: Vec<(Vec<f64>, Vec<f64>)> = vec![(Vec::new(), Vec::new()); n];
    let log = s.out.join("timing.stderr");
    let dir = s.out.join("timing");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for run in 0..runs {
        for k in 0..n {
            let i = (k + run) % n;
            let tool = Tool::ALL[i];
            // The profiles written while timing are not read: only their
            // cost is.
            let wall = |records: u64| -> Result<(f64, f64), String> {
                let out = dir.join(format!("{}-{records}-{run}", tool.name()));
                let mut t = tool_command(s, tool, records, &out);
                let mut b = baseline_command(s, tool, records);
                Ok((
                    self::run(&mut t, &log)?.wall_s,
                    self::run(&mut b, &log)?.wall_s,
                ))
            };
            let (tool_short, base_short) = wall(records)?;
            let (tool_long, base_long) = wall(long)?;
            per[i]
                .0
                .push((tool_long - tool_short) / (base_long - base_short));
            per[i].1.push(tool_short / base_short);
            tick();
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Timing {
        short_records: records,
        long_records: long,
        runs,
        tools: Tool::ALL
            .into_iter()
            .zip(per)
            .map(|(tool, (p, w))| ToolTiming {
                tool,
                baseline: baseline_name(tool).to_string(),
                per_record: Summary::of_or_nan(&p),
                whole: Summary::of_or_nan(&w),
            })
            .collect(),
    })
}
// ANCHOR_END: time_tools

impl Report {
    /// Every tool's totals matched the tracker's.
    pub fn all_agree(&self) -> bool {
        self.tools.iter().all(|t| t.agrees)
    }
}

/// How the shoot-out finds its binaries and where it writes.
pub struct Setup {
    /// `ex8-untracked`.
    pub untracked: PathBuf,
    /// `ex8` (tracked).
    pub tracked: PathBuf,
    /// `ex8` built with `dhat-heap`.
    pub dhat_rs: PathBuf,
    /// `ex8-jeprof`.
    pub jeprof: PathBuf,
    /// Tool outputs.
    pub out: PathBuf,
}

/// The target folder this binary was built in (`<target>/release/ex8`).
fn target_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("{}: no target folder", exe.display()))
}

// ANCHOR: own_build
/// Builds `bin` of ex8 with `features` in a target folder of its own, in a
/// cargo invocation of its own: nothing else is built with those features,
/// so they cannot leak into other crates' builds by feature unification.
fn build_variant(features: &str, bin: &str, dir: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = kit::child::command(cargo)
        .args(["build", "--release", "--quiet", "--locked", "-p", "ex8"])
        .args(["--bin", bin, "--features", features, "--target-dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo to build {bin} with {features}: {e}"))?;
    if !status.success() {
        return Err(format!("building {bin} with {features} failed ({status})"));
    }
    Ok(dir.join("release").join(bin))
}
// ANCHOR_END: own_build

impl Setup {
    /// Builds what is missing: the untracked sibling (under cargo), the
    /// dhat build (target/dhat-build, as `cargo xtask dhat` makes it) and
    /// the jemalloc profiling build (target/jeprof).
    pub fn prepare() -> Result<Setup, String> {
        kit::child::build_siblings_under_cargo("ex8", &["ex8-untracked"], &[])?;
        let target = target_dir()?;
        let dhat_rs = build_variant("dhat-heap", "ex8", &target.join("dhat-build"))?;
        let jeprof = build_variant("jeprof", "ex8-jeprof", &target.join("jeprof"))?;
        let out = target.join("shootout");
        let _ = std::fs::remove_dir_all(&out);
        std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
        Ok(Setup {
            untracked: crate::child::SIBLINGS
                .executable(None, kit::sibling::Role::Timed)
                .map_err(|e| e.to_string())?,
            tracked: std::env::current_exe().map_err(|e| e.to_string())?,
            dhat_rs,
            jeprof,
            out,
        })
    }
}

/// What one command cost.
struct Ran {
    wall_s: f64,
    max_rss_kib: u64,
    stdout: String,
}

// ANCHOR: wait4
/// Runs `cmd` to the end and returns its wall time, the peak RSS of its
/// largest process (Linux's `wait4` reports the child's own and that of
/// the children it waited for) and its stdout. Its stderr goes to `log`.
fn run(cmd: &mut Command, log: &Path) -> Result<Ran, String> {
    let err = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut stdout)
            .map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    }
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `child.id()` is our child, not yet waited for (we never call
    // `child.wait`); `status` and `usage` are valid for writes.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall_s = start.elapsed().as_secs_f64();
    if pid < 0 {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!(
            "{:?} {:?} failed (status {status}); its messages are in {}",
            cmd.get_program(),
            cmd.get_args().collect::<Vec<_>>(),
            log.display()
        ));
    }
    Ok(Ran {
        wall_s,
        max_rss_kib: usage.ru_maxrss as u64,
        stdout,
    })
}
// ANCHOR_END: wait4

/// A dhat profile, dhat-rs's or valgrind's (the same file format).
#[derive(Deserialize)]
struct DhatFile {
    pps: Vec<Pp>,
    ftbl: Vec<String>,
}

#[derive(Deserialize)]
struct Pp {
    tb: u64,
    tbk: u64,
    fs: Vec<usize>,
}

/// (blocks, bytes) of the program points whose stack has a frame naming
/// `frame`.
fn dhat_under(path: &Path) -> Result<(u64, u64), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let f: DhatFile =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let hit: Vec<bool> = f.ftbl.iter().map(|s| is_job_frame(s)).collect();
    Ok(f.pps
        .iter()
        .filter(|pp| pp.fs.iter().any(|&i| hit.get(i) == Some(&true)))
        .fold((0, 0), |(k, b), pp| (k + pp.tbk, b + pp.tb)))
}

fn exact_agreement(what: &str, seen: (u64, u64), c: &Counted) -> (String, bool) {
    let ok = seen == (c.dhat_blocks, c.dhat_bytes);
    (
        format!(
            "{what}: {} blocks, {} bytes under the job's frame; tracker {} / {}",
            seen.0, seen.1, c.dhat_blocks, c.dhat_bytes
        ),
        ok,
    )
}

/// heaptrack's data file in `dir` (heaptrack adds its compression suffix).
fn heaptrack_file(dir: &Path) -> Result<PathBuf, String> {
    std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("heaptrack.job"))
        })
        .ok_or_else(|| format!("no heaptrack data file in {}", dir.display()))
}

/// Folded stacks (`a;b;c N`) that pass through `frame`, cut to start
/// there, with C++-style template noise and hashes as heaptrack prints them.
pub fn fold_under(stacks: &str, is_frame: impl Fn(&str) -> bool) -> Vec<String> {
    let mut out: std::collections::BTreeMap<String, u64> = Default::default();
    for line in stacks.lines() {
        let Some((stack, n)) = line.rsplit_once(' ') else {
            continue;
        };
        let Ok(n) = n.parse::<u64>() else { continue };
        let frames: Vec<&str> = stack.split(';').collect();
        let Some(i) = frames.iter().position(|f| is_frame(f)) else {
            continue;
        };
        let kept: Vec<String> = frames[i..]
            .iter()
            .filter(|f| !f.trim().is_empty())
            .map(|f| clean_frame(f))
            .collect();
        *out.entry(kept.join(";")).or_default() += n;
    }
    out.into_iter().map(|(s, n)| format!("{s} {n}")).collect()
}

/// A frame without a trailing `::h<hash>` (legacy-mangled names).
fn clean_frame(f: &str) -> String {
    let f = f.trim();
    match f.rfind("::h") {
        Some(i) if f[i + 3..].chars().all(|c| c.is_ascii_hexdigit()) && f.len() - i == 19 => {
            f[..i].to_string()
        }
        _ => f.to_string(),
    }
}

/// The total of folded stacks.
pub fn folded_total(folded: &[String]) -> u64 {
    folded
        .iter()
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<u64>().ok())
        .sum()
}

/// Live bytes a jemalloc heap dump (`heap_v2`) estimates: each stack's
/// sampled objects and bytes scaled by `1 / (1 - exp(-mean size / period))`,
/// as jeprof and jemalloc_pprof do. Returns (sampled objects, estimate).
pub fn jemalloc_estimate(dump: &str) -> Result<(u64, f64), String> {
    let mut lines = dump.lines();
    let header = lines.next().unwrap_or_default();
    let period: f64 = header
        .strip_prefix("heap_v2/")
        .and_then(|p| p.trim().parse().ok())
        .ok_or_else(|| format!("not a jemalloc heap_v2 dump: {header:?}"))?;
    let (mut objs, mut est) = (0u64, 0.0);
    let mut in_stack = false;
    for line in lines {
        if line.starts_with('@') {
            in_stack = true;
            continue;
        }
        if line.starts_with("MAPPED_LIBRARIES") {
            break;
        }
        let t = line.trim_start();
        if !in_stack || !t.starts_with("t*:") {
            continue;
        }
        in_stack = false;
        // "t*: <objects>: <bytes> [<accumulated objects>: <bytes>]"
        let mut nums = t[3..]
            .split([':', '['])
            .filter_map(|s| s.trim().parse::<u64>().ok());
        let (Some(o), Some(b)) = (nums.next(), nums.next()) else {
            return Err(format!("unreadable stack line {t:?}"));
        };
        if o == 0 {
            continue;
        }
        let ratio = (b as f64 / o as f64) / period;
        let scale = 1.0 / (1.0 - (-ratio).exp());
        objs += o;
        est += b as f64 * scale;
    }
    Ok((objs, est))
}

/// The bound a sampled estimate of `live` bytes must be within at one
/// sample per `2^lg` bytes: four standard deviations of a Poisson count of
/// `live / 2^lg` samples, plus one period.
pub fn jemalloc_bound(live: u64, lg: u32) -> u64 {
    let period = (1u64 << lg) as f64;
    let expected = (live as f64 / period).max(1.0);
    (4.0 * live as f64 / expected.sqrt() + period) as u64
}

/// Sample rates the jemalloc check uses.
pub const JEMALLOC_RATES: [u32; 2] = [10, 14];
/// `lg_prof_sample` of the timed jemalloc run: jemalloc's default.
pub const JEMALLOC_DEFAULT_RATE: u32 = 19;

/// What `ex8-jeprof dump` prints.
#[derive(Debug, Deserialize, Serialize)]
pub struct Dumped {
    /// The process's live bytes as the tracker counts them (sizes asked).
    pub live_tracker: u64,
    /// What jemalloc's size classes add to the blocks held at the dump.
    pub rounding: u64,
    /// The heap profile jemalloc wrote.
    pub dump: PathBuf,
}

// ANCHOR: collect
/// Runs every tool once on `records` records.
pub fn collect(s: &Setup, records: u64) -> Result<Report, String> {
    let recs = format!("--records={records}");
    let log = |name: &str| s.out.join(format!("{name}.stderr"));

    // The exact count: the tracked binary, in a process of its own.
    let tracked = run(
        kit::child::command(&s.tracked).args(["job", &recs, "--json"]),
        &log("tracked"),
    )?;
    let c: Counted = serde_json::from_str(&tracked.stdout).map_err(|e| e.to_string())?;
    if c.dhat_blocks == 0 {
        return Err("the tracked job counted nothing: is ex8 built with dhat-heap?".into());
    }

    // The baseline: the untracked binary alone.
    let base = run(
        &mut baseline_command(s, Tool::DhatRs, records),
        &log("baseline"),
    )?;
    let tool_run = |tool, ran: &Ran, base: &Ran, (agreement, agrees): (String, bool)| ToolRun {
        tool,
        wall_s: ran.wall_s,
        max_rss_kib: ran.max_rss_kib,
        base_wall_s: base.wall_s,
        base_rss_kib: base.max_rss_kib,
        agreement,
        agrees,
    };
    let mut tools = Vec::new();

    // dhat-rs: its own build of the tracked binary.
    let dir = s.out.join("dhat-rs");
    let ran = run(
        &mut tool_command(s, Tool::DhatRs, records, &dir),
        &log("dhat-rs"),
    )?;
    let seen = dhat_under(&dir.join("dhat-heap-ex8.json"))?;
    let folded = fold_dhat(&dir.join("dhat-heap-ex8.json"))?;
    tools.push(tool_run(
        Tool::DhatRs,
        &ran,
        &base,
        exact_agreement("dhat-rs", seen, &c),
    ));

    // valgrind's DHAT on the untracked binary.
    let file = s.out.join("dhat.out");
    let mut cmd = tool_command(s, Tool::ValgrindDhat, records, &file);
    let ran = run(&mut cmd, &log("valgrind-dhat"))?;
    let seen = dhat_under(&file)?;
    tools.push(tool_run(
        Tool::ValgrindDhat,
        &ran,
        &base,
        exact_agreement("DHAT", seen, &c),
    ));

    // heaptrack: its allocation calls under the job's frame.
    let dir = s.out.join("heaptrack");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut cmd = tool_command(s, Tool::Heaptrack, records, &dir.join("heaptrack.job"));
    let ran = run(&mut cmd, &log("heaptrack"))?;
    let data = heaptrack_file(&dir)?;
    let stacks = s.out.join("heaptrack.folded");
    run(
        kit::child::command("heaptrack_print")
            .arg("-f")
            .arg(&data)
            .args(["--flamegraph-cost-type", "allocations", "-F"])
            .arg(&stacks)
            .args(["-p", "0", "-a", "0", "-T", "0"]),
        &log("heaptrack_print"),
    )?;
    let calls = folded_total(&fold_under(
        &std::fs::read_to_string(&stacks).map_err(|e| e.to_string())?,
        is_job_frame,
    ));
    tools.push(tool_run(
        Tool::Heaptrack,
        &ran,
        &base,
        (
            format!(
                "heaptrack: {calls} allocation calls under the job's frame; tracker {}",
                c.dhat_blocks
            ),
            calls == c.dhat_blocks,
        ),
    ));

    // massif: the peak of the whole heap.
    let file = s.out.join("massif.out");
    let mut cmd = tool_command(s, Tool::Massif, records, &file);
    let ran = run(&mut cmd, &log("massif"))?;
    let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
    let peak = text
        .lines()
        .filter_map(|l| l.strip_prefix("mem_heap_B=")?.parse::<u64>().ok())
        .max()
        .unwrap_or(0);
    tools.push(tool_run(
        Tool::Massif,
        &ran,
        &base,
        massif_agreement(peak, &c),
    ));

    // jemalloc: timed at its default rate against the same binary without
    // profiling; then a dump at two rates, each against the tracker.
    let je_base = run(
        &mut baseline_command(s, Tool::Jemalloc, records),
        &log("jemalloc-base"),
    )?;
    let ran = run(
        &mut tool_command(s, Tool::Jemalloc, records, &s.out),
        &log("jemalloc"),
    )?;
    let mut jemalloc = Vec::new();
    // The default at each rate, then the finest rate with large size classes
    // back: 5.3.1 rounds a large block to pages, but its profiler scales a
    // sample by the block's size class (prof.c, prof_data.c), so a large
    // buffer may be counted above what it holds.
    let dumps = JEMALLOC_RATES
        .map(|lg| (lg, false))
        .into_iter()
        .chain([(JEMALLOC_RATES[0], true)]);
    for (lg, large_classes) in dumps {
        let name = format!("{lg}{}", if large_classes { "-large-classes" } else { "" });
        let dump = s.out.join(format!("jemalloc-{name}.heap"));
        let conf = format!(
            "prof:true,lg_prof_sample:{lg}{}",
            if large_classes {
                ",disable_large_size_classes:false"
            } else {
                ""
            }
        );
        let out = run(
            kit::child::command(&s.jeprof)
                .args(["dump", &recs])
                .arg(&dump)
                .env("_RJEM_MALLOC_CONF", conf),
            &log(&format!("jemalloc-dump-{name}")),
        )?;
        let d: Dumped = serde_json::from_str(&out.stdout).map_err(|e| e.to_string())?;
        let text = std::fs::read_to_string(&d.dump).map_err(|e| e.to_string())?;
        let (samples, est) = jemalloc_estimate(&text)?;
        jemalloc.push(JemallocSample {
            lg_sample: lg,
            samples,
            estimated: est.round() as u64,
            tracker: d.live_tracker,
            rounding: d.rounding,
            bound: jemalloc_bound(d.live_tracker + d.rounding, lg),
            large_classes,
        });
    }
    let within = |j: &JemallocSample| j.estimated.abs_diff(j.tracker + j.rounding) <= j.bound;
    // The check is of the profiler as shipped; the experiment is reported.
    let ok = jemalloc.iter().filter(|j| !j.large_classes).all(within);
    let words: Vec<String> = jemalloc
        .iter()
        .map(|j| {
            format!(
                "lg {}{}: {} estimated, tracker {} + size-class rounding {} (bound ±{}{})",
                j.lg_sample,
                if j.large_classes {
                    " with disable_large_size_classes:false"
                } else {
                    ""
                },
                j.estimated,
                j.tracker,
                j.rounding,
                j.bound,
                if j.large_classes {
                    if within(j) { ", within" } else { ", outside" }
                } else {
                    ""
                }
            )
        })
        .collect();
    tools.push(tool_run(
        Tool::Jemalloc,
        &ran,
        &je_base,
        (format!("live bytes at a dump: {}", words.join("; ")), ok),
    ));

    // The hot site of the naive tally, as heaptrack names it.
    let naive_top = naive_top_site(s, &recs)?;

    Ok(Report {
        machine: Machine::describe(),
        records,
        counted: c,
        tools,
        jemalloc,
        folded,
        naive_top,
        timing: None,
    })
}
// ANCHOR_END: collect

/// massif's peak heap against the tracker's: the process's live bytes
/// when the job started plus the job's own peak. massif finds the peak to
/// within its `--peak-inaccuracy` (1% by default), and it also counts what
/// C code allocates outside Rust's allocator (a few KiB here).
fn massif_agreement(peak: u64, c: &Counted) -> (String, bool) {
    let tracker = (c.live_before + c.stats.peak_live_bytes).max(0) as u64;
    let slack = tracker / 100 + MASSIF_SLACK;
    (
        format!(
            "massif: peak heap {peak} bytes; tracker {tracker} (within 1% + {} KiB: {})",
            MASSIF_SLACK / 1024,
            peak.abs_diff(tracker) <= slack
        ),
        peak.abs_diff(tracker) <= slack,
    )
}

/// What massif's whole-process heap may hold beyond Rust's allocations.
const MASSIF_SLACK: u64 = 16 * 1024;

/// The function heaptrack names first for the naive tally's allocation
/// calls (`heaptrack_print -a`), restricted to this crate's frames.
fn naive_top_site(s: &Setup, recs: &str) -> Result<String, String> {
    let dir = s.out.join("heaptrack-naive");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut cmd = kit::child::command("heaptrack");
    cmd.arg("-o")
        .arg(dir.join("heaptrack.job"))
        .arg(&s.untracked)
        .args(["tally", "naive", recs]);
    run(&mut cmd, &s.out.join("heaptrack-naive.stderr"))?;
    let stacks = dir.join("folded");
    run(
        kit::child::command("heaptrack_print")
            .arg("-f")
            .arg(heaptrack_file(&dir)?)
            .args(["--flamegraph-cost-type", "allocations", "-F"])
            .arg(&stacks)
            .args(["-p", "0", "-a", "0", "-T", "0"]),
        &s.out.join("heaptrack-naive-print.stderr"),
    )?;
    let folded = fold_under(
        &std::fs::read_to_string(&stacks).map_err(|e| e.to_string())?,
        |f: &str| f.contains("count_once (fix.rs)"),
    );
    // The ex8 frame nearest the allocation on the heaviest stack.
    let top = folded
        .iter()
        .filter_map(|l| {
            let (stack, n) = l.rsplit_once(' ')?;
            Some((n.parse::<u64>().ok()?, stack))
        })
        .max();
    Ok(top
        .and_then(|(_, stack)| stack.split(';').rev().find(|f| f.ends_with("(fix.rs)")))
        .unwrap_or("none")
        .to_string())
}

/// The comparison table.
pub fn table(r: &Report) -> Table {
    let Some(timing) = &r.timing else {
        return one_run_table(r);
    };
    let mut t = Table::new(
        format!(
            "Five heap profilers on the std pipeline: the slowdown of the work per record \
             ({} against {} records; median and 95% interval of {} runs), one whole command \
             at {} records, and memory",
            timing.long_records, timing.short_records, timing.runs, timing.short_records
        ),
        &[
            "tool",
            "slowdown per record",
            "whole command",
            "memory (peak RSS, file pages included)",
            "agrees with the tracker",
        ],
    );
    for tr in &r.tools {
        let Some(tt) = timing.tools.iter().find(|x| x.tool == tr.tool) else {
            continue;
        };
        t.row([
            tr.tool.name().to_string(),
            format!(
                "{:.1}x ({}x)",
                tt.per_record.median,
                tt.per_record.interval(1)
            ),
            format!("{:.1}x", tt.whole.median),
            format!("{:.1}x", tr.memory()),
            if tr.agrees { "yes" } else { "NO" }.to_string(),
        ]);
    }
    t
}

/// The table of a run recorded before the timing at two lengths: one whole
/// command per tool.
fn one_run_table(r: &Report) -> Table {
    let mut t = Table::new(
        format!(
            "Five heap profilers on one run of the std pipeline ({} records; an older \
             method: one whole command each, start-up and profile writing included)",
            r.records
        ),
        &[
            "tool",
            "slowdown",
            "memory (peak RSS, file pages included)",
            "agrees with the tracker",
        ],
    );
    for tr in &r.tools {
        t.row([
            tr.tool.name().to_string(),
            format!("{:.1}x", tr.slowdown()),
            format!("{:.1}x", tr.memory()),
            if tr.agrees { "yes" } else { "NO" }.to_string(),
        ]);
    }
    t
}

/// What each tool is for (no measurement in it).
pub fn questions() -> Table {
    let mut t = Table::new(
        "Which profiler answers which question",
        &[
            "tool",
            "question it answers",
            "sees jemalloc's allocations",
            "viewer",
        ],
    );
    for tool in Tool::ALL {
        t.row([
            tool.name(),
            tool.question(),
            tool.sees_jemalloc(),
            tool.viewer(),
        ]);
    }
    t
}

/// The agreement details: exact numbers, deterministic.
pub fn agreement_table(r: &Report) -> Table {
    let mut t = Table::new(
        format!(
            "What each tool reported against the tracker ({} blocks, {} bytes, peak {} live bytes)",
            r.counted.dhat_blocks, r.counted.dhat_bytes, r.counted.stats.peak_live_bytes
        ),
        &["tool", "compared"],
    );
    for tr in &r.tools {
        t.row([tr.tool.name().to_string(), tr.agreement.clone()]);
    }
    t
}

/// The run's label.
pub fn label(r: &Report) -> String {
    format!(
        "{}Slowdown and memory against the same binary without the tool \
         (jemalloc: the same binary with profiling off). Memory is the peak RSS of the \
         largest process of the command (`ru_maxrss` from `wait4`): unlike the book's other \
         memory figures it counts file-backed pages, and under valgrind the tool's own memory \
         too. The heaviest stack of heaptrack's \
         allocation calls in the naive tally ends in `{}`. {}, {}{}.",
        match &r.timing {
            Some(t) => format!(
                "Each tool and its baseline ran {} times at each length, the tools in an order \
                 rotated run by run; memory and agreement come from one run at {} records. ",
                t.runs, r.records
            ),
            None => "One run of each tool. ".to_string(),
        },
        r.naive_top,
        r.machine.short(),
        r.machine.date,
        if r.machine.provisional {
            " (provisional: a short run on a busy machine)"
        } else {
            ""
        }
    )
}

/// Frames the allocation flame graph of the std pipeline must have.
pub const FLAME_FRAMES: [&str; 3] = [
    "std_pipeline (ex8/src/job.rs)",
    "parse<> (ex5/src/std_pipeline.rs)",
    "new (ex5/src/std_pipeline.rs)",
];

/// What is wrong with a shoot-out run: tools that disagree with the
/// tracker, a flame graph without the pipeline's frames, a hot site that
/// is not the naive route key.
pub fn problems(r: &Report) -> Vec<String> {
    let mut p: Vec<String> = r
        .tools
        .iter()
        .filter(|t| !t.agrees)
        .map(|t| format!("{} disagrees: {}", t.tool.name(), t.agreement))
        .collect();
    match crate::flame::svg(&r.folded, "check") {
        Ok(svg) => {
            let frames = crate::flame::frames(&svg);
            for want in FLAME_FRAMES {
                if !frames.iter().any(|f| f.contains(want)) {
                    p.push(format!("the flame graph has no frame {want}"));
                }
            }
        }
        Err(e) => p.push(e),
    }
    if r.naive_top != "add (fix.rs)" {
        p.push(format!(
            "heaptrack's hottest site in the naive tally is {:?}, not add (fix.rs)",
            r.naive_top
        ));
    }
    p
}

/// Folded stacks (`root;...;leaf blocks`) from a dhat profile's program
/// points whose stack passes through the job's frame, cut to start there.
/// Frames lose their address, generic arguments and line numbers (which
/// move with the compiler), and dhat's own allocator frame.
pub fn fold_dhat(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let f: DhatFile =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out: std::collections::BTreeMap<String, u64> = Default::default();
    for pp in &f.pps {
        // dhat lists a program point's frames from the allocation outwards.
        let frames: Vec<&str> = pp
            .fs
            .iter()
            .rev()
            .filter_map(|&i| f.ftbl.get(i).map(String::as_str))
            .collect();
        let Some(start) = frames.iter().position(|f| is_job_frame(f)) else {
            continue;
        };
        let kept: Vec<String> = frames[start..]
            .iter()
            .map(|f| short_frame(f))
            .filter(|f| !f.contains("(dhat-"))
            .collect();
        *out.entry(kept.join(";")).or_default() += pp.tbk;
    }
    Ok(out.into_iter().map(|(s, n)| format!("{s} {n}")).collect())
}

/// `0x1234: name<T, U> (path/file.rs:12:5)` → `name<> (path/file.rs)`.
pub fn short_frame(f: &str) -> String {
    let f = f.split_once(": ").map_or(
        f,
        |(addr, rest)| {
            if addr.starts_with("0x") { rest } else { f }
        },
    );
    let mut name = String::with_capacity(f.len());
    let mut depth = 0usize;
    for c in f.chars() {
        match c {
            '<' => {
                if depth == 0 {
                    name.push('<');
                }
                depth += 1;
            }
            '>' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    name.push('>');
                }
            }
            _ if depth == 0 => name.push(c),
            _ => {}
        }
    }
    match name.rsplit_once(" (") {
        Some((n, file)) => {
            let file = file.trim_end_matches(')');
            let file = file.split(':').next().unwrap_or(file);
            format!("{n} ({file})")
        }
        None => name,
    }
}
