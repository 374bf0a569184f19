//! `book/src/generated/` (the book's exact figures, rendered by the crates)
//! and `book/src/data/` (labelled timing runs).

use std::path::Path;

use crate::manifest::{self, Manifest};
use crate::util::{self, Result, fail, release_bin, root};

/// Where the generated outputs live.
const GENERATED: &str = "book/src/generated";

/// An output line ending in `| tables 1,3` keeps only those tables of what
/// the command prints (counted from 1; `1,3,...` goes on in steps of two to
/// the last), so that a chapter can show one table of a command and fold
/// the others.
const TABLES: &str = " | tables ";

/// The tables numbered in `keep` ("2", "1,3", "1,3,..." or "2,...") of a Markdown page. A table
/// comes with the bold title paragraph just above it and the paragraphs
/// below it up to the next table; paragraphs above the first table go with
/// the first.
fn tables_of(markdown: &str, keep: &str) -> Result<String> {
    let is_table = |p: &str| p.starts_with('|');
    let is_title = |p: &str| p.starts_with("**") && p.ends_with("**") && !p.contains('\n');
    let paragraphs: Vec<&str> = markdown
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let mut tables: Vec<Vec<&str>> = Vec::new();
    let mut preamble: Vec<&str> = Vec::new();
    for (i, p) in paragraphs.iter().enumerate() {
        let starts_table = (is_title(p) && paragraphs.get(i + 1).is_some_and(|n| is_table(n)))
            || (is_table(p) && !(i > 0 && is_title(paragraphs[i - 1])));
        match tables.last_mut() {
            _ if starts_table => tables.push(
                std::mem::take(&mut preamble)
                    .into_iter()
                    .chain([*p])
                    .collect(),
            ),
            Some(t) => t.push(p),
            None => preamble.push(p),
        }
    }
    let bad = || format!("\"{keep}\": not table numbers such as 2 or 1,3 or 1,3,... or 2,...");
    let mut wanted: Vec<usize> = Vec::new();
    for n in keep.split(',').map(str::trim) {
        if n == "..." {
            // "1,3,...": on with the same step, to the last table (a page
            // with one machine's tables per machine keeps them all).
            // "2,..." is every table from the second on.
            let (b, step) = match wanted[..] {
                [.., a, b] => (b, b.checked_sub(a).filter(|s| *s > 0).ok_or_else(bad)?),
                [b] => (b, 1),
                [] => return Err(bad()),
            };
            wanted.extend((b + step..=tables.len()).step_by(step));
            continue;
        }
        wanted.push(n.parse().map_err(|_| bad())?);
    }
    let mut out = Vec::new();
    for n in wanted {
        let table = n
            .checked_sub(1)
            .and_then(|i| tables.get(i))
            .ok_or_else(|| format!("there is no table {n}: the page has {}", tables.len()))?;
        out.push(table.join("\n\n"));
    }
    Ok(out.join("\n\n") + "\n")
}

/// Writes every output of the selected exercises into `dest/exN/`.
/// The page of the whole learning path's counts, beside the exercises'
/// folders (`generated/path.md`).
const PATH_PAGE: &str = "path.md";

fn write_outputs(m: &Manifest, only: &[String], dest: &Path) -> Result<()> {
    std::fs::create_dir_all(dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    std::fs::write(dest.join(PATH_PAGE), crate::tasks::path_page(m))
        .map_err(|e| format!("{PATH_PAGE}: {e}"))?;
    for (ex, e) in m.select(only)? {
        let dir = dest.join(ex);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for (file, line) in &e.outputs {
            let (args, keep) = match line.split_once(TABLES) {
                Some((args, keep)) => (args, Some(keep)),
                None => (line.as_str(), None),
            };
            let mut out =
                util::output(util::exercise_command(release_bin(ex)).args(manifest::args(args)))?;
            if let Some(keep) = keep {
                out = tables_of(&out, keep).map_err(|e| format!("{ex} {file}: {e}"))?;
            }
            std::fs::write(dir.join(file), out).map_err(|e| format!("{file}: {e}"))?;
        }
        // The quizzes, from the tables just written.
        for q in &e.quiz {
            if q.answer.is_none() && !e.outputs.contains_key(&q.table) {
                return fail(format!(
                    "quiz {}: {} is not one of [{ex}.outputs]",
                    q.id, q.table
                ));
            }
        }
        for (file, toml) in crate::quiz::render(ex, &e.quiz, &dir)? {
            std::fs::write(dir.join(&file), toml).map_err(|e| format!("{file}: {e}"))?;
        }
        for t in crate::tasks::all_tasks(m)?.iter().filter(|t| t.ex == ex) {
            let file = crate::tasks::task_file(&t.span.name);
            std::fs::write(dir.join(&file), crate::tasks::task_page(t)?)
                .map_err(|e| format!("{file}: {e}"))?;
        }
        if !e.tasks.is_empty() {
            let md = crate::tasks::try_it_yourself(m, ex)?;
            std::fs::write(dir.join("starter.md"), md).map_err(|e| format!("starter.md: {e}"))?;
        }
    }
    Ok(())
}

/// Lines of a recursive comparison of two folders: files that differ, or
/// exist on one side only.
fn differences(ex: &str, old: &Path, new: &Path) -> Vec<String> {
    let files = |dir: &Path| -> std::collections::BTreeSet<String> {
        util::walk(dir)
            .iter()
            .filter_map(|f| f.strip_prefix(dir).ok().map(|r| r.display().to_string()))
            .collect()
    };
    let (a, b) = (files(old), files(new));
    let mut out = Vec::new();
    for f in a.union(&b) {
        match (a.contains(f), b.contains(f)) {
            (true, false) => out.push(format!("{GENERATED}/{ex}/{f}: not generated any more")),
            (false, true) => out.push(format!("{GENERATED}/{ex}/{f}: missing")),
            _ => {
                let (x, y) = (std::fs::read(old.join(f)), std::fs::read(new.join(f)));
                if x.ok() != y.ok() {
                    out.push(format!(
                        "{GENERATED}/{ex}/{f}: differs from what the crates print now"
                    ));
                    if let (Ok(x), Ok(y)) = (
                        std::fs::read_to_string(old.join(f)),
                        std::fs::read_to_string(new.join(f)),
                    ) && let Some((i, (l, r))) = x
                        .lines()
                        .zip(y.lines())
                        .enumerate()
                        .find(|(_, (l, r))| l != r)
                    {
                        out.push(format!("  line {}: committed: {l}", i + 1));
                        out.push(format!("  line {}: now:       {r}", i + 1));
                    }
                }
            }
        }
    }
    out
}

/// `cargo xtask generate [--check] [exN...]`.
pub fn generate(m: &Manifest, check: bool, only: &[String]) -> Result<()> {
    m.select(only)?;
    crate::quiz::check_ids(m.questions())?;
    util::build_release()?;
    let generated = root().join(GENERATED);
    if !check {
        write_outputs(m, only, &generated)?;
        println!("wrote {GENERATED}/ ({})", names(m, only)?);
        return Ok(());
    }
    let tmp = util::temp_dir("generated")?;
    write_outputs(m, only, &tmp)?;
    let mut diffs = Vec::new();
    if std::fs::read(generated.join(PATH_PAGE)).ok() != std::fs::read(tmp.join(PATH_PAGE)).ok() {
        diffs.push(format!(
            "{GENERATED}/{PATH_PAGE}: differs from the manifest's tasks now"
        ));
    }
    for (ex, _) in m.select(only)? {
        diffs.extend(differences(ex, &generated.join(ex), &tmp.join(ex)));
    }
    if only.is_empty() {
        // A folder of an exercise the manifest no longer has is stale too.
        for dir in std::fs::read_dir(&generated)
            .map_err(|e| e.to_string())?
            .flatten()
        {
            let name = dir.file_name().to_string_lossy().to_string();
            if m.get(&name).is_none() && name != PATH_PAGE {
                diffs.push(format!(
                    "{GENERATED}/{name}: no exercise {name} in {}",
                    manifest::PATH
                ));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    if !diffs.is_empty() {
        for d in &diffs {
            eprintln!("{d}");
        }
        return fail(format!(
            "{GENERATED} is stale: run `cargo xtask generate` and commit"
        ));
    }
    println!("generated outputs are up to date ({})", names(m, only)?);
    Ok(())
}

fn names(m: &Manifest, only: &[String]) -> Result<String> {
    Ok(m.select(only)?
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", "))
}

/// `cargo xtask reference [exN...]`: re-runs the labelled timing runs,
/// rewrites their data files, then regenerates the outputs. Timings belong
/// to a quiet machine: run it there.
pub fn reference(m: &Manifest, only: &[String]) -> Result<()> {
    let mut steps = util::Steps::new();
    rerun(m, only, &mut steps)?;
    steps.step("regenerate book/src/generated/ from the new data");
    generate(m, false, only)?;
    steps.summary();
    Ok(())
}

/// Re-runs the labelled timing runs and rewrites their data files, each
/// run a step.
fn rerun(m: &Manifest, only: &[String], steps: &mut util::Steps) -> Result<()> {
    m.select(only)?;
    util::build_release()?;
    for (ex, e) in m.select(only)? {
        for (file, args) in &e.reference {
            steps.step(&format!("{ex} {args} > book/src/data/{file}"));
            let out =
                util::output(util::exercise_command(release_bin(ex)).args(manifest::args(args)))?;
            // The data file keeps one run per machine: kit's `reference-series`
            // replaces this machine's run or adds a new one (kit::series).
            let path = root().join("book/src/data").join(file);
            let run = path.with_extension("run");
            std::fs::write(&run, out).map_err(|e| format!("{}: {e}", run.display()))?;
            util::run(
                util::exercise_command(release_bin("reference-series"))
                    .arg("add")
                    .arg(&path)
                    .arg(&run),
            )?;
            std::fs::remove_file(&run).map_err(|e| format!("{}: {e}", run.display()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::tables_of;

    const PAGE: &str = "intro\n\n**First**\n\n| a |\n|---|\n| 1 |\n\nunder the first\n\n\
                        **Second**\n\n| b |\n|---|\n| 2 |\n\n| untitled |\n|---|\n";

    #[test]
    fn tables_come_with_their_titles_and_notes() {
        assert_eq!(
            tables_of(PAGE, "1").unwrap(),
            "intro\n\n**First**\n\n| a |\n|---|\n| 1 |\n\nunder the first\n"
        );
        assert_eq!(
            tables_of(PAGE, "2").unwrap(),
            "**Second**\n\n| b |\n|---|\n| 2 |\n"
        );
        assert_eq!(
            tables_of(PAGE, "3,2").unwrap(),
            "| untitled |\n|---|\n\n**Second**\n\n| b |\n|---|\n| 2 |\n"
        );
    }

    #[test]
    fn a_table_that_is_not_there_is_an_error() {
        assert!(tables_of(PAGE, "4").unwrap_err().contains("the page has 3"));
        assert!(tables_of(PAGE, "0").is_err());
        assert!(tables_of(PAGE, "x").is_err());
        assert!(tables_of(PAGE, "...").is_err());
        assert_eq!(tables_of(PAGE, "2,..."), tables_of(PAGE, "2,3"));
        assert!(tables_of(PAGE, "2,1,...").is_err());
    }

    #[test]
    fn dots_go_on_with_the_same_step() {
        assert_eq!(tables_of(PAGE, "1,3,..."), tables_of(PAGE, "1,3"));
        assert_eq!(tables_of(PAGE, "1,2,..."), tables_of(PAGE, "1,2,3"));
    }
}
