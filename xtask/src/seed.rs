//! Seeding a second target folder with the third-party build results of the
//! first, so that a build in it compiles only the workspace's own crates.
//!
//! Three builds need a target folder of their own, because they build the
//! exercises differently and must not replace the normal build's binaries
//! (`target/release/exN`, which the other steps run): the starter copy, the
//! `dhat-heap` build and the build without default features. Each would
//! otherwise compile every dependency again (jemalloc's and mimalloc's C
//! code take minutes). Cargo reuses a unit whose fingerprint matches, so
//! copying the dependencies' units over is enough, as long as the second
//! build passes the same compiler flags (`RUSTFLAGS` is in every unit's
//! fingerprint: a different one rebuilds everything).

use std::collections::BTreeSet;
use std::path::Path;

use crate::util::{self, Result};

/// The 16-hex-digit unit hash in an artifact's name (`libkit-0123…cdef.rlib`,
/// `arena_vec-0123…cdef`, `ex4-0123…cdef/`), if it has one.
fn unit_hash(name: &str) -> Option<&str> {
    name.split(['-', '.'])
        .find(|part| part.len() == 16 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Copies `from` to `to` recursively, keeping modification times (cargo
/// compares them) and permissions; what `to` already holds is kept.
fn copy_tree(from: &Path, to: &Path) -> Result<u64> {
    let meta = std::fs::symlink_metadata(from).map_err(|e| format!("{}: {e}", from.display()))?;
    if meta.is_dir() {
        std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
        let mut bytes = 0;
        for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
            let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
            bytes += copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
        return Ok(bytes);
    }
    if !meta.is_file() || to.exists() {
        return Ok(0);
    }
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let bytes = std::fs::copy(from, to)
        .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()))?;
    let modified = meta
        .modified()
        .map_err(|e| format!("{}: {e}", from.display()))?;
    std::fs::File::options()
        .write(true)
        .open(to)
        .and_then(|f| f.set_modified(modified))
        .map_err(|e| format!("{}: {e}", to.display()))?;
    Ok(bytes)
}

/// Seeds the target folder `to` from `from` with the build results of the
/// packages outside the workspace, in the given profiles (`debug`,
/// `release`); returns the bytes copied.
///
/// Only units of packages outside the workspace are copied (not
/// hard-linked: a rebuild writes some files in place); every unit of a
/// workspace member is left out (found by its hash, which its
/// `.fingerprint/NAME-HASH` folder names), as are the top-level outputs and
/// incremental caches, so the second build compiles the workspace's crates
/// from its own sources. (A starter copy could not share the project's
/// folder even for those: cargo names a path package's artifacts by its path
/// relative to the workspace root, so one build would reuse the other's.)
pub(crate) fn seed(from: &Path, to: &Path, profiles: &[&str]) -> Result<u64> {
    let members: BTreeSet<String> = util::workspace_deps()?.into_keys().collect();
    let mut bytes = 0;
    for profile in profiles {
        let prof = from.join(profile);
        let Ok(units) = std::fs::read_dir(prof.join(".fingerprint")) else {
            continue;
        };
        let mut theirs = BTreeSet::new();
        for unit in units.flatten() {
            let name = unit.file_name().to_string_lossy().to_string();
            if let Some((pkg, hash)) = name.rsplit_once('-')
                && members.contains(pkg)
            {
                theirs.insert(hash.to_string());
            }
        }
        for dir in [".fingerprint", "build", "deps"] {
            let Ok(entries) = std::fs::read_dir(prof.join(dir)) else {
                continue;
            };
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().to_string();
                if unit_hash(&name).is_none_or(|h| theirs.contains(h)) {
                    continue;
                }
                bytes += copy_tree(&entry.path(), &to.join(profile).join(dir).join(&name))?;
            }
        }
    }
    Ok(bytes)
}

/// Runs a cargo build command (`build`, `test`, `clippy`, …) with JSON
/// messages, showing every diagnostic (on stderr, or in `log`), and fails
/// if a workspace crate has a warning: `-D warnings` for the workspace
/// without `RUSTFLAGS`, which would change every unit's fingerprint and
/// defeat the seeding.
pub(crate) fn run_denying_warnings(
    cmd: &mut std::process::Command,
    log: Option<&Path>,
) -> Result<()> {
    use std::io::Write;
    let mut out: Box<dyn Write> = match log {
        Some(log) => Box::new(
            std::fs::File::options()
                .create(true)
                .append(true)
                .open(log)
                .map_err(|e| format!("{}: {e}", log.display()))?,
        ),
        None => Box::new(std::io::stderr()),
    };
    let err = match log {
        Some(log) => std::process::Stdio::from(
            std::fs::File::options()
                .create(true)
                .append(true)
                .open(log)
                .map_err(|e| format!("{}: {e}", log.display()))?,
        ),
        None => std::process::Stdio::inherit(),
    };
    cmd.arg("--message-format=json-diagnostic-rendered-ansi")
        .stdout(std::process::Stdio::piped())
        .stderr(err);
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))?;
    let mut warnings = 0;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-message" {
            continue;
        }
        let m = &msg["message"];
        let _ = write!(out, "{}", m["rendered"].as_str().unwrap_or_default());
        // Path packages are the workspace's; "N warnings emitted" has no span.
        let ours = msg["package_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("path+"));
        let spans = m["spans"].as_array().is_some_and(|s| !s.is_empty());
        if ours && spans && m["level"] == "warning" {
            warnings += 1;
        }
    }
    if !output.status.success() {
        return util::fail(format!("{cmd:?} failed ({})", output.status));
    }
    if warnings > 0 {
        return util::fail(format!(
            "{warnings} warning(s) in the workspace's crates (shown above): the build denies them"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_hashes_are_read_from_artifact_names() {
        assert_eq!(
            unit_hash("libkit-2b7444582b475ace.rlib"),
            Some("2b7444582b475ace")
        );
        assert_eq!(
            unit_hash("arena_vec-845fa1b092e704a3"),
            Some("845fa1b092e704a3")
        );
        assert_eq!(
            unit_hash("tikv-jemalloc-sys-0011223344556677"),
            Some("0011223344556677")
        );
        assert_eq!(unit_hash("libex4.rlib"), None);
    }
}
