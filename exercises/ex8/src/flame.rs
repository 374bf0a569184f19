//! The allocation flame graph: dhat-rs's program points of the std
//! pipeline, folded (`frame;frame;frame count`), drawn by `inferno`.
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
