//! Where a timing ran: the machine record every labelled run keeps (CPU
//! model, cores, kernel, glibc, THP, steal, the build), how machines are
//! told apart, and how a run's label reads. Timings from different machines
//! are never pooled; they are compared.

use serde::{Deserialize, Serialize};

use crate::timing::build_profile;

/// Set to `1` for a quick run that stands in for a reference run; its
/// label then says it is to be replaced.
pub const PROVISIONAL_ENV: &str = "KIT_PROVISIONAL";

/// What a labelled timing run records about where it ran.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Machine {
    /// CPU model name from `/proc/cpuinfo`.
    pub cpu: String,
    /// CPU family number (`cpu family` in `/proc/cpuinfo`).
    #[serde(default)]
    pub cpu_family: Option<u32>,
    /// CPU model number (`model` in `/proc/cpuinfo`).
    #[serde(default)]
    pub cpu_model: Option<u32>,
    /// Logical CPUs this process may use (`available_parallelism`).
    pub cores: usize,
    /// The target OS (`std::env::consts::OS`).
    pub os: String,
    /// Kernel release (`/proc/sys/kernel/osrelease`).
    #[serde(default)]
    pub kernel: String,
    /// glibc version, empty off glibc.
    #[serde(default)]
    pub glibc: String,
    /// Transparent huge pages: the selected mode in
    /// `/sys/kernel/mm/transparent_hugepage/enabled` (`always`, `madvise`,
    /// `never`); empty where not recorded (runs before it was).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub thp: String,
    /// Hardware threads per core (2 with SMT on), from the topology of CPU
    /// 0; `None` where not recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads_per_core: Option<u32>,
    /// Share of CPU time the hypervisor took from this VM since boot
    /// (`steal` in `/proc/stat`), percent; `None` where not recorded. Not
    /// part of what makes a machine: a label for how far to trust its run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steal_percent: Option<f64>,
    /// Allocator variables the reader set in the measured processes
    /// (`--child-env`, see [`crate::child`]); empty for a plain run. A run
    /// with them is an experiment, never the same series as one without.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub child_env: Vec<String>,
    /// UTC date of the run, `YYYY-MM-DD`.
    #[serde(default)]
    pub date: String,
    /// The build profile of the binary: `release` or `debug`.
    pub profile: String,
    /// `rustc --version` of the compiler that built it.
    pub rustc: String,
    /// A quick stand-in run on a loaded machine, to be replaced.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub provisional: bool,
}

fn cpuinfo_field(cpuinfo: &str, name: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|l| l.split(':').next().map(str::trim) == Some(name))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

/// Days since 1970-01-01 to a (year, month, day) civil date: Howard
/// Hinnant's `civil_from_days`. Used for run labels here and for the
/// timestamps of exercise 5's generated access log.
pub fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, m, d) = civil_date(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// What [`Machine::varied`] reports: identity fields by how they compare
/// across the machines.
#[derive(Default)]
struct Variation {
    differed: Vec<String>,
    alike: Vec<String>,
    unknown: Vec<String>,
}

/// "1 machine", "2 machines".
fn machine_count(n: usize) -> String {
    match n {
        1 => "1 machine".to_string(),
        n => format!("{n} machines"),
    }
}

/// The kernel version's numbers, without the local build suffix:
/// `6.18.44` of `6.18.44-fc-v1045`. Two VMs of one kind differ only there.
fn kernel_version(release: &str) -> &str {
    let end = release
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(release.len());
    &release[..end]
}

/// The selected THP mode: the bracketed word of
/// `/sys/kernel/mm/transparent_hugepage/enabled`.
fn thp_mode() -> String {
    std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
        .ok()
        .and_then(|s| {
            let (_, rest) = s.split_once('[')?;
            let (mode, _) = rest.split_once(']')?;
            Some(mode.to_string())
        })
        .unwrap_or_default()
}

/// Threads per core: how many CPUs share CPU 0's core (`0-1` or `0,2`).
fn threads_per_core() -> Option<u32> {
    let list =
        std::fs::read_to_string("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list")
            .ok()?;
    cpu_list_len(list.trim())
}

/// How many CPUs a kernel CPU list names: `0-1,4` is 3.
fn cpu_list_len(list: &str) -> Option<u32> {
    let mut n = 0;
    for part in list.split(',') {
        n += match part.split_once('-') {
            Some((a, b)) => b.parse::<u32>().ok()?.checked_sub(a.parse::<u32>().ok()?)? + 1,
            None => {
                part.parse::<u32>().ok()?;
                1
            }
        };
    }
    (n > 0).then_some(n)
}

/// The hypervisor's steal as a share of all CPU time since boot, from the
/// `cpu` line of `/proc/stat` (user nice system idle iowait irq softirq
/// steal ...).
fn steal_percent() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .take(8)
        .map(|v| v.parse().ok())
        .collect::<Option<_>>()?;
    let total: u64 = ticks.iter().sum();
    (ticks.len() == 8 && total > 0).then(|| ticks[7] as f64 * 100.0 / total as f64)
}

fn glibc_version() -> String {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: gnu_get_libc_version returns a pointer to a static,
        // NUL-terminated string that lives as long as the process.
        let v = unsafe { std::ffi::CStr::from_ptr(libc::gnu_get_libc_version()) };
        v.to_string_lossy().into_owned()
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        String::new()
    }
}

impl Machine {
    /// `Measured on <this machine>`: how the label under every table
    /// rendered from a timing run begins.
    pub fn measured_on(&self) -> String {
        format!("Measured on {self}")
    }

    /// Describes this machine from `/proc/cpuinfo` and the kernel, where
    /// there are such files.
    pub fn describe() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let number = |name| cpuinfo_field(&cpuinfo, name).and_then(|v| v.parse().ok());
        Machine {
            cpu: cpuinfo_field(&cpuinfo, "model name").unwrap_or_else(|| "unknown".to_string()),
            cpu_family: number("cpu family"),
            cpu_model: number("model"),
            cores: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            os: std::env::consts::OS.to_string(),
            kernel: std::fs::read_to_string("/proc/sys/kernel/osrelease")
                .map(|s| s.trim().to_string())
                .unwrap_or_default(),
            glibc: glibc_version(),
            thp: thp_mode(),
            threads_per_core: threads_per_core(),
            steal_percent: steal_percent(),
            child_env: crate::child::passed()
                .iter()
                .map(|v| v.to_string())
                .collect(),
            date: today(),
            profile: build_profile().to_string(),
            rustc: option_env!("KIT_RUSTC_VERSION")
                .unwrap_or("unknown")
                .to_string(),
            provisional: std::env::var(PROVISIONAL_ENV).is_ok_and(|v| v == "1"),
        }
    }

    /// The fields that tell machines apart, each as (its name, its value,
    /// how an agreed value reads): the CPU (name, family, model), the core
    /// count, the kernel version (its numbers, not the VM's build suffix),
    /// glibc, the THP mode and the threads per core. A value is empty where
    /// an older run did not record it.
    fn identity(&self) -> [(&'static str, String, String); 6] {
        let kernel = kernel_version(&self.kernel).to_string();
        let tpc = self
            .threads_per_core
            .map_or(String::new(), |t| t.to_string());
        [
            (
                "CPU",
                format!("{} {:?} {:?}", self.cpu, self.cpu_family, self.cpu_model),
                "CPU".to_string(),
            ),
            (
                "cores",
                self.cores.to_string(),
                format!("{} cores", self.cores),
            ),
            ("kernel", kernel.clone(), format!("kernel {kernel}")),
            ("glibc", self.glibc.clone(), format!("glibc {}", self.glibc)),
            ("THP mode", self.thp.clone(), format!("THP {}", self.thp)),
            (
                "threads per core",
                tpc.clone(),
                format!("{tpc} thread(s) per core"),
            ),
        ]
    }

    /// Whether two runs were made on "the same machine" for the reference
    /// data: every [identity](Machine::identity) field equal, a field an
    /// older run did not record matching anything, and the same
    /// `--child-env`. A new run on the same machine replaces its series; a
    /// run elsewhere adds one.
    pub fn same_machine(&self, other: &Machine) -> bool {
        self.identity()
            .iter()
            .zip(other.identity())
            .all(|((_, a, _), (_, b, _))| a.is_empty() || b.is_empty() || *a == b)
            && self.child_env == other.child_env
    }

    /// Which identity fields differed between `machines`, which were alike
    /// (as they read) and which some run did not record.
    fn variation(machines: &[&Machine]) -> Variation {
        let mut v = Variation::default();
        let all: Vec<_> = machines.iter().map(|m| m.identity()).collect();
        let Some(first) = all.first() else {
            return v;
        };
        for (f, (name, _, reads)) in first.iter().enumerate() {
            let values: Vec<&String> = all.iter().map(|m| &m[f].1).collect();
            if values.iter().any(|x| x.is_empty()) {
                v.unknown.push(name.to_string());
            } else if values.windows(2).all(|w| w[0] == w[1]) {
                v.alike.push(reads.clone());
            } else {
                v.differed.push(name.to_string());
            }
        }
        v
    }

    /// What varied between `machines` and what they shared, for a line
    /// beside a verdict taken across them: "2 machines; differed: CPU;
    /// alike: 2 cores, kernel 6.18.44, glibc 2.36".
    pub fn varied(machines: &[&Machine]) -> String {
        let v = Machine::variation(machines);
        let mut out = vec![machine_count(machines.len())];
        for (label, list) in [
            ("differed", v.differed),
            ("alike", v.alike),
            ("not recorded on every machine", v.unknown),
        ] {
            if !list.is_empty() {
                out.push(format!("{label}: {}", list.join(", ")));
            }
        }
        out.join("; ")
    }

    /// The short form of [`Machine::varied`], for a verdict's sentence:
    /// "2 machines, differing in CPU" (what was alike and what was not
    /// recorded is in the long form, beside the tables).
    pub fn varied_short(machines: &[&Machine]) -> String {
        let count = machine_count(machines.len());
        let differed = Machine::variation(machines).differed;
        if differed.is_empty() {
            count
        } else {
            format!("{count}, differing in {}", differed.join(", "))
        }
    }

    /// A short name for a column header: the CPU name without the noise.
    pub fn short(&self) -> String {
        let name = self
            .cpu
            .replace("(R)", "")
            .replace("(TM)", "")
            .replace(" Processor", "")
            .replace(" CPU", "");
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        // Two machines of one brand differ by model: name it where known.
        match self.cpu_model {
            Some(model) => format!("{name} (model {model}), {} cores", self.cores),
            None => format!("{name}, {} cores", self.cores),
        }
    }
}

/// `Intel(R) Xeon(R) Processor (family 6, model 85; 2 cores), Linux
/// 6.1.0-28, glibc 2.36, release build, rustc 1.95.0, 2026-12-01`: the
/// label under every table rendered from a timing run.
impl std::fmt::Display for Machine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.cpu)?;
        match (self.cpu_family, self.cpu_model) {
            (Some(fam), Some(model)) => {
                write!(f, " (family {fam}, model {model}; {} cores)", self.cores)?
            }
            _ => write!(f, " ({} cores)", self.cores)?,
        }
        if self.kernel.is_empty() {
            write!(f, ", {}", self.os)?;
        } else {
            write!(f, ", {} {}", self.os, self.kernel)?;
        }
        if !self.glibc.is_empty() {
            write!(f, ", glibc {}", self.glibc)?;
        }
        if !self.thp.is_empty() {
            write!(f, ", THP {}", self.thp)?;
        }
        if let Some(t) = self.threads_per_core {
            write!(f, ", {t} thread(s) per core")?;
        }
        if let Some(s) = self.steal_percent {
            write!(f, ", {s:.1}% steal since boot")?;
        }
        write!(f, ", {} build, {}", self.profile, self.rustc)?;
        if !self.child_env.is_empty() {
            write!(f, ", children run with {}", self.child_env.join(" "))?;
        }
        if !self.date.is_empty() {
            write!(f, ", {}", self.date)?;
        }
        if self.provisional {
            write!(
                f,
                " [PROVISIONAL: a quick run on a loaded machine, to be replaced by a reference run]"
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machines_are_told_apart_by_what_was_recorded() {
        let a = Machine {
            cpu: "Intel".into(),
            cpu_family: Some(6),
            cpu_model: Some(207),
            cores: 2,
            os: "linux".into(),
            kernel: "6.18.44-fc-v1045".into(),
            glibc: "2.36".into(),
            thp: "madvise".into(),
            threads_per_core: Some(1),
            steal_percent: Some(0.5),
            child_env: Vec::new(),
            date: "2026-12-06".into(),
            profile: "release".into(),
            rustc: "r".into(),
            provisional: false,
        };
        // Another VM of the same kind: only the build suffix and steal differ.
        let b = Machine {
            kernel: "6.18.44-fc-v669".into(),
            steal_percent: Some(3.0),
            ..a.clone()
        };
        assert!(a.same_machine(&b));
        // An older run that did not record THP or SMT matches on the rest.
        let old = Machine {
            thp: String::new(),
            threads_per_core: None,
            ..a.clone()
        };
        assert!(a.same_machine(&old));
        for other in [
            Machine {
                thp: "always".into(),
                ..a.clone()
            },
            Machine {
                threads_per_core: Some(2),
                ..a.clone()
            },
            Machine {
                kernel: "6.1.0-28".into(),
                ..a.clone()
            },
            Machine {
                cpu_model: Some(85),
                ..a.clone()
            },
            Machine {
                child_env: vec!["MALLOC_ARENA_MAX=2".into()],
                ..a.clone()
            },
        ] {
            assert!(!a.same_machine(&other), "{other}");
        }
        let c = Machine {
            cpu_model: Some(85),
            ..a.clone()
        };
        assert_eq!(
            Machine::varied(&[&a, &c]),
            "2 machines; differed: CPU; alike: 2 cores, kernel 6.18.44, glibc 2.36, THP madvise, \
             1 thread(s) per core"
        );
        assert_eq!(
            Machine::varied(&[&a, &old]),
            "2 machines; alike: CPU, 2 cores, kernel 6.18.44, glibc 2.36; not recorded on every \
             machine: THP mode, threads per core"
        );
        assert_eq!(
            Machine::varied_short(&[&a, &c]),
            "2 machines, differing in CPU"
        );
        assert_eq!(Machine::varied_short(&[&a, &old]), "2 machines");
        assert_eq!(Machine::varied(&[]), "0 machines");
        assert_eq!(cpu_list_len("0-1"), Some(2));
        assert_eq!(cpu_list_len("0,2"), Some(2));
        assert_eq!(cpu_list_len("3"), Some(1));
        assert_eq!(cpu_list_len("x"), None);
        assert_eq!(kernel_version("6.18.44-fc-v1045"), "6.18.44");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(20_454), (2026, 1, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
    }

    #[test]
    fn machine_is_described_and_old_labels_still_read() {
        let m = Machine::describe();
        assert!(m.to_string().contains(&format!("{} cores", m.cores)));
        let old: Machine = serde_json::from_str(
            r#"{"cpu":"X","cores":2,"os":"linux","profile":"release","rustc":"r"}"#,
        )
        .unwrap();
        assert_eq!(old.to_string(), "X (2 cores), linux, release build, r");
    }
}
