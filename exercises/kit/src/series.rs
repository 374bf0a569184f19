//! Reference data kept per machine.
//!
//! A labelled timing run describes one machine. A data file in `book/src/data/`
//! holds a series of such runs, one per machine measured: a run on a machine
//! already in the file replaces that machine's entry, a run anywhere else
//! adds one ([`add`]). A file in the older single-run format is replaced by
//! the first run added. Tables render every machine's run; a verdict in the
//! prose is one that held on every machine measured, and anything else is
//! marked machine-dependent.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::machine::Machine;

/// A data file's shape: `{"series": [run, run, ...]}`.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct Series<R> {
    /// Each machine's run, in the order recorded.
    pub series: Vec<R>,
}

/// Reads every machine's run from `path`. A file holding a single run (the
/// format before series) reads as a series of one.
pub fn read<R: DeserializeOwned>(path: &Path) -> Result<Vec<R>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read report {}: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("cannot read report {}: {e}", path.display()))?;
    let runs = match value {
        Value::Object(mut o) if o.contains_key("series") => match o.remove("series") {
            Some(Value::Array(runs)) => runs,
            _ => return Err(format!("{}: \"series\" is not a list", path.display())),
        },
        single => vec![single],
    };
    runs.into_iter()
        .map(|r| {
            serde_json::from_value(r)
                .map_err(|e| format!("cannot read report {}: {e}", path.display()))
        })
        .collect()
}

/// Whether `path` holds a series (not a single run of the older format).
fn is_series(path: &Path) -> Result<bool, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read report {}: {e}", path.display()))?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| format!("cannot read report {}: {e}", path.display()))?;
    Ok(value.get("series").is_some())
}

/// The machine a run (as JSON) was made on.
fn machine_of(run: &Value) -> Result<Machine, String> {
    serde_json::from_value(run.get("machine").cloned().unwrap_or(Value::Null))
        .map_err(|e| format!("a run without a machine label: {e}"))
}

/// Adds `run` to the series in `path` (which may not exist yet), replacing
/// the run of the same machine ([`Machine::same_machine`]) if there is one, and
/// every provisional run if `run` is not one. Returns
/// how many machines the file then holds.
pub fn add(path: &Path, run: Value) -> Result<usize, String> {
    let machine = machine_of(&run)?;
    // A file in the single-run format predates series (and untracked
    // timings): the first run added replaces it.
    let mut runs: Vec<Value> = if path.exists() && is_series(path)? {
        read(path)?
    } else {
        Vec::new()
    };
    // A provisional stand-in goes as soon as any real run arrives.
    if !machine_of(&run)?.provisional {
        let mut kept = Vec::new();
        for old in runs {
            if !machine_of(&old)?.provisional {
                kept.push(old);
            }
        }
        runs = kept;
    }
    let mut replaced = false;
    for old in runs.iter_mut() {
        if machine_of(old)?.same_machine(&machine) {
            *old = run.clone();
            replaced = true;
        }
    }
    if !replaced {
        runs.push(run);
    }
    let n = runs.len();
    let text = serde_json::to_string_pretty(&Series { series: runs })
        .map_err(|e| format!("cannot serialise the series: {e}"))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text + "\n")
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(cpu: &str, value: u32) -> Value {
        serde_json::json!({
            "machine": {"cpu": cpu, "cores": 2, "os": "linux", "profile": "release", "rustc": "r"},
            "value": value
        })
    }

    #[derive(serde::Deserialize)]
    struct Run {
        machine: Machine,
        value: u32,
    }

    #[test]
    fn a_new_machine_adds_a_series_and_the_same_machine_replaces_its_own() {
        let dir = std::env::temp_dir().join(format!("kit-series-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data.json");
        let _ = std::fs::remove_file(&path);
        // An old single-run file reads as a series of one, and the first
        // run added replaces it.
        std::fs::write(&path, run("Z", 0).to_string()).unwrap();
        assert_eq!(read::<Run>(&path).unwrap().len(), 1);
        assert_eq!(add(&path, run("A", 1)).unwrap(), 1);
        assert_eq!(add(&path, run("B", 2)).unwrap(), 2);
        assert_eq!(add(&path, run("A", 3)).unwrap(), 2);
        let runs = read::<Run>(&path).unwrap();
        let got: Vec<_> = runs
            .iter()
            .map(|r| (r.machine.cpu.as_str(), r.value))
            .collect();
        assert_eq!(got, [("A", 3), ("B", 2)]);
        // A provisional stand-in is dropped by the first real run.
        let mut stand_in = run("C", 4);
        stand_in["machine"]["provisional"] = true.into();
        assert_eq!(add(&path, stand_in).unwrap(), 3);
        assert_eq!(add(&path, run("B", 5)).unwrap(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
