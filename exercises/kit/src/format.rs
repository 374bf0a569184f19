//! How numbers look in the exercises' tables: bytes in MiB (or the unit
//! that fits) and sequences joined by arrows.

/// Bytes in a mebibyte.
pub const MIB: f64 = 1024.0 * 1024.0;

/// A byte count in MiB with one decimal, for table cells: `12.3`.
pub fn mib(bytes: impl Into<f64>) -> String {
    format!("{:.1}", bytes.into() / MIB)
}

/// [`mib`] of a byte count that may be missing (`n/a` then).
pub fn mib_or_na(bytes: Option<u64>) -> String {
    bytes.map_or("n/a".to_string(), |b| mib(b as f64))
}

/// A byte count in the unit that fits: `12.3 MiB`, `4.0 KiB`, `512 B`.
pub fn bytes(n: f64) -> String {
    const KIB: f64 = 1024.0;
    let a = n.abs();
    if a >= KIB * KIB * KIB {
        format!("{:.2} GiB", n / (KIB * KIB * KIB))
    } else if a >= KIB * KIB {
        format!("{:.1} MiB", n / (KIB * KIB))
    } else if a >= KIB {
        format!("{:.1} KiB", n / KIB)
    } else {
        format!("{n:.0} B")
    }
}

/// A value that may be missing: `-` then.
pub fn or_dash<T: std::fmt::Display>(x: Option<T>) -> String {
    x.map_or("-".to_string(), |v| v.to_string())
}

/// `4 → 8 → 16`: a sequence (capacities, say) as the book prints it.
pub fn arrows<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(" → ")
}

/// [`arrows`], shortened in the middle when longer than six:
/// `1 → 2 → 4 → … → 512 → 1024`.
pub fn arrows_short<T: std::fmt::Display>(items: &[T]) -> String {
    if items.len() > 6 {
        format!(
            "{} → … → {}",
            arrows(&items[..3]),
            arrows(&items[items.len() - 2..])
        )
    } else {
        arrows(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrows_and_bytes() {
        assert_eq!(arrows(&[4, 8, 16]), "4 → 8 → 16");
        assert_eq!(
            arrows_short(&[1, 2, 4, 8, 16, 32]),
            "1 → 2 → 4 → 8 → 16 → 32"
        );
        assert_eq!(
            arrows_short(&[1, 2, 4, 8, 16, 32, 64]),
            "1 → 2 → 4 → … → 32 → 64"
        );
        assert_eq!(mib(3.0 * MIB), "3.0");
        assert_eq!(mib_or_na(None), "n/a");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(1536.0), "1.5 KiB");
        assert_eq!(bytes(-2.0 * MIB), "-2.0 MiB");
    }
}
