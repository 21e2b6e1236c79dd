//! "Did you mean …?": the closest known name by edit distance.

/// Edit distance between two strings, by characters, where swapping two neighbours counts as
/// one edit (optimal string alignment): `stpe` is one edit from `step`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// Up to three known names closest to `wanted` (only those tied for the best score). "Close"
/// means a small edit distance relative to the length, or containing the wanted text.
pub(crate) fn closest<'a>(wanted: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let wanted_lc = wanted.to_lowercase();
    let limit = (wanted.chars().count() / 3).max(1) + 1;
    let mut scored: Vec<(usize, String)> = known
        .into_iter()
        .filter(|k| !k.is_empty() && *k != wanted)
        .filter_map(|k| {
            let d = edit_distance(&wanted_lc, &k.to_lowercase());
            let contains = wanted_lc.len() >= 3 && k.to_lowercase().contains(&wanted_lc);
            (d <= limit || contains).then(|| (d, k.to_string()))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    let best = scored.first().map(|s| s.0).unwrap_or(0);
    scored
        .into_iter()
        .take_while(|s| s.0 == best)
        .take(3)
        .map(|(_, k)| k)
        .collect()
}

/// `did you mean a, b or c?` for a non-empty list.
pub(crate) fn did_you_mean(candidates: &[String]) -> Option<String> {
    match candidates {
        [] => None,
        [one] => Some(format!("did you mean `{one}`?")),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|c| format!("`{c}`")).collect();
            Some(format!("did you mean {} or `{last}`?", init.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_and_suggestions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("stpe", "step"), 1);
        assert_eq!(closest("stpe", ["some", "step"]), vec!["step"]);
        assert_eq!(closest("stp", ["step", "sleep", "env"]), vec!["step"]);
        assert_eq!(
            did_you_mean(&["a".into(), "b".into()]).as_deref(),
            Some("did you mean `a` or `b`?")
        );
        assert!(closest("zzzzzz", ["step"]).is_empty());
    }
}
