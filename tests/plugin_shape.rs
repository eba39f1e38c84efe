//! The plugin's modules keep the shape issue 17 gave them: the host bridge only talks
//! `postMessage` and the session only keeps the token, so neither names the other (a token
//! renewal goes through the callback `plugin::host` gives the session).
#![cfg(not(target_arch = "wasm32"))]

use std::path::Path;

/// The lines of `src/<path>` that are code, not comments.
fn code_lines(path: &str) -> Vec<(usize, String)> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(path);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .map(|(at, line)| (at + 1, line.to_owned()))
        .collect()
}

/// Where the code of `src/<path>` names `word` (in any case).
fn mentions(path: &str, word: &str) -> Vec<String> {
    code_lines(path)
        .into_iter()
        .filter(|(_, line)| line.to_lowercase().contains(word))
        .map(|(at, line)| format!("{path}:{at}: {}", line.trim()))
        .collect()
}

#[test]
fn the_bridge_does_not_know_the_session() {
    assert_eq!(
        mentions("plugin/bridge.rs", "session"),
        Vec::<String>::new()
    );
}

#[test]
fn the_session_does_not_know_the_bridge() {
    assert_eq!(
        mentions("plugin/session.rs", "bridge"),
        Vec::<String>::new()
    );
}

#[test]
fn the_check_sees_what_a_file_names() {
    assert!(!mentions("plugin/host.rs", "session").is_empty());
    assert!(!mentions("plugin/host.rs", "bridge").is_empty());
}
