//! The README's example playbook runs as written, as a new user would run it: saved at the top of
//! the repository (here: beside a copy of `playbooks/manifests`) and run on the simulator, twice.

use std::process::Command;

#[test]
fn the_readme_example_runs_as_written_and_converges() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    let after = &readme[readme
        .find("This one runs as written")
        .expect("the example's sentence")..];
    let start = after.find("```rhai\n").expect("a rhai block") + "```rhai\n".len();
    let example = &after[start..start + after[start..].find("```").unwrap()];

    let dir = tempfile::tempdir().unwrap();
    // A copy, not a link: playbooks may read only files inside their own directory.
    let manifests = dir.path().join("playbooks").join("manifests");
    std::fs::create_dir_all(&manifests).unwrap();
    for entry in std::fs::read_dir(format!("{root}/playbooks/manifests")).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), manifests.join(entry.file_name())).unwrap();
        }
    }
    std::fs::write(dir.path().join("example.rhai"), example).unwrap();
    let state = dir.path().join("state");
    for (round, changes) in [(1, true), (2, false)] {
        let out = Command::new(env!("CARGO_BIN_EXE_fedrun"))
            .current_dir(dir.path())
            .args(["--sim", "--state"])
            .arg(&state)
            .args(["--output", "json", "example.rhai"])
            .output()
            .unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "round {round}:\n{all}");
        let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json summary");
        assert_eq!(
            summary["changed"].as_u64().unwrap() > 0,
            changes,
            "round {round}: {summary}"
        );
    }
}
