//! Heap profiles: every exercise built with its `dhat-heap` feature and run,
//! each profile checked, and its totals compared with the tracking
//! allocator's count of the same workload in a process of its own.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

use crate::manifest::{self, Manifest};
use crate::util::{self, Result, fail, root};

/// The dhat build's own target folder, so it never replaces the normal
/// build's binaries (shared with the screenshot).
pub(crate) fn build_dir() -> PathBuf {
    root().join("target/dhat-build")
}

/// Where the profiles are written.
pub(crate) fn out_dir() -> PathBuf {
    root().join("target/dhat")
}

/// The profile of exercise `ex`.
pub(crate) fn profile_path(ex: &str) -> PathBuf {
    out_dir().join(format!("dhat-heap-{ex}.json"))
}

/// What the checks read of a dhat-rs profile.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Profile {
    pub(crate) dhat_file_version: u32,
    pub(crate) mode: String,
    pub(crate) pps: Vec<ProgramPoint>,
    pub(crate) ftbl: Vec<String>,
}

/// One program point: total bytes (`tb`), total blocks (`tbk`), and its
/// frames (`fs`, indices into `ftbl`).
#[derive(Deserialize)]
pub(crate) struct ProgramPoint {
    pub(crate) tb: u64,
    pub(crate) tbk: u64,
    pub(crate) fs: Vec<usize>,
}

impl Profile {
    /// Reads and checks a profile that dh_view.html can load.
    pub(crate) fn load(path: &Path) -> Result<Profile> {
        let text = util::read(path)?;
        let p: Profile = serde_json::from_str(&text)
            .map_err(|e| format!("{}: not a dhat profile: {e}", path.display()))?;
        if p.mode != "rust-heap" {
            return fail(format!(
                "{}: mode is {:?}, expected \"rust-heap\"",
                path.display(),
                p.mode
            ));
        }
        if p.dhat_file_version == 0 || p.total().1 == 0 {
            return fail(format!(
                "{}: the profile recorded no allocation",
                path.display()
            ));
        }
        Ok(p)
    }

    /// Total (bytes, blocks); dhat counts a realloc as a new block.
    pub(crate) fn total(&self) -> (u64, u64) {
        self.sum(|_| true)
    }

    fn sum(&self, keep: impl Fn(&ProgramPoint) -> bool) -> (u64, u64) {
        self.pps
            .iter()
            .filter(|pp| keep(pp))
            .fold((0, 0), |(b, k), pp| (b + pp.tb, k + pp.tbk))
    }

    /// (bytes, blocks) of the program points whose stack has a frame
    /// containing `text`.
    pub(crate) fn under(&self, text: &str) -> (u64, u64) {
        let frames: Vec<bool> = self.ftbl.iter().map(|f| f.contains(text)).collect();
        self.sum(|pp| pp.fs.iter().any(|&i| frames.get(i) == Some(&true)))
    }
}

/// Builds exercise `ex` (all exercises when `None`) with `dhat-heap`, in a
/// target folder seeded with the normal release build's dependencies. A
/// warning in the workspace fails it: the dhat configuration must be as
/// clean as the normal one.
pub(crate) fn build(only: Option<&str>) -> Result<()> {
    let dir = build_dir();
    let started = std::time::Instant::now();
    let bytes = crate::seed::seed(&util::target_dir(), &dir, &["release"])?;
    println!(
        "dhat build: its target folder seeded with {} MiB of dependencies in {:.1} s",
        bytes >> 20,
        started.elapsed().as_secs_f64()
    );
    let mut args = vec![
        "build",
        "--release",
        "--locked",
        "--quiet",
        "--features",
        "dhat-heap",
    ];
    args.extend(["--target-dir", dir.to_str().unwrap_or("target/dhat-build")]);
    let m = Manifest::load(&root())?;
    let names: Vec<String> = m.exercises.iter().map(|(n, _)| n.clone()).collect();
    for ex in names.iter().filter(|n| only.is_none_or(|o| o == *n)) {
        args.extend(["-p", ex]);
    }
    crate::seed::run_denying_warnings(&mut util::cargo(&args), None)
}

/// Runs exercise `ex`'s profiled command and returns its checked profile.
pub(crate) fn profile(ex: &str, args: &str) -> Result<Profile> {
    let path = profile_path(ex);
    let _ = std::fs::remove_file(&path);
    std::fs::create_dir_all(out_dir()).map_err(|e| e.to_string())?;
    // A path relative to the root (the current folder): the profile records
    // the command line, and the viewer (and the book's picture of it) shows it.
    util::output(
        Command::new(Path::new("target/dhat-build/release").join(ex))
            .args(manifest::args(args))
            .env("DHAT_OUT_DIR", "target/dhat")
            .current_dir(root()),
    )?;
    Profile::load(&path)
}

/// What the tracker counted for the same workload.
#[derive(Deserialize)]
struct TrackerCount {
    dhat_blocks: u64,
    dhat_bytes: u64,
}

/// `cargo xtask dhat [exN...]`: profiles, each checked, each compared with
/// the tracker.
pub fn dhat(m: &Manifest, only: &[String]) -> Result<()> {
    let selected = m.select(only)?;
    let _ = std::fs::remove_dir_all(out_dir());
    if selected.len() == m.exercises.len() {
        build(None)?;
    } else {
        for (ex, _) in &selected {
            build(Some(ex))?;
        }
    }
    util::build_release()?;
    let mut problems = Vec::new();
    for (ex, e) in &selected {
        let p = profile(ex, &e.dhat.run)?;
        let (bytes, blocks) = p.total();
        println!(
            "{}: {blocks} blocks, {bytes} bytes in {} program points",
            util::rel(&profile_path(ex)),
            p.pps.len()
        );
        // The same workload counted by the tracker in its own process (one
        // process cannot hold both: the tracker would count dhat's own
        // bookkeeping).
        let out = util::output(
            util::exercise_command(util::release_bin(ex)).args(manifest::args(&e.dhat.tracker)),
        )?;
        let t: TrackerCount = serde_json::from_str(&out).map_err(|err| {
            format!(
                "{ex} {}: no dhat_blocks/dhat_bytes in its JSON: {err}",
                e.dhat.tracker
            )
        })?;
        let (bytes, blocks) = p.under(&e.dhat.frames);
        if blocks == 0 {
            problems.push(format!(
                "{ex}: no allocation in the profile passes through {}",
                e.dhat.frames
            ));
        } else if (blocks, bytes) != (t.dhat_blocks, t.dhat_bytes) {
            problems.push(format!(
                "{ex}: the profile has {blocks} blocks / {bytes} bytes under {}, the tracker counted {} / {}",
                e.dhat.frames, t.dhat_blocks, t.dhat_bytes
            ));
        } else {
            println!(
                "  dhat and the tracker agree under {}: {blocks} blocks, {bytes} bytes",
                e.dhat.frames
            );
        }
    }
    if !problems.is_empty() {
        return fail(format!("dhat vs tracker: {}", problems.join("; ")));
    }
    Ok(())
}
