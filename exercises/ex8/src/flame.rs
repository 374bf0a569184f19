//! The allocation flame graph: dhat-rs's program points of the std
//! pipeline, folded (`frame;frame;frame count`), drawn by `inferno`; and
//! the folding the shoot-out shares between tools: stacks cut to start at
//! a frame, frames shortened, totals.
//!
//! The stacks are kept in the shoot-out's data file and drawn from there,
//! so the picture is the same bytes every time it is drawn from the same
//! data: colours come from a hash of each frame's name, not at random.
//! What a test checks is its structure (which frames it has), never its
//! bytes: frames and line numbers move with the compiler.

use inferno::flamegraph::{self, Options, Palette, color::BasicPalette};

/// Draws `folded` stacks as an SVG flame graph of allocation calls.
pub fn svg(folded: &[String], title: &str) -> Result<String, String> {
    if folded.is_empty() {
        return Err("no stacks to draw".to_string());
    }
    let mut opt = Options::default();
    opt.title = title.to_string();
    opt.count_name = "allocations".to_string();
    opt.colors = Palette::Basic(BasicPalette::Mem);
    opt.hash = true;
    opt.deterministic = true;
    opt.image_width = Some(1200);
    let mut out = Vec::new();
    flamegraph::from_lines(&mut opt, folded.iter().map(String::as_str), &mut out)
        .map_err(|e| format!("flame graph: {e}"))?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// The frame names an SVG drawn by [`svg`] shows (its `<title>` texts
/// without their counts), for structure checks.
pub fn frames(svg: &str) -> Vec<String> {
    svg.split("<title>")
        .skip(1)
        .filter_map(|s| s.split("</title>").next())
        .map(unescaped_name)
        .collect()
}

/// A frame's `<title>` text (`name (N allocations, P%)`, XML-escaped)
/// back to the frame's name.
fn unescaped_name(title: &str) -> String {
    let name = title.rsplit_once(" (").map_or(title, |(name, _)| name);
    name.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
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
