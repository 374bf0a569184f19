//! `cargo xtask view exN [-- ARGS]`: an exercise's heap profile, open in
//! valgrind's dhat viewer, in one command.
//!
//! It builds the exercise with `dhat-heap` (in the dhat build's own target
//! folder, so the normal binaries stay as they are), runs it with ARGS (the
//! manifest's profiled run without), and serves the viewer on localhost:
//! valgrind's `dh_view.html` from the system install, with a few lines added
//! that fetch the profile and hand it to the viewer's file input, as its
//! "Load…" button would (the viewer takes no file name in its URL). It
//! prints the address to open and serves until stopped; `--no-serve` only
//! writes the profile.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::dhat;
use crate::manifest::{self, Manifest};
use crate::tools::DH_VIEW;
use crate::util::{self, Result, fail, rel};

/// The port `view` serves on unless told otherwise (`mdbook serve` takes
/// 3000).
pub const PORT: u16 = 3001;

/// The lines added at the end of the viewer's page: wait for its file
/// input, fetch the profile, and hand it over.
const LOADER: &str = r#"<script>
// Added by `cargo xtask view`: loads the profile as the "Load…" button would.
(async () => {
  let input = null;
  while (!(input = document.querySelector('input[type=file]'))) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const response = await fetch('profile.json');
  const file = new File([await response.blob()], NAME, { type: 'application/json' });
  const files = new DataTransfer();
  files.items.add(file);
  input.files = files.files;
  input.dispatchEvent(new Event('change'));
})();
</script>
"#;

/// A viewer being served, until dropped.
pub(crate) struct Viewer {
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// The address to open.
    pub(crate) url: String,
}

impl Drop for Viewer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The viewer's folder (its page, script and style sheet).
fn viewer_dir() -> Result<&'static Path> {
    let page = Path::new(DH_VIEW);
    match page.parent() {
        Some(dir) if page.is_file() => Ok(dir),
        _ => fail(format!(
            "valgrind's dhat viewer is missing ({DH_VIEW}): install valgrind 3.17 or later \
             (Debian: `apt-get install valgrind`)"
        )),
    }
}

/// Serves the viewer with `profile` on 127.0.0.1:`port` (0: any free
/// port), in a thread of its own.
pub(crate) fn start(profile: &Path, port: u16) -> Result<Viewer> {
    let dir = viewer_dir()?;
    let page = util::read(Path::new(DH_VIEW))?;
    let name = profile
        .file_name()
        .map_or("profile.json".into(), |n| n.to_string_lossy().to_string());
    let loader = LOADER.replace("NAME", &serde_json::to_string(&name).unwrap_or_default());
    let page = match page.rfind("</body>") {
        Some(at) => format!("{}{loader}{}", &page[..at], &page[at..]),
        None => page + &loader,
    };
    let data = std::fs::read(profile).map_err(|e| format!("{}: {e}", profile.display()))?;
    let server = tiny_http::Server::http(("127.0.0.1", port))
        .map_err(|e| format!("cannot serve on 127.0.0.1:{port}: {e} (try --port)"))?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or("the viewer's server has no IP address")?;
    let server = Arc::new(server);
    let (files, serving) = (
        [
            (
                "dh_view.js",
                std::fs::read(dir.join("dh_view.js")).unwrap_or_default(),
            ),
            (
                "dh_view.css",
                std::fs::read(dir.join("dh_view.css")).unwrap_or_default(),
            ),
        ],
        Arc::clone(&server),
    );
    let thread = std::thread::spawn(move || {
        for request in serving.incoming_requests() {
            let path = request.url().split('?').next().unwrap_or("").to_string();
            let (body, kind): (&[u8], &str) = match path.as_str() {
                "/" | "/index.html" => (page.as_bytes(), "text/html; charset=utf-8"),
                "/profile.json" => (&data, "application/json"),
                "/dh_view.js" => (&files[0].1, "text/javascript"),
                "/dh_view.css" => (&files[1].1, "text/css"),
                // The browser asks for an icon; there is none, and that is fine.
                "/favicon.ico" => {
                    let _ = request.respond(tiny_http::Response::empty(204));
                    continue;
                }
                _ => {
                    let _ = request.respond(tiny_http::Response::empty(404));
                    continue;
                }
            };
            let header = tiny_http::Header::from_bytes("Content-Type", kind)
                .expect("a constant header is valid");
            let _ = request.respond(tiny_http::Response::from_data(body).with_header(header));
        }
    });
    Ok(Viewer {
        server,
        thread: Some(thread),
        url: format!("http://{addr}/"),
    })
}

/// Profiles exercise `ex` with `args` (the manifest's profiled run when
/// empty) and returns the profile's path.
pub(crate) fn profile(m: &Manifest, ex: &str, args: &[String]) -> Result<PathBuf> {
    let Some(e) = m.get(ex) else {
        return fail(format!("no exercise {ex} in {}", manifest::PATH));
    };
    dhat::build(Some(ex))?;
    let args = if args.is_empty() {
        e.dhat.run.clone()
    } else {
        args.join(" ")
    };
    println!("profiling: {ex} {args} (built with --features dhat-heap)");
    let p = dhat::profile(ex, &args)?;
    let (bytes, blocks) = p.total();
    let path = dhat::profile_path(ex);
    println!(
        "{}: {blocks} blocks, {bytes} bytes in {} program points",
        rel(&path),
        p.pps.len()
    );
    Ok(path)
}

/// `cargo xtask view exN [--no-serve] [--port P] [-- ARGS]`.
pub fn view(m: &Manifest, ex: &str, args: &[String], serve: bool, port: u16) -> Result<()> {
    if serve {
        viewer_dir()?;
    }
    let path = profile(m, ex, args)?;
    if !serve {
        return Ok(());
    }
    let viewer = start(&path, port)?;
    println!(
        "open {} to see it in valgrind's dhat viewer (Ctrl-C to stop)",
        viewer.url
    );
    // Serves until the process is stopped.
    loop {
        std::thread::park();
    }
}
