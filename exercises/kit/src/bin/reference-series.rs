//! `reference-series add DATA-FILE RUN-FILE`: adds a labelled run (the JSON
//! an exercise prints with `--json`) to a reference data file that keeps one
//! run per machine, replacing that machine's earlier run if there is one.
//! Used by `ci/reference`.

use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [cmd, data, run] = args.as_slice() else {
        eprintln!("error: usage: reference-series add DATA-FILE RUN-FILE");
        return ExitCode::from(2);
    };
    if cmd != "add" {
        eprintln!("error: unknown command {cmd:?}; usage: reference-series add DATA-FILE RUN-FILE");
        return ExitCode::from(2);
    }
    let result = std::fs::read_to_string(run)
        .map_err(|e| format!("cannot read {run}: {e}"))
        .and_then(|s| serde_json::from_str(&s).map_err(|e| format!("{run} is not JSON: {e}")))
        .and_then(|v| kit::series::add(Path::new(data), v));
    match result {
        Ok(n) => {
            eprintln!("{data}: {n} machine{}", if n == 1 { "" } else { "s" });
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
