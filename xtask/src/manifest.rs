//! `exercises/manifest.toml`, typed: what the tooling knows about each
//! exercise. Read here and nowhere else (the browser test gets what it needs
//! as JSON from `browser.rs`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::util::{Result, fail};

/// Where the manifest lives, relative to the repository root. Beside the
/// crates it describes, so the starter copy (which copies `exercises/`)
/// carries the learner tasks with it.
pub(crate) const PATH: &str = "exercises/manifest.toml";

/// One exercise's entry: the table `[exN]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Exercise {
    /// The chapter's page in `book/src/`.
    pub(crate) chapter: String,
    /// Exercises whose solutions this one's tests need too.
    #[serde(default)]
    pub(crate) needs: Vec<String>,
    /// Argument lines run under valgrind's memcheck.
    #[serde(default)]
    pub(crate) memcheck: Vec<String>,
    /// Argument lines of fact checks run with the release build.
    #[serde(default)]
    pub(crate) check: Vec<String>,
    /// Argument lines run with a build without default features.
    #[serde(default)]
    pub(crate) check_without_default_features: Vec<String>,
    /// Builds the exercise makes of itself when it runs, as "DIR FEATURES
    /// BIN" (`target/DIR`, `--features FEATURES`, `--bin BIN`): built first
    /// by the checks, in a seeded folder, denying warnings.
    #[serde(default)]
    pub(crate) variants: Vec<String>,
    /// The heap profile and its cross-check against the tracker.
    pub(crate) dhat: Dhat,
    /// Generated file name in `book/src/generated/exN/` → argument line.
    #[serde(default)]
    pub(crate) outputs: BTreeMap<String, String>,
    /// Data file name in `book/src/data/` → argument line of a timing run.
    #[serde(default)]
    pub(crate) reference: BTreeMap<String, String>,
    /// The learner tasks, in the order the chapter teaches them.
    #[serde(default, rename = "task")]
    pub(crate) tasks: Vec<Task>,
    /// The chapter's prediction questions, answered from its generated tables.
    #[serde(default, rename = "quiz")]
    pub(crate) quiz: Vec<crate::quiz::Question>,
}

/// `[exN.dhat]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Dhat {
    /// Arguments of the profiled run (built with `--features dhat-heap`).
    pub(crate) run: String,
    /// Arguments of the same workload in a normal build, printing JSON with
    /// `dhat_blocks` and `dhat_bytes`.
    pub(crate) tracker: String,
    /// Program points whose stack passes through a frame containing this
    /// text are the ones the tracker counted.
    pub(crate) frames: String,
}

/// `[[exN.task]]`: one body a learner writes in the starter copy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Task {
    /// `NAME` in `// ANCHOR: task_NAME`.
    pub(crate) name: String,
    /// `exercises/exN/tests/TEST.rs` checks this task on its own.
    pub(crate) test: String,
    /// One sentence: what the learner writes.
    pub(crate) statement: String,
    /// 1 (a few lines, one idea) to 3 (a design across several calls).
    /// An exercise's tasks go from easy to hard.
    pub(crate) difficulty: u8,
    /// A rough time to write it, in minutes.
    pub(crate) minutes: u16,
    /// The first hint, shown on request: the idea to reach for, in a
    /// sentence or two (its line breaks do not matter).
    pub(crate) nudge: String,
    /// The second hint, on a second request: the mechanism and the traps,
    /// never the solution's steps in order.
    pub(crate) hint: String,
}

impl Task {
    /// `★★☆, about 15 min`.
    pub(crate) fn effort(&self) -> String {
        let d = usize::from(self.difficulty.min(3));
        format!(
            "{}{}, about {} min",
            "★".repeat(d),
            "☆".repeat(3 - d),
            self.minutes
        )
    }

    /// What a task entry must satisfy, beyond its types.
    fn check(&self) -> std::result::Result<(), String> {
        let words = |t: &str| t.split_whitespace().count();
        if !(1..=3).contains(&self.difficulty) {
            return Err(format!("difficulty {} is not 1, 2 or 3", self.difficulty));
        }
        if !(1..=120).contains(&self.minutes) {
            return Err(format!("minutes {} is not 1 to 120", self.minutes));
        }
        if words(&self.nudge) == 0 || words(&self.hint) == 0 {
            return Err("a task has two hints: nudge, then hint".into());
        }
        if words(&self.nudge) >= words(&self.hint) {
            return Err("its nudge is not shorter than its hint: the nudge comes first".into());
        }
        Ok(())
    }
}

/// `[commands]`: what `cargo xtask commands` does with a command of
/// README.md or the book other than running it as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Commands {
    /// Command as the page gives it → the shorter form run instead.
    #[serde(default)]
    pub(crate) short: BTreeMap<String, String>,
    /// Command as the page gives it → why it is not run.
    #[serde(default)]
    pub(crate) skip: BTreeMap<String, String>,
}

/// `[book]`: the teach-first gates (`reader.rs`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Book {
    /// Pages of `book/src` whose teach-first gates are enforced (the others
    /// are reported).
    #[serde(default)]
    pub(crate) teach_first: Vec<String>,
    /// The measurement harness, shown only in the appendix: `FILE` or
    /// `FILE:ANCHOR`, relative to `exercises/`.
    #[serde(default)]
    pub(crate) harness: Vec<String>,
}

/// The whole manifest: exercises in chapter order.
#[derive(Debug)]
pub struct Manifest {
    pub(crate) exercises: Vec<(String, Exercise)>,
    /// The book's commands that are not run as written.
    pub(crate) commands: Commands,
    /// The teach-first gates.
    pub(crate) book: Book,
}

impl Manifest {
    /// Reads and checks `exercises/manifest.toml` under `root`.
    pub fn load(root: &Path) -> Result<Manifest> {
        let path = root.join(PATH);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("cannot read {PATH}: {e}"))?;
        let mut table: toml::Table = toml::from_str(&text).map_err(|e| format!("{PATH}: {e}"))?;
        let commands: Commands = match table.remove("commands") {
            Some(c) => c
                .try_into()
                .map_err(|e| format!("{PATH}: [commands]: {e}"))?,
            None => Commands::default(),
        };
        let book: Book = match table.remove("book") {
            Some(b) => b.try_into().map_err(|e| format!("{PATH}: [book]: {e}"))?,
            None => Book::default(),
        };
        let table: BTreeMap<String, Exercise> = toml::Value::Table(table)
            .try_into()
            .map_err(|e| format!("{PATH}: {e}"))?;
        let mut exercises: Vec<(String, Exercise)> = table.into_iter().collect();
        for (name, ex) in &exercises {
            if exercise_number(name).is_none() {
                return fail(format!("{PATH}: [{name}]: exercise tables are named exN"));
            }
            for need in &ex.needs {
                if exercise_number(need).is_none() {
                    return fail(format!("{PATH}: [{name}] needs {need}, not an exercise"));
                }
            }
            let mut seen = std::collections::HashSet::new();
            let mut hardest = 1;
            for t in &ex.tasks {
                if !seen.insert(&t.name) {
                    return fail(format!("{PATH}: [{name}] has task {} twice", t.name));
                }
                t.check()
                    .map_err(|e| format!("{PATH}: [{name}] task {}: {e}", t.name))?;
                if t.difficulty < hardest {
                    return fail(format!(
                        "{PATH}: [{name}] task {} (difficulty {}) comes after a harder one: \
                         an exercise's tasks go from easy to hard",
                        t.name, t.difficulty
                    ));
                }
                hardest = t.difficulty;
            }
        }
        exercises.sort_by_key(|(name, _)| exercise_number(name));
        // Every exercise crate has an entry, and every entry a crate.
        let dirs =
            std::fs::read_dir(root.join("exercises")).map_err(|e| format!("exercises: {e}"))?;
        for dir in dirs.flatten() {
            let name = dir.file_name().to_string_lossy().to_string();
            if exercise_number(&name).is_some() && !exercises.iter().any(|(n, _)| *n == name) {
                return fail(format!("{PATH}: exercises/{name} has no [{name}] table"));
            }
        }
        for (name, _) in &exercises {
            if !root
                .join("exercises")
                .join(name)
                .join("Cargo.toml")
                .is_file()
            {
                return fail(format!(
                    "{PATH}: [{name}]: there is no exercises/{name}/Cargo.toml"
                ));
            }
        }
        Ok(Manifest {
            exercises,
            commands,
            book,
        })
    }

    /// Every prediction question of the book, in chapter order.
    pub fn questions(&self) -> impl Iterator<Item = &crate::quiz::Question> {
        self.exercises.iter().flat_map(|(_, e)| &e.quiz)
    }

    /// The entry of one exercise.
    pub(crate) fn get(&self, name: &str) -> Option<&Exercise> {
        self.exercises
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, e)| e)
    }

    /// The exercises named in `only` (all when empty), failing on unknown
    /// names.
    pub(crate) fn select(&self, only: &[String]) -> Result<Vec<(&str, &Exercise)>> {
        for name in only {
            if self.get(name).is_none() {
                return fail(format!("no exercise {name} in {PATH}"));
            }
        }
        Ok(self
            .exercises
            .iter()
            .filter(|(n, _)| only.is_empty() || only.contains(n))
            .map(|(n, e)| (n.as_str(), e))
            .collect())
    }
}

/// `N` of `exN`.
pub(crate) fn exercise_number(name: &str) -> Option<u32> {
    name.strip_prefix("ex")?.parse().ok()
}

/// An argument line of the manifest, split on spaces (no quoting).
pub(crate) fn args(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_needs_its_difficulty_time_and_two_hints() {
        let task = |extra: &str| {
            toml::from_str::<Task>(&format!(
                "name = \"t\"\ntest = \"t\"\nstatement = \"Do it.\"\n{extra}"
            ))
        };
        let full = "difficulty = 2\nminutes = 10\nnudge = \"An idea.\"\n\
                    hint = \"The idea, and its trap.\"";
        assert!(task(full).unwrap().check().is_ok());
        assert!(task("difficulty = 2\nminutes = 10\nhint = \"Only one.\"").is_err());
        for (from, to) in [
            ("difficulty = 2", "difficulty = 4"),
            ("minutes = 10", "minutes = 0"),
            ("An idea.", "The idea, and its trap and more."),
        ] {
            let bad = task(&full.replace(from, to)).unwrap();
            assert!(bad.check().is_err(), "{to}");
        }
        assert_eq!(task(full).unwrap().effort(), "★★☆, about 10 min");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let bad = "[ex1]\nchapter = \"c.md\"\ndhat = { run = \"a\", tracker = \"b\", frames = \"c\" }\noutput = {}\n";
        assert!(toml::from_str::<BTreeMap<String, Exercise>>(bad).is_err());
    }
}
