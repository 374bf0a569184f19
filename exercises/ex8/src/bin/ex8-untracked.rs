//! The timed process of exercise 8: the system allocator alone, nothing
//! counting on its hot path. The profilers of the shoot-out run it too.
kit::global_allocator!(std::alloc::System = std::alloc::System);

use clap::{Parser, Subcommand};
use ex8::fix::Version;

#[derive(Parser)]
#[command(about = "Exercise 8's untracked process (started by `ex8`)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Time the find-and-fix's tally; prints JSON.
    TimeFix {
        #[arg(value_enum)]
        version: Version,
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        records: u64,
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1001))]
        runs: u32,
    },
    /// Run the job (exercise 5's std pipeline) once.
    Job {
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        records: u64,
    },
    /// One tally of one version.
    Tally {
        #[arg(value_enum)]
        version: Version,
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
        records: u64,
    },
}

fn main() -> std::process::ExitCode {
    let _profile = kit::profile::start("ex8-untracked");
    // Exercise 5's meter reads exercise 1's counters, and the first read
    // claims a slot and registers its thread-exit hook, which glibc
    // allocates with C's malloc. In the tracked binary that happens at the
    // first allocation, long before the job; do it before the job here too,
    // so the profilers see the same job as the tracker.
    let _ = ex1::COUNTERS.this_thread();
    match Cli::parse().command {
        Command::TimeFix {
            version,
            records,
            runs,
        } => kit::output::print_json(&ex8::compare::time(version, records, runs)),
        Command::Job { records } => match ex8::job::std_pipeline(records) {
            Ok((bytes, hash)) => println!("report: {bytes} bytes, hash {hash:016x}"),
            Err(e) => {
                eprintln!("error: {e}");
                return 1.into();
            }
        },
        Command::Tally { version, records } => {
            let text = ex8::fix::lines(ex8::job::SEED, records);
            let requests = ex8::fix::requests(&text);
            let (rows, total) = ex8::fix::count_once(version, &requests);
            println!("{rows} rows, {total} requests");
        }
    }
    0.into()
}
