//! What needs a browser: the built book and the dhat viewer in Debian's
//! headless Chromium, driven by playwright-core from `ci/browser/` (never a
//! downloaded browser; no Rust crate drives a system Chromium as well
//! without fetching one of its own). The JavaScript only drives the browser
//! and reports what it saw; every expectation comes from here as JSON, and
//! every comparison of numbers happens here.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};

use crate::dhat::{self, Profile};
use crate::manifest::Manifest;
use crate::tools::{CHROMIUM, DH_VIEW};
use crate::util::{self, Result, fail, rel, root};

/// The committed picture of the viewer, and the viewer's text it shows,
/// summarised (what the check compares: the image's bytes change every run).
pub(crate) const SCREENSHOT: &str = "book/src/data/dhat-viewer.png";
pub(crate) const SCREENSHOT_TEXT: &str = "book/src/data/dhat-viewer.txt";
/// The exercise and run the picture shows: exercise 1's profiled run.
const SCREENSHOT_EXERCISE: &str = "ex1";
/// The profile the test also opens through `cargo xtask view`'s server.
const VIEW_EXERCISE: &str = "ex3";

/// What the browser script is asked to do.
#[derive(Serialize)]
struct Plan {
    /// The built book to serve, or none (screenshot only).
    book: Option<PathBuf>,
    dh_view: &'static str,
    /// Exercises that exist, for the chapters' "Run it" boxes.
    exercises: Vec<String>,
    profiles: Vec<PlannedProfile>,
    /// One quiz per chapter to answer, wrongly and then rightly.
    quizzes: Vec<PlannedQuiz>,
    /// Where to write what the browser saw.
    report: PathBuf,
}

#[derive(Serialize)]
struct PlannedProfile {
    exercise: String,
    path: PathBuf,
    /// The totals as the viewer prints them ("59,636"), to wait for.
    bytes: String,
    blocks: String,
    /// Take a picture of the top of the viewer here.
    screenshot: Option<PathBuf>,
    /// Open the viewer here (`cargo xtask view`'s server, which loads the
    /// profile itself) instead of loading the file into dh_view.html.
    url: Option<String>,
}

/// The first quiz of a chapter page, with its questions' answers.
#[derive(Serialize)]
struct PlannedQuiz {
    /// The page (`chNN-*.html`).
    page: String,
    questions: Vec<PlannedAnswer>,
}

#[derive(Serialize)]
struct PlannedAnswer {
    /// `ShortAnswer` (typed) or `MultipleChoice` (a choice clicked).
    kind: String,
    answer: String,
    wrong: String,
    /// The opening words of the question's context, as the reader sees it
    /// once the quiz is answered (Markdown marks left out).
    context: String,
}

/// What the browser script saw.
#[derive(Deserialize)]
struct Report {
    /// Problems only a browser sees (console errors, failed requests,
    /// search), one line each.
    problems: Vec<String>,
    pages: usize,
    /// Each profile's viewer text, in plan order.
    viewer_texts: Vec<String>,
    /// Each quiz's review after the wrong answers, then after the right
    /// ones, in plan order.
    #[serde(default)]
    quiz_reviews: Vec<(String, String)>,
}

/// `1234567` as the viewer prints it: `1,234,567`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The viewer's text as the check compares it: the totals, and each program
/// point that passes through the project's code with its size and the
/// project's frames (function and line), without what changes from run to
/// run (addresses, the process id, times, rates) or with the toolchain
/// (frames in std and dependencies).
pub(crate) fn summary(viewer_text: &str) -> String {
    let mut out = Vec::new();
    let mut block: Vec<String> = Vec::new();
    let mut size = String::new();
    let flush = |size: &str, block: &mut Vec<String>, out: &mut Vec<String>| {
        if !block.is_empty() {
            out.push(format!("program point, {size}:"));
            out.extend(block.drain(..).map(|f| format!("  {f}")));
        }
    };
    for raw in viewer_text.lines() {
        let line = raw.trim_start_matches(|c: char| " │├└─▼►".contains(c));
        if line.starts_with("PP ") {
            flush(&size, &mut block, &mut out);
            size.clear();
        } else if let Some(rest) = line.strip_prefix("Total:") {
            // "59,636 bytes (100%, 24,786,367.41/s) in 680 blocks (...), ..."
            let words: Vec<&str> = rest.split_whitespace().collect();
            let bytes = words.first().copied().unwrap_or("?");
            let blocks = words
                .iter()
                .position(|w| *w == "in")
                .and_then(|i| words.get(i + 1))
                .copied()
                .unwrap_or("?");
            size = format!("{bytes} bytes in {blocks} blocks");
            if out.is_empty() && block.is_empty() {
                out.push(format!("Total: {size}"));
            }
        } else if let Some((_, frame)) = line.split_once(": 0x")
            && let Some((_, frame)) = frame.split_once(": ")
        {
            let project =
                ["(ex", "(kit/"].iter().any(|p| frame.contains(p)) && frame.contains("/src/");
            if project {
                block.push(frame.to_string());
            }
        }
    }
    flush(&size, &mut block, &mut out);
    out.join("\n") + "\n"
}

/// Runs the browser script on a plan; returns its report.
fn drive(plan: &Plan) -> Result<Report> {
    if !Path::new(CHROMIUM).is_file() {
        return fail(
            "Debian's chromium is not installed (`cargo xtask install` installs it as root)",
        );
    }
    if !Path::new(DH_VIEW).is_file() {
        return fail(format!(
            "valgrind's dh_view.html is missing ({DH_VIEW}, valgrind 3.17+)"
        ));
    }
    let dir = root().join("ci/browser");
    if !dir.join("node_modules/playwright-core").is_dir() {
        util::run(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir),
        )?;
    }
    let work = util::temp_dir("browser")?;
    let plan_path = work.join("plan.json");
    let json = serde_json::to_string_pretty(plan).map_err(|e| e.to_string())?;
    std::fs::write(&plan_path, json).map_err(|e| e.to_string())?;
    util::run(
        Command::new("node")
            .arg(dir.join("check.mjs"))
            .arg(&plan_path)
            .current_dir(root()),
    )?;
    let report: Report = serde_json::from_str(&util::read(&plan.report)?)
        .map_err(|e| format!("{}: {e}", plan.report.display()))?;
    let _ = std::fs::remove_dir_all(&work);
    Ok(report)
}

fn planned(exercise: &str, path: PathBuf, screenshot: Option<PathBuf>) -> Result<PlannedProfile> {
    let p = Profile::load(&path)?;
    let (bytes, blocks) = p.total();
    Ok(PlannedProfile {
        exercise: exercise.to_string(),
        path,
        bytes: thousands(bytes),
        blocks: thousands(blocks),
        screenshot,
        url: None,
    })
}

/// Checks the viewer showed each profile's totals. Returns problems.
fn check_totals(plan: &Plan, report: &Report) -> Vec<String> {
    let mut problems = Vec::new();
    for (p, text) in plan.profiles.iter().zip(&report.viewer_texts) {
        let want = format!("Total: {} bytes in {} blocks", p.bytes, p.blocks);
        if !summary(text).starts_with(&want) {
            problems.push(format!(
                "dh_view {}: the viewer does not show \"{want}\"",
                rel(&p.path)
            ));
        }
    }
    problems
}

/// The first quiz each chapter shows, with the answers from its generated
/// file (what the generate step wrote from the tables) and a wrong answer
/// per question.
fn planned_quizzes(m: &Manifest) -> Result<Vec<PlannedQuiz>> {
    let mut out = Vec::new();
    for (_, e) in &m.exercises {
        let chapter = util::read(&root().join("book/src").join(&e.chapter))?;
        let Some(spec) = chapter.lines().find_map(|l| {
            l.trim()
                .strip_prefix("{{#quiz ")
                .and_then(|r| r.strip_suffix("}}"))
        }) else {
            continue;
        };
        let text = util::read(&root().join("book/src").join(spec.trim()))?;
        let quiz: toml::Value = toml::from_str(&text).map_err(|e| format!("{spec}: {e}"))?;
        let Some(qs) = quiz.get("questions").and_then(|q| q.as_array()) else {
            return fail(format!("{spec}: no questions"));
        };
        let mut questions = Vec::new();
        for q in qs {
            let kind = q.get("type").and_then(|t| t.as_str()).unwrap_or("");
            let answer = q.get("answer").and_then(|a| a.get("answer"));
            let (answer, wrong) = match (kind, answer) {
                ("ShortAnswer", Some(toml::Value::String(a))) => {
                    (a.clone(), "not the answer".to_string())
                }
                ("MultipleChoice", Some(toml::Value::Array(a))) => {
                    let first =
                        |v: Option<&toml::Value>| v.and_then(|v| v.as_str()).map(str::to_string);
                    let wrong = first(
                        q.get("prompt")
                            .and_then(|p| p.get("distractors"))
                            .and_then(|d| d.as_array())
                            .and_then(|d| d.first()),
                    );
                    match (first(a.first()), wrong) {
                        (Some(a), Some(w)) => (a, w),
                        _ => {
                            return fail(format!(
                                "{spec}: a question without answer or distractor"
                            ));
                        }
                    }
                }
                _ => {
                    return fail(format!(
                        "{spec}: a question of type '{kind}' the test cannot answer"
                    ));
                }
            };
            let context = q.get("context").and_then(|c| c.as_str()).unwrap_or("");
            questions.push(PlannedAnswer {
                kind: kind.to_string(),
                answer,
                wrong,
                context: opening_words(context),
            });
        }
        out.push(PlannedQuiz {
            page: format!("{}.html", e.chapter.trim_end_matches(".md")),
            questions,
        });
    }
    Ok(out)
}

/// Each quiz marked every wrong answer wrong, then every right one right.
/// The first words of a context as the page shows them: Markdown's code
/// and emphasis marks left out, whitespace made single.
fn opening_words(context: &str) -> String {
    context
        .replace(['`', '*'], "")
        .split_whitespace()
        .take(8)
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_quizzes(plan: &Plan, report: &Report) -> Vec<String> {
    let mut problems = Vec::new();
    if report.quiz_reviews.len() != plan.quizzes.len() {
        problems.push(format!(
            "quizzes: {} planned, {} answered",
            plan.quizzes.len(),
            report.quiz_reviews.len()
        ));
        return problems;
    }
    for (q, (wrong, right)) in plan.quizzes.iter().zip(&report.quiz_reviews) {
        let n = q.questions.len();
        let want_wrong = format!("You answered 0/{n} questions correctly");
        let want_right = format!("You answered {n}/{n} questions correctly");
        if !wrong.contains(&want_wrong) {
            problems.push(format!(
                "{}: after wrong answers the quiz does not say '{want_wrong}'",
                q.page
            ));
        }
        if !right.contains(&want_right) {
            problems.push(format!(
                "{}: after the right answers the quiz does not say '{want_right}'",
                q.page
            ));
        }
        // What the answer teaches: each question's context, once answered.
        for a in q.questions.iter().filter(|a| !a.context.is_empty()) {
            if !right.contains(&a.context) {
                problems.push(format!(
                    "{}: once answered, the quiz does not show the context \"{}\"",
                    q.page, a.context
                ));
            }
        }
    }
    problems
}

/// `cargo xtask browser-test`: every page of the built book loads without
/// console errors and failed requests, each chapter's "Run it" box names a
/// crate, search works, each chapter's first quiz marks wrong answers wrong
/// and right ones right and shows each answer's context, each dhat profile opens in dh_view.html with the
/// totals the file holds, and the viewer shows what the committed picture
/// shows. Needs `book/build` (check-book) and `target/dhat` (dhat).
pub fn test(m: &Manifest) -> Result<()> {
    let book = root().join("book/build");
    if !book.is_dir() {
        return fail("book/build is missing: run `cargo xtask check-book` first");
    }
    let mut profiles = Vec::new();
    for (ex, _) in &m.exercises {
        let path = dhat::profile_path(ex);
        if !path.is_file() {
            return fail(format!(
                "{} is missing: run `cargo xtask dhat` first",
                rel(&path)
            ));
        }
        profiles.push(planned(ex, path, None)?);
    }
    // One profile the way a reader opens it: through `cargo xtask view`'s
    // server, which hands the file to the viewer itself.
    let through = VIEW_EXERCISE;
    let viewer = crate::view::start(&dhat::profile_path(through), 0)?;
    let mut via_view = planned(through, dhat::profile_path(through), None)?;
    via_view.url = Some(viewer.url.clone());
    profiles.push(via_view);
    let work = util::temp_dir("browser-report")?;
    let plan = Plan {
        book: Some(book),
        dh_view: DH_VIEW,
        exercises: m.exercises.iter().map(|(n, _)| n.clone()).collect(),
        profiles,
        quizzes: planned_quizzes(m)?,
        report: work.join("report.json"),
    };
    let report = drive(&plan)?;
    drop(viewer);
    let mut problems = report.problems.clone();
    problems.extend(check_totals(&plan, &report));
    problems.extend(check_quizzes(&plan, &report));
    // The committed picture shows what the viewer shows now.
    if let Some(i) = plan
        .profiles
        .iter()
        .position(|p| p.exercise == SCREENSHOT_EXERCISE)
    {
        let now = summary(&report.viewer_texts[i]);
        let committed = std::fs::read_to_string(root().join(SCREENSHOT_TEXT)).unwrap_or_default();
        if now != committed {
            problems.push(format!(
                "{SCREENSHOT} is stale: the viewer now shows other program points or totals \
                 than {SCREENSHOT_TEXT}: run `cargo xtask dhat-screenshot` and commit"
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    for p in &problems {
        eprintln!("error: {p}");
    }
    if !problems.is_empty() {
        return fail(format!("browser: {} problem(s)", problems.len()));
    }
    println!(
        "browser: {} pages, search, {} quizzes marked wrong then right, {} dhat profiles with their totals (one through `cargo xtask view`), {SCREENSHOT} up to date",
        report.pages,
        plan.quizzes.len(),
        plan.profiles.len()
    );
    Ok(())
}

/// `cargo xtask dhat-screenshot [--check]`: profiles exercise 1's run, loads
/// it into the viewer and, when the viewer's text differs from the committed
/// one (or `--force`), writes a new picture and its text. With `--check`,
/// writes nothing and fails on a difference.
pub fn screenshot(m: &Manifest, mode: ScreenshotMode) -> Result<()> {
    let Some(e) = m.get(SCREENSHOT_EXERCISE) else {
        return fail(format!("no {SCREENSHOT_EXERCISE} in the manifest"));
    };
    dhat::build(Some(SCREENSHOT_EXERCISE))?;
    dhat::profile(SCREENSHOT_EXERCISE, &e.dhat.run)?;
    let work = util::temp_dir("screenshot")?;
    let png = work.join("dhat-viewer.png");
    let plan = Plan {
        book: None,
        dh_view: DH_VIEW,
        exercises: Vec::new(),
        quizzes: Vec::new(),
        profiles: vec![planned(
            SCREENSHOT_EXERCISE,
            dhat::profile_path(SCREENSHOT_EXERCISE),
            Some(png.clone()),
        )?],
        report: work.join("report.json"),
    };
    let report = drive(&plan)?;
    let mut problems = report.problems.clone();
    problems.extend(check_totals(&plan, &report));
    if !problems.is_empty() {
        return fail(format!("dhat screenshot: {}", problems.join("; ")));
    }
    let now = summary(&report.viewer_texts[0]);
    let committed = std::fs::read_to_string(root().join(SCREENSHOT_TEXT)).unwrap_or_default();
    let same = now == committed && root().join(SCREENSHOT).is_file();
    match mode {
        ScreenshotMode::Check if !same => {
            return fail(format!(
                "{SCREENSHOT} is stale (the viewer's text differs from {SCREENSHOT_TEXT}): \
                 run `cargo xtask dhat-screenshot` and commit"
            ));
        }
        ScreenshotMode::IfChanged if same => {
            println!("{SCREENSHOT}: the viewer shows what the picture shows; kept");
        }
        ScreenshotMode::Check => println!("{SCREENSHOT}: up to date"),
        _ => {
            std::fs::copy(&png, root().join(SCREENSHOT))
                .map_err(|e| format!("{SCREENSHOT}: {e}"))?;
            std::fs::write(root().join(SCREENSHOT_TEXT), now)
                .map_err(|e| format!("{SCREENSHOT_TEXT}: {e}"))?;
            println!("wrote {SCREENSHOT} and {SCREENSHOT_TEXT}");
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(())
}

/// After a full `cargo xtask generate`: the picture retaken if the viewer's
/// text changed; skipped, saying so, where there is no Chromium.
pub fn screenshot_if_changed(m: &Manifest) -> Result<()> {
    if !Path::new(CHROMIUM).is_file() {
        println!("skipped {SCREENSHOT}: needs Debian's chromium (`cargo xtask install`)");
        return Ok(());
    }
    screenshot(m, ScreenshotMode::IfChanged)
}

/// When `dhat-screenshot` writes a new picture.
#[derive(Debug, Clone, Copy)]
pub enum ScreenshotMode {
    /// Only when the viewer's text changed (what `generate` does).
    IfChanged,
    /// Always.
    Force,
    /// Never; fail when the text changed.
    Check,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chapter_has_a_quiz_the_browser_can_answer() {
        let m = Manifest::load(&root()).unwrap();
        let quizzes = planned_quizzes(&m).unwrap();
        assert_eq!(quizzes.len(), m.exercises.len(), "one quiz per chapter");
        for q in &quizzes {
            assert!(!q.questions.is_empty(), "{}", q.page);
            assert!(
                q.questions.iter().all(|a| a.answer != a.wrong),
                "{}",
                q.page
            );
        }
    }

    #[test]
    fn thousands_as_the_viewer_prints_them() {
        assert_eq!(thousands(5), "5");
        assert_eq!(thousands(59636), "59,636");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn summary_keeps_totals_and_project_frames() {
        let text = "Invocation {\n  PID: 1\n}\n▼ PP 1/1 (5 children) {\n    Total:     59,636 bytes (100%, 1.2/s) in 680 blocks (100%, 3/s), avg\n      #0: [root]\n  }\n  ├── PP 1.1.1/18 {\n  │     Total:     1,600 bytes (2.68%, 6/s) in 100 blocks (14.71%, 4/s), avg\n  │       ^1: 0x556b: alloc (dhat-0.3.3/src/lib.rs:1176:9)\n  │       #8: 0x556b924fab49: run (ex1/src/workload.rs:34:21)\n";
        assert_eq!(
            summary(text),
            "Total: 59,636 bytes in 680 blocks\nprogram point, 1,600 bytes in 100 blocks:\n  run (ex1/src/workload.rs:34:21)\n"
        );
    }
}
