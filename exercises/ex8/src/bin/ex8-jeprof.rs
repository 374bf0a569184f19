//! The job under jemalloc with its heap profiler compiled in, inside
//! exercise 1's tracker: the tracker's exact live bytes and jemalloc's
//! sampled estimate of them, in one process. Built only by the shoot-out,
//! in a cargo invocation and target folder of its own (see Cargo.toml).
//!
//! Configure the profiler with `_RJEM_MALLOC_CONF` (the crate prefixes
//! jemalloc's symbols, so plain `MALLOC_CONF` is ignored), e.g.
//! `prof:true,lg_prof_sample:10`.
#[global_allocator]
static GLOBAL: ex1::Tracker<tikv_jemallocator::Jemalloc> =
    ex1::Tracker::new(tikv_jemallocator::Jemalloc);

use std::ffi::CString;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Exercise 8's jemalloc-profiling process (started by `ex8 shootout`)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the job once (timed by the parent).
    Job {
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        records: u64,
    },
    /// Parse the records into the std pipeline's requests, keep them, and
    /// dump jemalloc's heap profile to FILE; print the tracker's live bytes.
    Dump {
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        records: u64,
        file: PathBuf,
    },
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => 0.into(),
        Err(e) => {
            eprintln!("error: {e}");
            1.into()
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Job { records } => {
            let (bytes, hash) = ex8::job::std_pipeline(records).map_err(|e| e.to_string())?;
            println!("report: {bytes} bytes, hash {hash:016x}");
        }
        Command::Dump { records, file } => {
            let path = CString::new(file.to_string_lossy().as_bytes())
                .map_err(|e| format!("{}: {e}", file.display()))?;
            let text = ex8::fix::lines(ex8::job::SEED, records);
            let requests: Vec<ex5::std_pipeline::OwnedRequest> = ex8::fix::requests(&text)
                .iter()
                .map(ex5::std_pipeline::OwnedRequest::new)
                .collect();
            drop(text);
            // jemalloc profiles what it hands out, a size class (`usize`),
            // not the size asked for: add the rounding of the blocks held.
            let rounding: u64 = rounding(&requests);
            // ANCHOR: dump
            let live = ex1::COUNTERS.totals().live_bytes;
            // SAFETY: "prof.dump" takes a `const char *` file name; `path`
            // is NUL-terminated and outlives the call.
            unsafe { tikv_jemalloc_ctl::raw::write(b"prof.dump\0", path.as_ptr()) }
                .map_err(|e| format!("prof.dump (is _RJEM_MALLOC_CONF=prof:true set?): {e}"))?;
            // ANCHOR_END: dump
            std::hint::black_box(&requests);
            let out = ex8::shootout::Dumped {
                live_tracker: live.max(0) as u64,
                rounding,
                dump: file,
            };
            kit::output::print_json(&out);
        }
    }
    Ok(())
}

/// Bytes jemalloc's size classes add to the blocks `requests` holds (its
/// buffer and every string's): usable size minus the size requested.
fn rounding(requests: &Vec<ex5::std_pipeline::OwnedRequest>) -> u64 {
    let extra = |ptr: *const u8, size: usize| -> u64 {
        if size == 0 {
            return 0;
        }
        // SAFETY: `ptr` is a live block of this process's global allocator,
        // jemalloc (inside the tracker, which hands out jemalloc's pointers
        // unchanged), allocated with `size` bytes.
        let usable = unsafe { tikv_jemallocator::usable_size(ptr) };
        (usable - size) as u64
    };
    let buffer = std::mem::size_of::<ex5::std_pipeline::OwnedRequest>() * requests.capacity();
    let mut total = extra(requests.as_ptr().cast(), buffer);
    for r in requests {
        for s in [
            &r.ip,
            &r.user,
            &r.time,
            &r.method,
            &r.path,
            &r.protocol,
            &r.agent,
        ] {
            total += extra(s.as_ptr(), s.capacity());
        }
    }
    total
}
